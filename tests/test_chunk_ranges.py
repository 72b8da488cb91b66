"""Runs of chunk ranges: they hold only their chunks and add up to the whole run bit for bit."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from migrant_health import RunConfig, RunResult, simulate
from migrant_health.cli.main import app
from migrant_health.engine.combine import combine_parts
from migrant_health.engine.executors import ProcessExecutor, SerialExecutor
from migrant_health.errors import RunConfigError
from migrant_health.model import default_plan
from migrant_health.store import read_parts, write_run

# 7 chunks of 40 communities at 40,000 persons per agent.
WHOLE = RunConfig(end=2012, scale=40_000, seed=5, communities_per_chunk=40)
SPLIT = ((0, 3), (3, 7))


@pytest.fixture(scope="module")
def whole() -> RunResult:
    return simulate(WHOLE, executor=SerialExecutor())


@pytest.fixture(scope="module")
def parts() -> list[RunResult]:
    return [simulate(replace(WHOLE, chunks=r), executor=SerialExecutor()) for r in SPLIT]


@pytest.fixture(scope="module")
def held(whole: RunResult) -> tuple[np.ndarray, RunResult, list[RunResult]]:
    """Fixed mortality factors, the whole run holding them and its parts holding them."""
    fixed = whole.mortality_factors * 1.05  # a change of deaths the fixed factors must carry
    config = replace(WHOLE, fixed_mortality_factors=fixed)
    held_whole = simulate(config, executor=SerialExecutor())
    held_parts = [simulate(replace(config, chunks=r), executor=SerialExecutor()) for r in SPLIT]
    return fixed, held_whole, held_parts


def test_the_parts_add_up_to_the_whole_run_bit_for_bit(
    whole: RunResult, parts: list[RunResult]
) -> None:
    assert whole.n_chunks == whole.chunks_total == 7
    combined = combine_parts(default_plan(), parts[::-1])  # any order
    pd.testing.assert_frame_equal(combined.cells, whole.cells, check_exact=True)
    pd.testing.assert_frame_equal(combined.aggregates, whole.aggregates, check_exact=True)
    assert combined.agent_years == whole.agent_years == sum(p.agent_years for p in parts)
    np.testing.assert_array_equal(combined.mortality_factors, whole.mortality_factors)


def test_a_part_holds_only_its_chunks(whole: RunResult, parts: list[RunResult]) -> None:
    first, second = parts
    assert first.partial and not whole.partial
    assert (first.n_chunks, second.n_chunks, first.chunks_total) == (3, 4, 7)
    np.testing.assert_array_equal(first.mortality_factors, whole.mortality_factors[:3])
    np.testing.assert_array_equal(second.mortality_factors, whole.mortality_factors[3:])
    # A part is a smaller population: fewer people than the whole, more than nobody.
    people = [r.value("population", 2010) for r in (first, second, whole)]
    assert 0 < people[0] < people[2] and 0 < people[1] < people[2]


def test_a_range_run_does_not_depend_on_the_workers(
    whole: RunResult, parts: list[RunResult]
) -> None:
    config = replace(WHOLE, chunks=SPLIT[1], workers=2)
    parallel = simulate(config, executor=ProcessExecutor(workers=2))
    pd.testing.assert_frame_equal(parallel.cells, parts[1].cells, check_exact=True)
    # Parts run on different numbers of workers (other machines) still combine.
    combined = combine_parts(default_plan(), [parts[0], parallel])
    pd.testing.assert_frame_equal(combined.cells, whole.cells, check_exact=True)


def test_fixed_mortality_factors_are_the_whole_runs_indexed_by_chunk(
    whole: RunResult, parts: list[RunResult], held: tuple[np.ndarray, RunResult, list[RunResult]]
) -> None:
    # Parts holding the whole run's factors fixed add up to the whole run holding them fixed.
    _, held_whole, held_parts = held
    assert held_whole.value("deaths", 2012) != whole.value("deaths", 2012)
    combined = combine_parts(default_plan(), held_parts)
    pd.testing.assert_frame_equal(combined.cells, held_whole.cells, check_exact=True)
    # A part's own factors (its chunks only) do not fit: the message says what does.
    own = replace(WHOLE, chunks=SPLIT[1], fixed_mortality_factors=parts[1].mortality_factors)
    with pytest.raises(RunConfigError, match="whole run's factors"):
        simulate(own)


@pytest.mark.parametrize("chunks", [(0, 8), (7, 9), (3, 3), (-1, 2)])
def test_a_range_outside_the_run_is_refused_naming_the_valid_range(
    chunks: tuple[int, int],
) -> None:
    # From Python the range is named as Python writes it, chunks=(A, B).
    with pytest.raises(RunConfigError, match=re.escape(f"chunks={chunks}")) as caught:
        simulate(replace(WHOLE, chunks=chunks))
    if chunks[0] >= 0 and chunks[0] < chunks[1]:
        assert "0 <= A < B <= 7" in str(caught.value)


def test_combining_parts_that_overlap_or_miss_chunks_is_refused(parts: list[RunResult]) -> None:
    with pytest.raises(RunConfigError, match=r"chunks 3:7 are missing"):
        combine_parts(default_plan(), parts[:1])
    with pytest.raises(RunConfigError, match="overlap"):
        combine_parts(default_plan(), [parts[0], parts[0], parts[1]])
    other_seed = replace(parts[1], config=replace(parts[1].config, seed=6))
    with pytest.raises(RunConfigError, match="seed 5 != 6"):
        combine_parts(default_plan(), [parts[0], other_seed])


def test_parts_holding_fixed_factors_combine_to_a_run_that_records_them_as_the_whole_run(
    held: tuple[np.ndarray, RunResult, list[RunResult]], tmp_path: Path
) -> None:
    # Only Python holds factors fixed (compare does; simulate has no option for it), so the
    # parts are written from Python and combined by the command.
    fixed, held_whole, held_parts = held
    dirs = [write_run(part, tmp_path / f"part-{k}") for k, part in enumerate(held_parts)]
    whole_dir = write_run(held_whole, tmp_path / "whole")
    out = tmp_path / "combined"
    done = CliRunner().invoke(app, ["combine", *map(str, dirs[::-1]), "--out", str(out)])
    assert done.exit_code == 0, done.output
    meta = json.loads((out / "run.json").read_text())
    whole_meta = json.loads((whole_dir / "run.json").read_text())
    assert meta["config"]["fixed_mortality_factors"] is True
    assert meta["config"] == whole_meta["config"]
    assert meta["fixed_mortality_factors_sha256"] == whole_meta["fixed_mortality_factors_sha256"]
    assert whole_meta["fixed_mortality_factors_sha256"] is not None
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "aggregates.parquet"),
        pd.read_parquet(whole_dir / "aggregates.parquet"),
        check_exact=True,
    )
    # Read back from their directories, the parts give the whole array back.
    combined = combine_parts(default_plan(), read_parts(dirs))
    np.testing.assert_array_equal(combined.config.fixed_mortality_factors, fixed)
    assert combined.config == held_whole.config


def test_parts_that_disagree_on_fixed_factors_are_refused(
    parts: list[RunResult],
    held: tuple[np.ndarray, RunResult, list[RunResult]],
    tmp_path: Path,
) -> None:
    fixed, _, held_parts = held
    with pytest.raises(RunConfigError, match=r"fixed_mortality_factors: chunks 3:7 held"):
        combine_parts(default_plan(), [parts[0], held_parts[1]])
    other = replace(held_parts[1].config, fixed_mortality_factors=fixed * 1.01)
    with pytest.raises(RunConfigError, match="different fixed mortality factors"):
        combine_parts(default_plan(), [held_parts[0], replace(held_parts[1], config=other)])
    # From their directories, through the command: one line naming both parts and the field.
    free, holding = write_run(parts[0], tmp_path / "free"), write_run(held_parts[1], tmp_path / "b")
    first = write_run(held_parts[0], tmp_path / "a")
    odd = tmp_path / "b-other-factors"
    shutil.copytree(holding, odd)
    meta = json.loads((odd / "run.json").read_text())
    meta["fixed_mortality_factors_sha256"] = "0" * 64
    (odd / "run.json").write_text(json.dumps(meta))
    for pair, field in (
        ((free, holding), "config.fixed_mortality_factors"),
        ((first, odd), "fixed_mortality_factors_sha256"),
    ):
        out = tmp_path / f"combined-{field}"
        done = CliRunner().invoke(app, ["combine", *map(str, pair), "--out", str(out)])
        assert done.exit_code == 2, done.output
        assert f"their {field} differs" in done.output and str(pair[1]) in done.output
        assert not out.exists()
