"""Group sums and tidy rows: a metric is its numerator's sum over its denominator's, by group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migrant_health.engine.group_sums import TidyRows, group_sums
from migrant_health.engine.metrics import Metric, share

SICK = share("poor_health_share", "poor_health", "persons", "poor health", "health")
CASES = Metric("poor_health_count", "persons", "poor health, a count", "poor_health")


def cells() -> pd.DataFrame:
    """Four cells of one year: two statuses, two sexes; nobody in the last one."""
    return pd.DataFrame(
        {
            "year": [2010, 2010, 2010, 2010],
            "status": ["out_migrant", "out_migrant", "rural_stayer", "rural_stayer"],
            "sex": ["female", "male", "female", "male"],
            "poor_health": [3.0, 1.0, 10.0, 0.0],
            "persons": [10.0, 30.0, 40.0, 0.0],
        }
    )


def test_a_share_is_the_ratio_of_the_groups_sums() -> None:
    rows = TidyRows()
    rows.add_metric(group_sums(cells(), ("status",), ["poor_health", "persons"]), SICK)
    table = rows.table().set_index("group")["value"]
    assert table["status=out_migrant"] == 4.0 / 40.0
    assert table["status=rural_stayer"] == 10.0 / 40.0


def test_a_group_without_people_has_no_share_but_a_count_of_zero() -> None:
    sums = group_sums(cells(), ("sex", "status"), ["poor_health", "persons"])
    rows = TidyRows()
    rows.add_metric(sums, SICK)
    rows.add_metric(sums, CASES)
    table = rows.table()
    shares = table[table["metric"] == SICK.name]
    assert "sex=male,status=rural_stayer" not in set(shares["group"])
    counts = table[table["metric"] == CASES.name].set_index("group")["value"]
    assert counts["sex=male,status=rural_stayer"] == 0.0


def test_labels_name_every_key_in_alphabetical_order_with_the_category() -> None:
    sums = group_sums(cells(), ("status", "sex"), ["poor_health", "persons"])
    # Rows in the grouping's order (status, then sex); labels in the keys' alphabetical order.
    assert list(sums.labels()) == [
        "sex=female,status=out_migrant",
        "sex=male,status=out_migrant",
        "sex=female,status=rural_stayer",
        "sex=male,status=rural_stayer",
    ]
    assert sums.labels(("phase", "settled"))[0] == "phase=settled,sex=female,status=out_migrant"
    everyone = group_sums(cells(), (), ["poor_health", "persons"])
    assert list(everyone.labels()) == ["all"]
    np.testing.assert_array_equal(everyone["persons"], [80.0])


def test_the_table_is_sorted_by_metric_group_and_year() -> None:
    later = cells().assign(year=2011)
    sums = group_sums(pd.concat([later, cells()]), ("status",), ["poor_health", "persons"])
    rows = TidyRows()
    rows.add_metric(sums, SICK)
    rows.add_metric(sums, CASES)
    table = rows.table()
    assert list(table.columns) == ["year", "metric", "group", "value"]
    ordered = table.sort_values(["metric", "group", "year"], kind="stable")
    assert table.equals(ordered.reset_index(drop=True))
    assert table["year"].tolist()[:2] == [2010, 2011]
