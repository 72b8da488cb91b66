"""Runs of chunk ranges: they hold only their chunks and add up to the whole run bit for bit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, simulate
from migrant_health.engine.run import ProcessExecutor, SerialExecutor, combine_parts
from migrant_health.errors import RunConfigError
from migrant_health.model import default_plan

# 7 chunks of 40 communities at 40,000 persons per agent.
WHOLE = RunConfig(end=2012, scale=40_000, seed=5, communities_per_chunk=40)
SPLIT = ((0, 3), (3, 7))


@pytest.fixture(scope="module")
def whole() -> RunResult:
    return simulate(WHOLE, executor=SerialExecutor())


@pytest.fixture(scope="module")
def parts() -> list[RunResult]:
    return [simulate(replace(WHOLE, chunks=r), executor=SerialExecutor()) for r in SPLIT]


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
    whole: RunResult, parts: list[RunResult]
) -> None:
    # Parts holding the whole run's factors fixed add up to the whole run holding them fixed.
    fixed = whole.mortality_factors * 1.05  # a change of deaths the fixed factors must carry
    held = replace(WHOLE, fixed_mortality_factors=fixed)
    held_parts = [simulate(replace(held, chunks=r), executor=SerialExecutor()) for r in SPLIT]
    held_whole = simulate(held, executor=SerialExecutor())
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
    with pytest.raises(RunConfigError, match=r"--chunks") as caught:
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
