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
        "the migrants' advantage of the epidemiological paradox is not reproduced: first "
        "migrants arrive level with urban locals of their age and sex, not above them, and "
        "lose ground from there (the test below); in 2015-2030 newcomers (0-1 years in the "
        "city, 31 % of them returnees leaving again) have 0.012 less health capital than the "
        "locals (seeds 7 and 8) and 4.3-4.9 points more poor self-rated health. Selection lifts "
        "leavers about as far above rural stayers as urban locals stand, and young people's "
        "health is bunched under its ceiling (docs/calibration.md, section 10)"
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


def _against_urban_locals(
    rows: pd.DataFrame, panel: pd.DataFrame, column: str
) -> tuple[pd.Series, float]:
    """Each person's ``column`` minus the mean of urban locals of the same year, age band and
    sex, by person id, and the variance that the reference means' sampling adds to the mean
    of those differences."""
    locals_ = panel[panel["status"] == "urban_local"]
    cells = locals_.groupby(["year", "age_band", "sex"], observed=True)[column].agg(
        ["mean", "var", "size"]
    )
    joined = rows.join(cells, on=["year", "age_band", "sex"])
    used = joined.groupby(["year", "age_band", "sex"], observed=True).agg(
        people=(column, "size"), var=("var", "first"), size=("size", "first")
    )
    reference_variance = float(
        ((used["people"] / len(joined)) ** 2 * used["var"] / used["size"]).sum()
    )
    return (joined[column] - joined["mean"]).set_axis(joined["pid"]), reference_variance


@pytest.mark.parametrize("column, sign", [("health", 1.0), ("poor_health", -1.0)])
def test_first_migrants_fall_below_urban_locals_in_their_first_years(
    panel: pd.DataFrame, column: str, sign: float
) -> None:
    """The erosion of seed 3.2, followed within one arrival cohort so that who returns and who
    comes back out does not blur it: against urban locals of their year, age band and sex,
    first migrants of 2016-2018 who are still in the city two years on have lost ground since
    arrival, and stand below the locals.

    Measured (scale 20,000): at arrival the cohort stands level with the locals (health capital
    +0.001 and +0.003, poor self-rated health +0.5 and -0.7 points, seeds 7 and 8); two years
    on health capital is 0.012 and 0.013 lower against them (about 6 and 7 standard errors) and
    poor self-rated health 1.8 and 2.5 points higher (2.5 and 3.4). ``sign`` turns poor
    self-rated health (lower is better) into health.
    """
    arrivals = panel.loc[
        panel["first_migration"] & panel["year"].between(2016, 2018), ["pid", "year"]
    ]
    later = panel.merge(arrivals.assign(year=arrivals["year"] + 2), on=["pid", "year"])
    later = later[later["status"] == "out_migrant"]
    at_arrival = panel.merge(arrivals, on=["pid", "year"])
    at_arrival = at_arrival[at_arrival["pid"].isin(later["pid"])]
    assert len(later) > 500
    before, before_var = _against_urban_locals(at_arrival, panel, column)
    after, after_var = _against_urban_locals(later, panel, column)
    change = sign * (after.sort_index() - before.sort_index())
    se = np.sqrt(change.var() / len(change) + before_var + after_var)
    assert change.mean() < -2 * se
    assert sign * after.mean() < 0
