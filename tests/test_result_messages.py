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
    # A known metric of a group no one was in is an empty series, as before.
    assert small.series("population", "status=nobody").empty
    assert small.series("population").loc[2009] > 0


def test_a_survey_needs_a_snapshot(small: RunResult) -> None:
    with pytest.raises(DataError, match="no snapshot to draw from"):
        draw_survey(small, 100)
