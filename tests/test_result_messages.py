"""A run's results answer a wrong question with a message, not an empty answer.

``result.series("nosuch")`` returned an empty series (``value`` raised a bare KeyError), and a
survey drawn from a run without snapshots was said to have several snapshot years (a review of
2026-12-05).
"""

from __future__ import annotations

import pytest

from migrant_health import RunConfig, RunResult, simulate
from migrant_health.errors import DataError
from migrant_health.experiments import draw_survey


@pytest.fixture(scope="module")
def small() -> RunResult:
    return simulate(RunConfig(end=2009, scale=100_000))


def test_an_unknown_metric_is_named_with_the_closest_one(small: RunResult) -> None:
    with pytest.raises(KeyError, match=r"no metric 'poor_helth_share'.*'poor_health_share'"):
        small.series("poor_helth_share")
    assert small.series("population").loc[2009] > 0


def test_an_unknown_group_is_named_with_the_closest_ones(small: RunResult) -> None:
    """A misspelled group gave an empty series, which reads as "no one there" (a review of
    2026-12-05); a crossing of known values that no one was in still does."""
    with pytest.raises(KeyError, match=r"no group 'status=out_migrants'.*'status=out_migrant'"):
        small.series("population", "status=out_migrants")
    with pytest.raises(KeyError, match=r"sorted order, 'sex=female,status=out_migrant'"):
        small.series("population", "status=out_migrant,sex=female")
    with pytest.raises(KeyError, match=r"no run crosses age_band with education"):
        small.series("population", "age_band=16-20,education=primary")
    for alone in ("arrival_cohort=any,sex=female", "sex=female,status=rural_hukou"):
        with pytest.raises(KeyError, match=r"is a group of its own"):
            small.series("population", alone)
    # No one of the run's two years arrived in 2023-2035: a group all the same.
    assert small.series("population", "arrival_cohort=2023-2035").empty
    nobody = "age_band=16-20,stage=integration,status=urban_local"
    assert nobody not in set(small.aggregates["group"])
    assert small.series("population", nobody).empty


def test_a_year_outside_the_run_is_named_as_such(small: RunResult) -> None:
    with pytest.raises(KeyError, match="year 2030 lies outside this run's years, 2008-2009"):
        small.value("population", 2030)


def test_a_survey_needs_a_snapshot(small: RunResult) -> None:
    with pytest.raises(DataError, match="no snapshot to draw from"):
        draw_survey(small, 100)
