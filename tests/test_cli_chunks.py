"""``simulate --chunks`` writes a part of a run; ``combine`` adds the parts up to the whole."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from migrant_health.cli.main import app

runner = CliRunner()
# 3 chunks of 1,000 communities at 5,000 persons per agent.
RUN = ["--scale", "5000", "--end", "2008", "--workers", "1"]


def test_parts_say_they_are_partial_and_combine_into_the_whole_run(tmp_path: Path) -> None:
    # One test, not several sharing a fixture: pytest-xdist would simulate them once per worker.
    runs = tmp_path
    for name, extra in (("whole", []), ("a", ["--chunks", "0:1"]), ("b", ["--chunks", "1:3"])):
        done = runner.invoke(app, ["simulate", *RUN, *extra, "--out", str(runs / name)])
        assert done.exit_code == 0, done.output
        (runs / f"{name}.out").write_text(done.output)
    meta = json.loads((runs / "a" / "run.json").read_text())
    assert meta["config"]["chunks"] == [0, 1] and meta["partial"] is True
    assert (meta["chunks"], meta["chunks_total"]) == (1, 3)
    output = (runs / "a.out").read_text()
    assert "chunks 0:1 of 3 (a partial run)" in output and "PARTIAL RUN" in output
    whole = json.loads((runs / "whole" / "run.json").read_text())
    assert whole["partial"] is False and whole["config"]["chunks"] is None
    assert not (runs / "whole" / "chunk_sums.npz").exists()
    done = runner.invoke(
        app, ["combine", str(runs / "b"), str(runs / "a"), "--out", str(runs / "combined")]
    )
    assert done.exit_code == 0, done.output
    pd.testing.assert_frame_equal(
        pd.read_parquet(runs / "combined" / "aggregates.parquet"),
        pd.read_parquet(runs / "whole" / "aggregates.parquet"),
        check_exact=True,
    )
    meta = json.loads((runs / "combined" / "run.json").read_text())
    whole = json.loads((runs / "whole" / "run.json").read_text())
    assert meta["partial"] is False and meta["agent_years"] == whole["agent_years"]
    # What cannot be combined: a whole run, parts that leave chunks out.
    refused = runner.invoke(app, ["combine", str(runs / "whole"), "--out", str(tmp_path / "x")])
    assert refused.exit_code == 2 and "is not a part of a run" in refused.output
    missing = runner.invoke(app, ["combine", str(runs / "a"), "--out", str(tmp_path / "y")])
    assert missing.exit_code == 2 and "chunks 1:3 are missing" in missing.output
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


@pytest.mark.parametrize(
    ("chunks", "message"),
    [("2:9", "0 <= A < B <= 3"), ("1-2", "must be A:B"), ("2:1", "0 <= A < B")],
)
def test_a_range_that_does_not_fit_is_refused_before_any_work(
    chunks: str, message: str, tmp_path: Path
) -> None:
    done = runner.invoke(app, ["simulate", *RUN, "--chunks", chunks, "--out", str(tmp_path / "r")])
    assert done.exit_code == 2, done.output
    assert message in done.output and "Traceback" not in done.output
    assert not (tmp_path / "r").exists()
