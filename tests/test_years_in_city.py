"""Out-migrants by years in the city: the group ``years_in_city`` (issue 9, item 2).

The early-mobility dip of depression and the erosion of the healthy-migrant advantage are
processes in time since arrival, so out-migrants are reported by years in the city (bands 0-1,
2-4, 5-9, 10+), alone and by sex. They are accumulated a second time in a small block of tenure
cells; every other group is summed over the main cells, so nobody may count twice and the old
groups must not move.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, simulate
from migrant_health.data import load_demography
from migrant_health.engine.aggregate import main_cells, tenure_cells, tidy_aggregates
from migrant_health.engine.stats import YEARS_IN_CITY_LABELS
from migrant_health.experiments.quantity import Quantity, parse_selector, urban_scale_of
from migrant_health.model import default_plan

SNAPSHOT_YEARS = (2010, 2015)
CONFIG = RunConfig(
    end=2015, scale=20_000, seed=4, snapshot_years=SNAPSHOT_YEARS, snapshot_fraction=1.0
)
BANDS = tuple(f"years_in_city={band}" for band in YEARS_IN_CITY_LABELS)
# Assumption of issue 9 (no data): depression in the first two years in the city is at most
# about 1.5 times the out-migrant average, so the early-mobility dip is present but bounded.
DIP_BOUND = 1.5


@pytest.fixture(scope="module")
def run() -> RunResult:
    """A run with every living person in the snapshots of two years."""
    return simulate(CONFIG)


def _band_sum(run: RunResult, metric: str, prefix: str = "") -> pd.Series:
    return sum(run.series(metric, prefix + band) for band in BANDS)  # type: ignore[return-value]


def test_bands_sum_to_the_out_migrants(run: RunResult) -> None:
    out = run.series("population", "status=out_migrant")
    assert out.min() > 0
    pd.testing.assert_series_equal(_band_sum(run, "population"), out, check_names=False)
    for sex in ("female", "male"):
        by_band = _band_sum(run, "population", f"sex={sex},")
        expected = run.series("population", f"sex={sex},status=out_migrant")
        pd.testing.assert_series_equal(by_band, expected, check_names=False)


def test_tenure_cells_hold_each_out_migrant_once(run: RunResult) -> None:
    # Every statistic (counts, sums, flows, deaths) of the tenure block equals that of the
    # out-migrants' main cells: the block re-cuts the same people by years in the city.
    stats = list(default_plan().statistics)
    tenure = tenure_cells(run.cells).groupby("year")[stats].sum()
    main = main_cells(run.cells)
    out = main[main["status"] == "out_migrant"].groupby("year")[stats].sum()
    np.testing.assert_allclose(tenure.to_numpy(), out.to_numpy(), rtol=1e-12, atol=1e-6)
    assert (tenure_cells(run.cells)["status"] == "out_migrant").all()


def test_bands_follow_the_years_in_the_city_of_the_snapshot_panel(run: RunResult) -> None:
    # Independent of the accumulator: count out-migrants of the full snapshot by band.
    people = run.snapshots[run.snapshots["status"] == "out_migrant"]
    bands = pd.cut(people["years_in_city"], [-1, 1, 4, 9, 1_000], labels=YEARS_IN_CITY_LABELS)
    counted = people.groupby([people["year"], bands], observed=False).size() * CONFIG.scale
    for year in SNAPSHOT_YEARS:
        for label in YEARS_IN_CITY_LABELS:
            assert run.value("population", year, f"years_in_city={label}") == pytest.approx(
                counted.loc[(year, label)]
            )


def test_old_groups_are_unchanged(run: RunResult) -> None:
    # Every group but years_in_city and arrival_cohort is what the main cells alone give, to
    # the last bit.
    standard = run.aggregates[~run.aggregates["group"].str.contains("years_in_city|arrival_cohort")]
    alone = tidy_aggregates(
        main_cells(run.cells), load_demography().standard_weights, default_plan().metrics
    )
    pd.testing.assert_frame_equal(standard.reset_index(drop=True), alone, check_exact=True)
    # And the agent-years count each agent once.
    main = main_cells(run.cells)
    weight = np.where(main["status"] == "urban_local", urban_scale_of(CONFIG), CONFIG.scale)
    assert run.agent_years == pytest.approx((main["persons"] / weight).sum(), abs=1)


def test_depression_by_years_in_city_is_reported(run: RunResult) -> None:
    for band in BANDS:
        for group in (band, f"sex=female,{band}", f"sex=male,{band}"):
            values = run.series("depression_share", group)
            assert len(values) == len(range(CONFIG.start, CONFIG.end + 1))
            assert values.between(0.0, 1.0).all()


def test_early_mobility_dip_is_bounded(run: RunResult) -> None:
    first_years = run.series("depression_share", "years_in_city=0-1")
    average = run.series("depression_share", "status=out_migrant")
    ratio = first_years / average
    assert (ratio <= DIP_BOUND).all(), ratio.round(2).to_dict()


def test_no_tenure_band_far_above_the_average(run: RunResult) -> None:
    """Depression peaks in the early years in the city, but no band of tenure sits far above
    the out-migrant average (the seed's early-mobility stress, bounded by assumption).

    Mental health follows its target a step a year, so the dip of the first two years shows
    most at 2-4 years. The bound is on the band's ratio over the run's years; a single year
    of one run at this scale strays from it by a few hundredths (seeds 4-7, 2008-2015: yearly
    maxima of 1.49-1.53 on means of 1.43-1.45 before calibration step 45, 1.50-1.55 on
    1.45-1.47 after it), so each year is held to a tenth above the bound.
    """
    average = run.series("depression_share", "status=out_migrant")
    for band in ("0-1", "2-4", "5-9", "10+"):
        ratio = run.series("depression_share", f"years_in_city={band}") / average
        assert ratio.mean() <= DIP_BOUND, (band, ratio.round(2).to_dict())
        assert (ratio <= DIP_BOUND + 0.1).all(), (band, ratio.round(2).to_dict())


def test_selector_reaches_the_bands(run: RunResult) -> None:
    # The target selector and the tidy table give the same number for the same group.
    for group in ("status=out_migrant,years_in_city=0-1", "years_in_city=0-1"):
        value = Quantity("depression_share", group).evaluate(run)["value"]
        expected = run.series("depression_share", "years_in_city=0-1")
        np.testing.assert_allclose(value.loc[expected.index], expected, rtol=1e-12)
    # A band's share of all out-migrants, with its binomial standard error.
    share = Quantity("population", "years_in_city=10+", share_of="status=out_migrant")
    frame = share.evaluate(run)
    assert frame["value"].between(0.0, 1.0).all()
    assert (frame["se"] > 0).all()
    # Stayers have no years in the city; old selectors still see every person once.
    assert (
        Quantity("population", "status=rural_stayer,years_in_city=0-1")
        .evaluate(run)["value"]
        .eq(0)
        .all()
    )
    np.testing.assert_allclose(
        Quantity("population").evaluate(run)["value"], run.series("population"), rtol=1e-12
    )


@pytest.mark.parametrize(
    "group",
    [
        "years_in_city=0-2",
        "years_in_city=0-1,education=primary",
        "stage=drifting,years_in_city=10+",
    ],
)
def test_selector_refuses_what_the_tenure_cells_cannot_answer(group: str) -> None:
    with pytest.raises(ValueError, match="years_in_city"):
        parse_selector(group)
