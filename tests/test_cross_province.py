"""Fewer out-migrants cross a provincial border as jobs grow inland (calibration step 53).

NBS (calibration_targets.csv): 47.1 % of out-migrant workers worked in another province in
2011, 44.7 % in 2017 and 41.1 % in 2022. Before step 53 every departure drew the NBS 2008
shares by origin region, and the model's share stayed at 48.5-48.8 % in every year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, simulate
from migrant_health.engine.run_context import build_context
from migrant_health.errors import DataError
from migrant_health.experiments.fit import fit_table
from migrant_health.experiments.frozen_cells import base_year_parameters
from migrant_health.experiments.matching import load_targets, match_targets
from migrant_health.modules.migration_decisions import cross_province_chance
from migrant_health.params import Scenario

NO_TREND = Scenario(name="no_trend", overrides={"migration.destination.cross_province_trend": 0.0})


def cross_province_share(aggregates: pd.DataFrame) -> pd.Series:
    """The metric by year, for all out-migrant workers."""
    rows = aggregates[
        (aggregates["metric"] == "cross_province_share") & (aggregates["group"] == "all")
    ]
    return rows.set_index("year")["value"]


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    return simulate(
        RunConfig(
            end=2022,
            scale=10_000,
            seed=5,
            snapshot_years=(2008, 2011, 2022),
            snapshot_fraction=1.0,
        )
    )


def test_the_share_crossing_a_border_falls_as_the_nbs_share_does(run) -> None:  # type: ignore[no-untyped-def]
    """Within the target's 3-point tolerance of the NBS share at both ends, and falling."""
    share = cross_province_share(run.aggregates)
    assert abs(share[2011] - 0.471) <= 0.03, share[2011]
    assert abs(share[2022] - 0.411) <= 0.03, share[2022]
    assert share[2011] - share[2022] > 0.04


def test_departures_cross_a_border_less_often_year_by_year() -> None:
    """The NBS 2008 shares in the base year and under frozen conditions, exactly; lower as
    the years pass; held from 2022 on, as the other calendar trends."""
    ctx, _ = build_context(RunConfig(end=2035, scale=200_000))
    frozen = base_year_parameters()
    p = {year: ctx.params[k] for k, year in enumerate(ctx.years)}
    for region, share in enumerate(frozen["migration__destination__cross_province_share"]):
        assert cross_province_chance(p[2008], region) == share
        assert cross_province_chance(frozen, region) == share
        assert cross_province_chance(p[2015], region) < share
        assert cross_province_chance(p[2022], region) < cross_province_chance(p[2015], region)
        assert cross_province_chance(p[2035], region) == cross_province_chance(p[2022], region)


def test_without_the_trend_the_share_stays_where_2008_put_it() -> None:
    flat = cross_province_share(
        simulate(RunConfig(end=2022, scale=10_000, seed=5, scenario=NO_TREND)).aggregates
    )
    assert abs(flat[2022] - flat[2008]) < 0.02, (flat[2008], flat[2022])  # the trend: 0.07


def test_the_metric_counts_the_snapshots_employed_out_migrants(run) -> None:  # type: ignore[no-untyped-def]
    """The cells' share is the weighted share of employed out-migrants in the full snapshot."""
    people = run.snapshots
    share = cross_province_share(run.aggregates)
    for year in (2011, 2022):
        workers = people[
            (people["year"] == year)
            & (people["status"] == "out_migrant")
            & (people["job"] != "none")
        ]
        expected = np.average(workers["cross_province"], weights=workers["weight"])
        assert share[year] == pytest.approx(expected, rel=1e-9)


def test_base_year_returnees_crossed_borders_at_their_regions_2008_share(run) -> None:  # type: ignore[no-untyped-def]
    """A returnee's flag tells where the last spell was: until step 54 the returnees of the
    base-year stock all read 0, as if every one had stayed in their province. Those past their
    age of leaving non-farm work come from a branch of their own of the start, checked apart."""
    shares = dict(
        zip(
            ("east", "central", "west"),
            base_year_parameters()["migration__destination__cross_province_share"],
            strict=True,
        )
    )
    people = run.snapshots[run.snapshots["year"] == 2008]
    stock = people[(people["status"] == "returned") & ~people["returned_this_year"]]
    old = stock["age"] >= 65
    groups = [stock[stock["origin_region"] == r] for r in shares] + [stock[old]]
    for group in groups:
        expected = group["origin_region"].astype(str).map(shares).mean()
        assert len(group) > 300
        se = np.sqrt(expected * (1.0 - expected) / len(group))
        assert abs(group["cross_province"].mean() - expected) < 4 * se


def test_the_two_nbs_counts_make_one_share_target_per_year() -> None:
    matched = match_targets(load_targets())
    shares = {c.year: c for c in matched.comparisons if c.key == "nbs.outmigrants_cross_province"}
    assert sorted(shares) == [2011, 2013, 2014, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
    assert shares[2011].observed == pytest.approx(7473 / (7473 + 8390))
    assert shares[2022].observed == pytest.approx(7061 / (7061 + 10129))
    # A share built from a derived (approximate) count is approximate itself.
    assert shares[2011].confidence == "confirmed"
    assert shares[2016].confidence == "approximate"
    assert shares[2011].tolerance(0.0) == pytest.approx(0.03)  # the floor of shares
    # The counts are not compared twice as counts.
    keys = {c.key for c in matched.comparisons}
    assert "nbs.outmigrants_within_province" not in keys


CROSS, WITHIN = "nbs.outmigrants_cross_province", "nbs.outmigrants_within_province"


def _targets(
    rows: list[tuple[str, int, float]],
    units: list[str] | None = None,
    confidences: list[str] | None = None,
) -> pd.DataFrame:
    """A targets file's rows, in 10k persons and confirmed unless said otherwise."""
    frame = pd.DataFrame(
        [(k, y, v, "10k persons", "test", "confirmed") for k, y, v in rows],
        columns=["key", "year", "value", "unit", "source", "confidence"],
    )
    if units is not None:
        frame["unit"] = units
    if confidences is not None:
        frame["confidence"] = confidences
    frame["value_text"] = frame["value"].astype(str)
    frame["year"] = frame["year"].astype("Int64")
    frame["line"] = range(2, len(frame) + 2)
    return frame


def test_a_year_with_one_count_only_is_skipped_with_its_reason() -> None:
    matched = match_targets(
        _targets(
            [
                ("nbs.outmigrants_cross_province", 2011, 7473.0),
                ("nbs.outmigrants_within_province", 2011, 8390.0),
                ("nbs.outmigrants_cross_province", 2013, 7739.0),
            ]
        ),
        label="t.csv",
    )
    assert [c.year for c in matched.comparisons] == [2011]
    reason = matched.skipped.loc[matched.skipped["year"] == 2013, "reason"].iloc[0]
    assert "nbs.outmigrants_within_province" in reason


def test_two_zero_counts_are_refused_with_their_lines() -> None:
    with pytest.raises(DataError, match=r"t\.csv: lines 2 and 3, column 'value'.*both be zero"):
        match_targets(_targets([(CROSS, 2011, 0.0), (WITHIN, 2011, 0.0)]), label="t.csv")


def test_a_count_given_twice_in_a_year_is_refused() -> None:
    with pytest.raises(DataError, match=r"t\.csv: line 4, column 'key'.*first on line 2"):
        match_targets(
            _targets(
                [
                    ("nbs.outmigrants_cross_province", 2011, 7473.0),
                    ("nbs.outmigrants_within_province", 2011, 8390.0),
                    ("nbs.outmigrants_cross_province", 2011, 7000.0),
                ]
            ),
            label="t.csv",
        )


def test_counts_in_persons_and_in_ten_thousands_make_the_same_share() -> None:
    matched = match_targets(
        _targets([(CROSS, 2011, 74_730_000.0), (WITHIN, 2011, 8390.0)], ["persons", "10k persons"])
    )
    assert matched.comparisons[0].observed == pytest.approx(7473 / (7473 + 8390))


def test_no_one_across_a_border_is_a_share_of_zero() -> None:
    matched = match_targets(_targets([(CROSS, 2011, 0.0), (WITHIN, 2011, 8390.0)]))
    assert matched.comparisons[0].observed == 0.0


def test_a_recalled_count_makes_the_share_recalled() -> None:
    """Approximate and recalled weigh alike; the recalled label carries the wider floor."""
    for order in (["approximate", "recalled"], ["recalled", "approximate"]):
        matched = match_targets(
            _targets([(CROSS, 2011, 7473.0), (WITHIN, 2011, 8390.0)], confidences=order)
        )
        assert matched.comparisons[0].confidence == "recalled"


def test_a_file_with_one_of_the_two_counts_says_which_is_missing() -> None:
    matched = match_targets(_targets([(WITHIN, 2017, 9510.0)]), label="t.csv")
    assert matched.comparisons == ()
    message = matched.why_none_compared()
    assert message.startswith("t.csv: no row can be compared")
    assert "no nbs.outmigrants_cross_province row in 2017" in message


@pytest.mark.parametrize(
    "value, value_text, needle",
    [
        (-3.0, "-3", "is negative"),
        (float("nan"), "7000-8000", "cannot enter the share"),
        (float("nan"), "7500-7500", "cannot enter the share"),
    ],
)
def test_a_count_that_cannot_enter_a_share_is_refused_even_alone(
    value: float, value_text: str, needle: str
) -> None:
    frame = _targets([(CROSS, 2017, value)])
    frame["value_text"] = [value_text]
    with pytest.raises(DataError, match=rf"t\.csv: line 2, column 'value': .*{needle}"):
        match_targets(frame, label="t.csv")


def test_the_fit_table_names_both_rows_of_each_share(run) -> None:  # type: ignore[no-untyped-def]
    """The fit CSV's ``lines`` column: where in the targets file each share comes from."""
    targets = load_targets(None)
    table = fit_table(run, targets)
    rows = table[table["key"] == CROSS].set_index("year")
    assert len(rows) == 10
    of_2011 = targets[(targets["year"] == 2011) & targets["key"].isin([CROSS, WITHIN])]
    expected = " ".join(str(line) for line in sorted(of_2011["line"]))
    assert rows.loc[2011, "lines"] == expected  # the cross- and within-province counts
    assert rows.loc[2011, "unit"] == "% of the two counts"
