"""The drift measure of the steady start, on panels whose answer is known.

``migrant_health.experiments.frozen_cells`` measures each cell's yearly trend in report chances,
as it is and held at the first year's mix of kinds of people. A cell whose kinds each keep their
level while the mix between them moves must show the move as measured and none at a fixed mix;
a cell whose people worsen must show it both ways.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health.experiments.frozen_cells import (
    BOUND,
    MIN_AGENTS,
    YEARS,
    base_year_parameters,
    beyond_bound,
    cell_trends,
    pool,
)


@pytest.fixture(scope="module")
def p() -> np.void:
    """The base year's parameters, which the report chances read."""
    return base_year_parameters()


def newcomer_panel(remigrant_share: list[float], mental: dict[int, list[float]]) -> pd.DataFrame:
    """Out-migrant men aged 45, 0 years in the city, 1,000 a year: first migrants (one spell)
    and re-migrants (two) in the given shares, each kind at its mental health of the year."""
    rows = []
    pid = 0
    for k, year in enumerate(YEARS):
        remigrants = round(1_000 * remigrant_share[k])
        for spells, count in ((1, 1_000 - remigrants), (2, remigrants)):
            for _ in range(count):
                rows.append((pid, year, 45, "41-50", "male", "out_migrant", 0, spells))
                pid += 1
    people = pd.DataFrame(
        rows,
        columns=[
            "pid", "year", "age", "age_band", "sex", "status", "years_in_city", "migrations"
        ],
    )  # fmt: skip
    level = {(s, y): mental[s][k] for s in (1, 2) for k, y in enumerate(YEARS)}
    kinds = zip(people["migrations"], people["year"], strict=True)
    people["mental"] = [level[s, y] for s, y in kinds]
    return people.assign(health=0.9, chronic=0)


def test_a_moving_mix_moves_the_cell_but_not_the_cell_held_at_its_first_mix(p: np.void) -> None:
    """Re-migrants, more often depressed, go from 30 % to 55 % of the newcomers while each
    kind keeps its mental health: the cell's depression rises; held at 2008's mix, it does not."""
    steady = {1: [0.65] * len(YEARS), 2: [0.55] * len(YEARS)}
    people = newcomer_panel([0.30, 0.35, 0.40, 0.45, 0.50, 0.55], steady)
    measured = cell_trends(people, p)
    held = cell_trends(people, p, standardise=True)
    assert len(measured) == len(held) == 1
    assert measured["depressed"].iloc[0] > BOUND
    assert not beyond_bound(measured).empty
    assert held["depressed"].abs().iloc[0] < 1e-9
    assert held["poor_health"].abs().iloc[0] < 1e-9


def test_people_who_fare_worse_move_the_cell_at_any_mix(p: np.void) -> None:
    """Both kinds lose mental health year by year at a fixed mix: both measures see it."""
    falling = {
        1: [0.65 - 0.01 * k for k in range(len(YEARS))],
        2: [0.55 - 0.01 * k for k in range(len(YEARS))],
    }
    people = newcomer_panel([0.3] * len(YEARS), falling)
    measured = cell_trends(people, p)
    held = cell_trends(people, p, standardise=True)
    assert measured["depressed"].iloc[0] > BOUND
    assert held["depressed"].iloc[0] == pytest.approx(measured["depressed"].iloc[0])


def test_small_cells_and_cells_missing_from_a_run_are_left_out(p: np.void) -> None:
    steady = {1: [0.65] * len(YEARS), 2: [0.55] * len(YEARS)}
    people = newcomer_panel([0.3] * len(YEARS), steady)
    few = people[people["pid"] % 1_000 < MIN_AGENTS - 1]  # under 200 a year
    assert cell_trends(few, p).empty
    one = cell_trends(people, p)
    other = one.assign(status="returned")
    pooled = pool([one, pd.concat([one, other])])
    assert list(pooled["status"]) == ["out_migrant"]  # the returnees' cell was in one run only
