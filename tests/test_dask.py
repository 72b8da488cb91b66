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
from migrant_health.engine.executors import SerialExecutor
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


def test_runs_on_the_cluster_are_bit_identical_to_runs_here(client: Any, tmp_path: Path) -> None:
    # One test, not one per check: pytest-xdist would start a cluster on each of its workers
    # (and each cluster's workers load the kernels, tens of seconds on a loaded machine).
    serial = simulate(SMALL, executor=SerialExecutor())
    # A window of 3 chunks in flight: 7 chunks stream through it.
    clustered = simulate(SMALL, executor=DaskExecutor(client, window=3))
    pd.testing.assert_frame_equal(clustered.cells, serial.cells, check_exact=True)
    pd.testing.assert_frame_equal(clustered.aggregates, serial.aggregates, check_exact=True)
    assert clustered.n_chunks == serial.n_chunks == 7

    # A comparison's whole runs as the cluster's tasks: the same deltas as the process pool's.
    plan = plan_comparison(["equal_public_services"], 2, end=2010, scale=200_000, workers=2)
    pooled = run_comparison(plan, runs=None)
    with use_client(client):
        on_cluster = run_comparison(plan, runs=None)
    pd.testing.assert_frame_equal(on_cluster.deltas, pooled.deltas, check_exact=True)
    assert len(pooled.deltas) > 0

    # simulate --scheduler tcp://... on the command line connects to this cluster.
    runner = CliRunner()
    tiny = ["--scale", "200000", "--end", "2010", "--workers", "1"]
    here = runner.invoke(app, ["simulate", *tiny, "--out", str(tmp_path / "here")])
    assert here.exit_code == 0, here.output
    address = client.scheduler.address
    with distributed.Client(address) as by_address:  # may be another machine's: compiles there
        assert not dask_executor.on_this_machine(by_address)
    there = runner.invoke(
        app, ["simulate", *tiny, "--scheduler", address, "--out", str(tmp_path / "there")]
    )
    assert there.exit_code == 0, there.output
    assert f"the Dask cluster at {address}" in there.output
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "there" / "aggregates.parquet"),
        pd.read_parquet(tmp_path / "here" / "aggregates.parquet"),
        check_exact=True,
    )

    # A chunk that fails on a worker raises its error here.
    with pytest.raises(ValueError):
        list(DaskExecutor(client).map(default_plan(), SMALL, [(0, 0, -1)]))  # -1 agents


def test_without_dask_the_option_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(RunConfigError, match=r'pip install -e "\.\[dask\]"'):
        dask_client("local", 1).__enter__()


def test_scheduler_local_starts_a_cluster_for_the_block_and_closes_it() -> None:
    with dask_client("local", 1) as client:
        assert dask_executor.active_client() is client
        assert dask_executor.cluster_threads(client) == 1  # one single-threaded worker
        # Its workers share this machine's compiled kernels (a first run compiles them here).
        assert dask_executor.on_this_machine(client)
        cluster = client.cluster
    assert dask_executor.active_client() is None
    assert cluster.status.name == "closed"


def test_a_bad_scheduler_is_refused_with_the_forms_it_takes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(RunConfigError, match=r"'local'.*tcp://"):
        dask_client("somewhere", 1).__enter__()
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", 1)
    with pytest.raises(RunConfigError, match="dask scheduler"):
        dask_client("tcp://127.0.0.1:9", 1).__enter__()  # the discard port: nothing answers
