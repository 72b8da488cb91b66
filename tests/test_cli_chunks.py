"""``simulate --chunks`` writes a part of a run; ``combine`` adds the parts up to the whole."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from migrant_health.cli.main import app
from migrant_health.errors import RunConfigError
from migrant_health.store import check_parts_alike, read_partial_run

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


def _tampered(part: Path, to: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the part ``part`` whose run.json was changed by ``change``."""
    shutil.copytree(part, to)
    meta = json.loads((to / "run.json").read_text())
    change(meta)
    (to / "run.json").write_text(json.dumps(meta, indent=2))
    return to


def _tampered_in_place(part: Path, **top_level: Any) -> None:
    """Overwrite top-level keys of the part's run.json."""
    meta = json.loads((part / "run.json").read_text())
    meta.update(top_level)
    (part / "run.json").write_text(json.dumps(meta))


def _without_snapshot_years(part: Path) -> None:
    """A part whose settings were edited by hand: ``snapshot_years`` null."""
    meta = json.loads((part / "run.json").read_text())
    meta["config"]["snapshot_years"] = None
    (part / "run.json").write_text(json.dumps(meta))


def test_combine_refuses_parts_that_ran_differently_naming_both_and_the_field(
    tmp_path: Path,
) -> None:
    for name, chunks in (("a", "0:1"), ("b", "1:3")):
        done = runner.invoke(
            app, ["simulate", *RUN, "--chunks", chunks, "--out", str(tmp_path / name)]
        )
        assert done.exit_code == 0, done.output
    a, b = tmp_path / "a", tmp_path / "b"
    meta = json.loads((b / "run.json").read_text())
    data_file = sorted(meta["data_sha256"])[0]
    parameter = sorted(meta["resolved_parameters"])[0]
    other_hash = "0" * 64

    def version(m: dict[str, Any]) -> None:
        m["version"] = "0.0.0+elsewhere"

    def data(m: dict[str, Any]) -> None:
        m["data_sha256"][data_file] = other_hash

    def seed(m: dict[str, Any]) -> None:
        m["config"]["seed"] = 99

    def parameters(m: dict[str, Any]) -> None:
        m["resolved_parameters"][parameter] = "edited"

    cases: list[tuple[Callable[[dict[str, Any]], None], str, str, str]] = [
        (version, "version", repr(meta["version"]), "'0.0.0+elsewhere'"),
        (data, f"data_sha256[{data_file!r}]", repr(meta["data_sha256"][data_file]), other_hash),
        (seed, "config.seed", repr(meta["config"]["seed"]), "99"),
        (parameters, f"resolved_parameters[{parameter!r}]", "", "'edited'"),
    ]
    for change, field, value, other in cases:
        odd = _tampered(b, tmp_path / f"b-{change.__name__}", change)
        out = tmp_path / f"combined-{change.__name__}"
        done = runner.invoke(app, ["combine", str(a), str(odd), "--out", str(out)])
        assert done.exit_code == 2, done.output
        message = done.output.strip()
        assert len(message.splitlines()) == 1 and "Traceback" not in message, message
        assert f"their {field} differs" in message, message
        assert str(a) in message and f"simulate {odd} again (--chunks 1:3)" in message, message
        assert value in message and other in message, message
        assert not out.exists()
    # Damaged parts (a copy cut short, run.json edited by hand) are named, without traceback.
    sums = (b / "chunk_sums.npz").read_bytes()
    damaged: list[tuple[str, Callable[[Path], None], str]] = [
        ("cut", lambda d: (d / "chunk_sums.npz").write_bytes(sums[:500]), "BadZipFile"),
        ("list", lambda d: (d / "run.json").write_text("[1, 2]"), "holds no 'config' mapping"),
        ("text", lambda d: _tampered_in_place(d, chunks="abc"), "invalid literal for int()"),
        ("timings", lambda d: _tampered_in_place(d, timings_seconds=[1, 2]), "AttributeError"),
    ]
    for name, damage, expected in damaged:
        part = tmp_path / f"b-{name}"
        shutil.copytree(b, part)
        damage(part)
        out = tmp_path / f"combined-{name}"
        done = runner.invoke(app, ["combine", str(a), str(part), "--out", str(out)])
        assert done.exit_code == 2, done.output
        assert expected in done.output and "Traceback" not in done.output, done.output
        assert str(part) in done.output and not out.exists()
    # Settings edited alike in every part pass the comparison, and are named when read.
    edited = tmp_path / "b-settings"
    shutil.copytree(b, edited)
    _without_snapshot_years(edited)
    with pytest.raises(RunConfigError, match=r"its settings \('config'\) cannot be read"):
        read_partial_run(edited)
    # The untouched parts still combine.
    done = runner.invoke(app, ["combine", str(b), str(a), "--out", str(tmp_path / "combined")])
    assert done.exit_code == 0, done.output
    assert json.loads((tmp_path / "combined" / "run.json").read_text())["partial"] is False


def test_of_three_parts_the_one_that_differs_from_the_others_is_named_to_simulate_again() -> None:
    def meta(version: str, chunks: list[int]) -> dict[str, Any]:
        return {"version": version, "config": {"seed": 1, "chunks": chunks}, "chunks_total": 3}

    parts = [
        (Path("first"), meta("2.0", [0, 1])),
        (Path("second"), meta("1.0", [1, 2])),
        (Path("third"), meta("1.0", [2, 3])),
    ]
    with pytest.raises(RunConfigError) as caught:
        check_parts_alike(parts)
    message = str(caught.value)
    assert "cannot combine second and first: their version differs" in message
    assert "('1.0' in second, '2.0' in first)" in message
    assert "simulate first again (--chunks 0:1) as second was" in message
    # The chunk range and the workers may differ: parts alike otherwise are not refused.
    alike = [(Path(str(k)), meta("1.0", [k, k + 1])) for k in range(3)]
    alike[1][1]["config"]["workers"] = 8
    check_parts_alike(alike)
