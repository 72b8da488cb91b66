"""The numbers behind a run's or a comparison's report: DuckDB SQL over its Parquet files.

Two tables feed the page, each read with one query (not a loop over data frames):

- :func:`headline_series`: every headline metric (the figures ``simulate`` and ``compare``
  print, :data:`~migrant_health.headlines.HEADLINES`) in every year; for a comparison, per
  scenario, the mean over replicates and the 90 % band of the replicates' values (5th and 95th
  percentiles, as the deltas' intervals are: :mod:`~migrant_health.experiments.deltas`);
- :func:`subgroup_table`: the last year by subgroup: for a headline of group ``all``, every
  group of one ``key=value`` pair (``sex=female``, ``age_band=31-40``, ...); for a headline of
  a group such as ``status=out_migrant``, that group split by one more key
  (``sex=female,status=out_migrant``). For a comparison, the rows of ``deltas.parquet`` as they
  are (delta and interval); for a run, the values.

Values stay in each metric's own unit (a share as 0-1), as in the Parquet files, so a CSV
download holds the stored numbers; the page scales them for reading (:func:`display`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from migrant_health.experiments.deltas import LOWER, UPPER
from migrant_health.headlines import HEADLINES

#: Group keys in the order a reader looks for them; keys not listed follow, alphabetically.
DIMENSIONS: tuple[str, ...] = (
    "sex",
    "age_band",
    "education",
    "city_tier",
    "origin_region",
    "arrival_cohort",
    "years_in_city",
    "status",
    "residence",
    "stage",
    "phase",
    "living_type",
)
#: Readable names of the group keys (a key without one is shown as it is).
DIMENSION_LABELS: dict[str, str] = {
    "sex": "sex",
    "age_band": "age band",
    "education": "education",
    "city_tier": "city tier",
    "origin_region": "origin region",
    "arrival_cohort": "arrival cohort",
    "years_in_city": "years in the city",
    "status": "status",
    "residence": "residence",
    "stage": "integration stage",
    "phase": "phase",
    "living_type": "living type",
}


@dataclass(frozen=True)
class Headline:
    """A headline figure: what the page calls it and how it shows its numbers.

    Attributes:
        label: Its name on the page.
        metric: The metric (``migrant-health metrics``).
        group: Its group (``all`` or ``key=value`` pairs).
        scale: Factor from the metric's unit to the one shown (100 for a share in %).
        fmt: Format of a shown value.
    """

    label: str
    metric: str
    group: str
    scale: float
    fmt: str

    @property
    def key(self) -> str:
        """``metric`` or ``metric [group]``: unique among the headlines."""
        return self.metric if self.group == "all" else f"{self.metric} [{self.group}]"


def _headline_figures() -> tuple[Headline, ...]:
    """The headlines with labels that stand alone on a chart.

    In the printed summary an indented label is a part of the one above it (``  economic``
    under ``Integration index, out-migrants``); a chart's title names both:
    ``Integration index, out-migrants: economic``.
    """
    figures = []
    parent = ""
    for label, metric, group, scale, fmt in HEADLINES:
        if label.startswith(" ") and parent:
            label = f"{parent.split(' (')[0]}: {label.strip()}"
        else:
            parent = label = label.strip()
        figures.append(Headline(label, metric, group, scale, fmt))
    return tuple(figures)


HEADLINE_FIGURES: tuple[Headline, ...] = _headline_figures()


def display_unit(metric_unit: str, scale: float, delta: bool = False) -> str:
    """The unit a headline is shown in: ``%`` (``points`` for a delta), ``million``, or the
    metric's own unit."""
    if scale == 100.0:
        gap = metric_unit.startswith("difference of shares")  # a health gap is in points too
        return "percentage points" if delta or gap else "%"
    if scale == 1e-6:
        return "million" + ("/year" if "/year" in metric_unit else "")
    return metric_unit


def _headlines_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [(h.label, h.metric, h.group) for h in HEADLINE_FIGURES],
        columns=["label", "metric", "group"],
    ).reset_index(names="headline")


def _query(
    sql: str, parameters: dict[str, object] | None = None, **tables: pd.DataFrame
) -> pd.DataFrame:
    with duckdb.connect() as connection:
        connection.execute("SET threads TO 1")  # the same numbers, in the same order, each time
        for name, frame in tables.items():
            connection.register(name, frame)
        return connection.execute(sql, parameters or {}).df()


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def headline_series(aggregates: Path, scenarios: Sequence[str] | None = None) -> pd.DataFrame:
    """Every headline metric in every year.

    Args:
        aggregates: The directory's ``aggregates.parquet``.
        scenarios: A comparison's scenario names, in the order of its ``comparison.json``;
            ``None`` for a run.

    Returns:
        A run: ``label, metric, group, year, value``. A comparison: ``label, metric, group,
        scenario, year, value, value_lo, value_hi, replicates`` (mean over replicates, the 5th
        and 95th percentiles of the replicates' values, and their number). Rows in the order
        of the headlines, then scenario (as in the file), then year.
    """
    source = f"read_parquet({_literal(aggregates)})"
    if scenarios is None:
        return _query(
            f"""
            SELECT h.label, a.metric, a."group", a.year, a.value
            FROM {source} AS a JOIN headlines AS h USING (metric, "group")
            ORDER BY h.headline, a.year
            """,
            headlines=_headlines_frame(),
        )
    return _query(
        f"""
        WITH a AS (SELECT *, list_position($order, scenario) AS scenario_order FROM {source})
        SELECT h.label, a.metric, a."group", a.scenario, a.year,
               avg(a.value) AS value,
               quantile_cont(a.value, {LOWER}) AS value_lo,
               quantile_cont(a.value, {UPPER}) AS value_hi,
               count(a.value) AS replicates
        FROM a JOIN headlines AS h USING (metric, "group")
        WHERE isfinite(a.value)
        GROUP BY h.headline, h.label, a.metric, a."group", a.scenario, a.scenario_order, a.year
        ORDER BY h.headline, a.scenario_order, a.year
        """,
        {"order": list(scenarios)},
        headlines=_headlines_frame(),
    )


def subgroup_table(path: Path, year: int, scenarios: Sequence[str] | None = None) -> pd.DataFrame:
    """The headlines by subgroup in ``year`` (see the module's docstring).

    Args:
        path: A comparison's ``deltas.parquet``, or a run's ``aggregates.parquet``.
        year: The year (the last one simulated).
        scenarios: A comparison's scenario names, in the order of its ``comparison.json``;
            ``None`` for a run.

    Returns:
        ``label, metric, headline_group, dimension, subgroup, group, year`` and, for a run,
        ``value``; for a comparison ``scenario, baseline, value, delta, delta_lo, delta_hi``
        (and ``delta_se``, ``replicates`` where the file has them). ``dimension`` is the key
        that splits the headline's group, ``subgroup`` its value. Rows in the order of the
        headlines, then :data:`DIMENSIONS`, then subgroup (and scenario as in
        ``scenarios``). A comparison's reference, the first of ``scenarios``, has no rows:
        its values are the column ``baseline``.
    """
    source = f"read_parquet({_literal(path)})"
    comparison = scenarios is not None
    order = pd.DataFrame({"dimension": list(DIMENSIONS)}).reset_index(names="dimension_order")
    extra = (
        "d.scenario, d.baseline, d.value, d.delta, d.delta_lo, d.delta_hi"
        + (", d.delta_se" if _has_column(path, "delta_se") else "")
        + (", d.replicates" if _has_column(path, "replicates") else "")
        if comparison
        else "d.value"
    )
    scenario_order = "d.scenario_order," if comparison else ""
    # The reference's own deltas are 0 by construction: its values are each row's baseline.
    skip_baseline = "AND scenario_order > 1" if comparison else ""
    numbered = (
        f"SELECT *, list_position($order, scenario) AS scenario_order FROM {source}"
        if comparison
        else f"SELECT * FROM {source}"
    )
    return _query(
        f"""
        WITH h AS (
            SELECT *, CASE WHEN "group" = 'all' THEN []::VARCHAR[]
                           ELSE string_split("group", ',') END AS pairs
            FROM headlines
        ),
        d AS (SELECT *, string_split("group", ',') AS pairs FROM ({numbered})
              WHERE year = {year} {skip_baseline}),
        split AS (
            SELECT h.headline, h.label, h."group" AS headline_group, d.*,
                   list_filter(d.pairs, lambda p: NOT list_contains(h.pairs, p))[1] AS extra
            FROM d JOIN h USING (metric)
            WHERE d."group" <> 'all' AND len(d.pairs) = len(h.pairs) + 1
              AND list_has_all(d.pairs, h.pairs)
        )
        SELECT d.label, d.metric, d.headline_group,
               split_part(d.extra, '=', 1) AS dimension,
               split_part(d.extra, '=', 2) AS subgroup,
               d."group", d.year, {extra}
        FROM split AS d LEFT JOIN dimension_order AS o
             ON o.dimension = split_part(d.extra, '=', 1)
        ORDER BY d.headline, coalesce(o.dimension_order, 1000), dimension, subgroup,
                 {scenario_order} d."group"
        """,
        {"order": list(scenarios)} if scenarios is not None else None,
        headlines=_headlines_frame(),
        dimension_order=order,
    )


def _has_column(path: Path, column: str) -> bool:
    import pyarrow.parquet as pq

    return column in pq.read_schema(path).names


def dimension_label(key: str) -> str:
    """A group key as a reader names it (``age_band`` -> ``age band``)."""
    return DIMENSION_LABELS.get(key, key.replace("_", " "))
