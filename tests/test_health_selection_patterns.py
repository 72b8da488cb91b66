"""Healthy-migrant selection and the erosion of the migrants' advantage, away from the start.

Seed section 3.2: those who leave for a city are healthier than those who stay (healthy-migrant
selection), and out-migrants lose their advantage with years of depletion until they are no
healthier than urban locals (the epidemiological paradox). Both are checked on a window after
the start (2015-2030), so that what the tests see is the model's dynamics and not a start-up
drift, on two seeds, comparing like with like (same age band and sex), for health capital and
for poor self-rated health.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, simulate

SEEDS = (7, 8)
WINDOW = tuple(range(2015, 2031))


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def panel(request: pytest.FixtureRequest) -> pd.DataFrame:
    """Every living person in every year of the window, for one seed."""
    run = simulate(
        RunConfig(
            end=WINDOW[-1],
            scale=20_000,
            seed=request.param,
            snapshot_years=WINDOW,
            snapshot_fraction=1.0,
        )
    )
    people = run.snapshots
    people["poor_health"] = (people["srh"] <= 2).astype(float)
    return people


def matched_gap(group: pd.DataFrame, reference: pd.DataFrame, column: str) -> float:
    """Mean of ``column`` in ``group`` minus ``reference`` within age band x sex cells,
    averaged with the group's numbers (cells with at least 50 people on both sides)."""
    gaps, weights = [], []
    for key, rows in group.groupby(["age_band", "sex"], observed=True):
        ref = reference[(reference["age_band"] == key[0]) & (reference["sex"] == key[1])]
        if len(rows) >= 50 and len(ref) >= 50:
            gaps.append(rows[column].mean() - ref[column].mean())
            weights.append(len(rows))
    return float(np.average(gaps, weights=weights))


def test_leavers_are_healthier_than_stayers_of_their_age_and_sex(panel: pd.DataFrame) -> None:
    """Healthy-migrant selection: next year's first migrants against rural stayers who stay."""
    following = panel[["pid", "year", "first_migration"]].assign(year=panel["year"] - 1)
    joined = panel.merge(following, on=["pid", "year"], suffixes=("", "_next"))
    stayers = joined[joined["status"] == "rural_stayer"]
    leavers = stayers[stayers["first_migration_next"]]
    remaining = stayers[~stayers["first_migration_next"]]
    assert len(leavers) > 500
    gap = matched_gap(leavers, remaining, "health")
    se = np.sqrt(
        leavers["health"].var() / len(leavers) + remaining["health"].var() / len(remaining)
    )
    assert gap > 4 * se


@pytest.mark.xfail(
    strict=True,
    reason=(
        "the epidemiological paradox is not reproduced once the start-up years are left out: "
        "in 2015-2030 newcomers (0-1 years in the city) are selected against rural stayers but "
        "not against urban locals of their age and sex: their health capital is 0.012 lower "
        "(seeds 7 and 8) and their poor self-rated health 4.3-4.5 points higher; urban locals "
        "start and stay at the urban steady state (more care, less depleting work), which the "
        "selection out of the rural population does not reach"
    ),
)
@pytest.mark.parametrize("column, sign", [("health", 1.0), ("poor_health", -1.0)])
def test_the_advantage_over_urban_locals_erodes_with_years_in_the_city(
    panel: pd.DataFrame, column: str, sign: float
) -> None:
    """Newcomers are healthier than urban locals of their age and sex; long stayers much less so.

    ``sign`` turns poor self-rated health (lower is better) into an advantage.
    """
    out = panel[panel["status"] == "out_migrant"]
    locals_ = panel[panel["status"] == "urban_local"]
    newcomers = sign * matched_gap(out[out["years_in_city"] <= 1], locals_, column)
    long_stayers = sign * matched_gap(out[out["years_in_city"] >= 8], locals_, column)
    assert newcomers > 0
    assert long_stayers < newcomers / 2
