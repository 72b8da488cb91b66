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
from migrant_health.errors import DataError
from migrant_health.experiments.matching import load_targets, match_targets
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
            end=2022, scale=10_000, seed=5, snapshot_years=(2011, 2022), snapshot_fraction=1.0
        )
    )


def test_the_share_crossing_a_border_falls_as_the_nbs_share_does(run) -> None:  # type: ignore[no-untyped-def]
    share = cross_province_share(run.aggregates)
    assert 0.44 < share[2011] < 0.50, share[2011]  # NBS 47.1 %
    assert 0.38 < share[2022] < 0.44, share[2022]  # NBS 41.1 %
    assert share[2011] - share[2022] > 0.04


def test_without_the_trend_the_share_stays_where_2008_put_it() -> None:
    flat = cross_province_share(
        simulate(RunConfig(end=2022, scale=10_000, seed=5, scenario=NO_TREND)).aggregates
    )
    assert abs(flat[2022] - flat[2008]) < 0.01, (flat[2008], flat[2022])


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


def _targets(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [(k, y, v, "10k persons", "test", "confirmed") for k, y, v in rows],
        columns=["key", "year", "value", "unit", "source", "confidence"],
    )
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


def test_counts_that_cannot_make_a_share_are_refused_with_their_lines() -> None:
    with pytest.raises(DataError, match=r"t\.csv: lines 2 and 3, column 'value'"):
        match_targets(
            _targets(
                [
                    ("nbs.outmigrants_cross_province", 2011, -5.0),
                    ("nbs.outmigrants_within_province", 2011, 8390.0),
                ]
            ),
            label="t.csv",
        )


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
