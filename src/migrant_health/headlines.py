"""The headline figures of a run: which metrics, in which groups, scaled and formatted how.

One list for every place that shows a run's headlines: the summary ``simulate`` prints, the
headline table of a comparison, and the report's tables.
"""

from __future__ import annotations

import re
from math import nan

import pandas as pd

from migrant_health.model import default_plan

# (label, metric, group, scale, format)
HEADLINES: tuple[tuple[str, str, str, float, str], ...] = (
    ("Migrant workers (million)", "migrant_workers_total", "all", 1e-6, "{:.1f}"),
    ("  out-migrants (million)", "migrant_workers_out", "all", 1e-6, "{:.1f}"),
    ("  local migrant workers (million)", "migrant_workers_local", "all", 1e-6, "{:.1f}"),
    ("Mean age of migrant workers", "mean_age_migrant_workers", "all", 1.0, "{:.1f}"),
    ("Women among migrant workers", "female_share_migrant_workers", "all", 100.0, "{:.1f}%"),
    ("Monthly income (CNY)", "monthly_income_mean", "all", 1.0, "{:,.0f}"),
    ("Working > 44 h/week", "share_over_44h", "all", 100.0, "{:.1f}%"),
    ("Integration index, out-migrants", "integration_index", "all", 1.0, "{:.3f}"),
    ("  economic", "integration_economic", "all", 1.0, "{:.3f}"),
    ("  social", "integration_social", "all", 1.0, "{:.3f}"),
    ("  cultural", "integration_cultural", "all", 1.0, "{:.3f}"),
    ("  identity", "integration_identity", "all", 1.0, "{:.3f}"),
    ("In the embedding stage", "stage_share", "stage=embedding", 100.0, "{:.1f}%"),
    ("Insured in the destination", "insured_destination_share", "all", 100.0, "{:.1f}%"),
    ("Intend to stay", "stay_intention_share", "all", 100.0, "{:.1f}%"),
    (
        "Poor self-rated health, out-migrants",
        "poor_health_share",
        "status=out_migrant",
        100.0,
        "{:.1f}%",
    ),
    (
        "Poor self-rated health, urban locals",
        "poor_health_share",
        "status=urban_local",
        100.0,
        "{:.1f}%",
    ),
    (
        "Depressive symptoms, out-migrants",
        "depression_share",
        "status=out_migrant",
        100.0,
        "{:.1f}%",
    ),
    # The same people whatever their status now: a reform that moves people in and out of the
    # out-migrants (returns, conversions) changes who the two rows above count.
    (
        "Poor self-rated health, ever out-migrated",
        "poor_health_share",
        "arrival_cohort=any",
        100.0,
        "{:.1f}%",
    ),
    (
        "Depressive symptoms, ever out-migrated",
        "depression_share",
        "arrival_cohort=any",
        100.0,
        "{:.1f}%",
    ),
    ("Returns (million/year)", "returns", "all", 1e-6, "{:.2f}"),
    ("  health-driven (million/year)", "returns_health_driven", "all", 1e-6, "{:.2f}"),
    ("Hukou conversions (million/year)", "hukou_conversions", "all", 1e-6, "{:.2f}"),
    ("Urban-rural health gap (points)", "health_gap_urban_rural", "all", 100.0, "{:+.1f}"),
    ("  by residence (points)", "health_gap_residence", "all", 100.0, "{:+.1f}"),
)


def summary_years(years: list[int]) -> list[int]:
    """A few years to show: the first, 2015 and 2022 when simulated, and the last."""
    wanted = [years[0], 2015, 2022, years[-1]]
    return sorted({y for y in wanted if years[0] <= y <= years[-1]})


def data_label(label: str, scale: float) -> str:
    """A headline's label without the printed table's unit (``(million)``, ``(points)``),
    which the data formats' values, in the metric's own unit, do not have."""
    label = label.strip()
    if scale != 1.0:
        label = re.sub(r"\s*\((million(/year)?|points)\)$", "", label)
    return label


def data_labels() -> list[str]:
    """Each headline's label for the data formats (JSON, CSV): without the printed unit, and
    an indented row under its parent's name (``Returns: health-driven``), since a row of a
    table read alone has no indentation to say what ``health-driven`` qualifies."""
    labels = []
    parent = ""
    for label, _, _, scale, _ in HEADLINES:
        own = data_label(label, scale)
        if label.startswith(" "):
            own = f"{parent}: {own}"
        else:
            parent = own
        labels.append(own)
    return labels


def summary_frame(aggregates: pd.DataFrame) -> pd.DataFrame:
    """The headline figures as a tidy table, in the order of :data:`HEADLINES`.

    Args:
        aggregates: A run's tidy table ``year, metric, group, value``.

    Returns:
        Columns ``label, metric, group, year, value, unit``: one row per headline and summary
        year, the value as in ``aggregates`` (NaN where the run has none), in the metric's own
        unit (``persons``, ``share (0-1)``, ...), not scaled as the printed table is.
    """
    years = summary_years(sorted(int(y) for y in aggregates["year"].unique()))
    index = aggregates.set_index(["metric", "group", "year"])["value"]
    units = {m.name: m.unit for m in default_plan().metrics}
    rows = [
        {
            "label": label,
            "metric": metric,
            "group": group,
            "year": year,
            "value": float(index[key]) if (key := (metric, group, year)) in index.index else nan,
            "unit": units[metric],
        }
        for label, (_, metric, group, _, _) in zip(data_labels(), HEADLINES, strict=True)
        for year in years
    ]
    return pd.DataFrame(rows, columns=["label", "metric", "group", "year", "value", "unit"])
