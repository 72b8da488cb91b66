"""The Dask executor: chunks and whole runs on a cluster give the same bits as this machine.

One LocalCluster of two single-threaded worker processes serves the module (starting one takes
seconds). The tests skip when the ``dask`` extra is not installed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from migrant_health import RunConfig, simulate
from migrant_health.cli.main import app
from migrant_health.engine import dask_executor
from migrant_health.engine.dask_executor import DaskExecutor, dask_client, use_client
from migrant_health.engine.run import SerialExecutor
from migrant_health.errors import RunConfigError
from migrant_health.experiments.compare import plan_comparison, run_comparison
from migrant_health.model import default_plan

distributed = pytest.importorskip("dask.distributed")

# 7 chunks of 40 communities at 40,000 persons per agent.
SMALL = RunConfig(end=2010, scale=40_000, seed=3, communities_per_chunk=40)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    with distributed.Client(cluster) as connected:
        yield connected
    cluster.close()


def test_a_run_on_the_cluster_is_bit_identical_to_a_serial_run(client: Any) -> None:
    serial = simulate(SMALL, executor=SerialExecutor())
    # A window of 3 chunks in flight: 7 chunks stream through it.
    clustered = simulate(SMALL, executor=DaskExecutor(client, window=3))
    pd.testing.assert_frame_equal(clustered.cells, serial.cells, check_exact=True)
    pd.testing.assert_frame_equal(clustered.aggregates, serial.aggregates, check_exact=True)
    assert clustered.n_chunks == serial.n_chunks == 7


def test_a_comparison_on_the_cluster_equals_the_process_pools(client: Any) -> None:
    plan = plan_comparison(["equal_public_services"], 2, end=2010, scale=200_000, workers=2)
    pooled = run_comparison(plan, runs=None)
    with use_client(client):
        clustered = run_comparison(plan, runs=None)
    pd.testing.assert_frame_equal(clustered.deltas, pooled.deltas, check_exact=True)
    assert len(pooled.deltas) > 0


def test_a_failing_chunk_raises_here_and_leaves_no_task_behind(client: Any) -> None:
    tasks = [(0, 0, 4000), (1, 4000, -1)]  # a chunk of -1 agents cannot be allocated
    with pytest.raises(ValueError):
        list(DaskExecutor(client).map(default_plan(), SMALL, tasks))
    # The scattered settings and every chunk's future are released.
    assert not client.processing() or all(not v for v in client.processing().values())


def test_without_dask_the_option_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(RunConfigError, match=r'pip install -e "\.\[dask\]"'):
        dask_client("local", 1).__enter__()


def test_a_bad_scheduler_is_refused_with_the_forms_it_takes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(RunConfigError, match=r"'local'.*tcp://"):
        dask_client("somewhere", 1).__enter__()
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", 1)
    with pytest.raises(RunConfigError, match="dask scheduler"):
        dask_client("tcp://127.0.0.1:9", 1).__enter__()  # the discard port: nothing answers


def test_simulate_on_a_running_cluster_writes_the_serial_runs_numbers(
    client: Any, tmp_path: Path
) -> None:
    # --scheduler tcp://... connects to the module's cluster (--scheduler local starts its own,
    # as docs/performance.md shows).
    runner = CliRunner()
    tiny = ["--scale", "200000", "--end", "2010", "--workers", "1"]
    serial = runner.invoke(app, ["simulate", *tiny, "--out", str(tmp_path / "serial")])
    assert serial.exit_code == 0, serial.output
    address = client.scheduler.address
    clustered = runner.invoke(
        app, ["simulate", *tiny, "--scheduler", address, "--out", str(tmp_path / "cluster")]
    )
    assert clustered.exit_code == 0, clustered.output
    assert f"the Dask cluster at {address}" in clustered.output
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "cluster" / "aggregates.parquet"),
        pd.read_parquet(tmp_path / "serial" / "aggregates.parquet"),
        check_exact=True,
    )
