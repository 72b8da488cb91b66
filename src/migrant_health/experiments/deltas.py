"""A comparison's tables, computed in DuckDB over its Parquet files (SQL, not pandas loops).

``aggregates.parquet`` stacks every run's tidy table with its scenario and replicate;
``deltas.parquet`` pairs each scenario's run with the baseline run of the same replicate (same
seed, same parameter set: common random numbers) and summarises the per-replicate differences
over replicates:

- ``baseline``, ``value``, ``delta``: means over replicates of the baseline, the scenario and
  their difference;
- ``delta_lo``, ``delta_hi``: the 5th and 95th percentiles of the per-replicate deltas
  (``quantile_cont``, linear interpolation), a 90 % interval for the delta of one realisation:
  each replicate has its own parameter set and seed, so the interval carries parameter
  uncertainty and chance. It does not shrink as replicates are added (an interval of the mean
  would, and would hide the parameter uncertainty); with fewer than about 20 replicates its ends
  are interpolated between the extreme replicates;
- ``delta_se``: the standard error of the mean delta (standard deviation over replicates /
  sqrt(replicates)); ``delta +- 1.645 delta_se`` is the 90 % interval of the mean;
- ``replicates``: the replicates in which both runs have a finite value (a group with nobody in
  it has none).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

INTERVAL = 0.9
LOWER = (1.0 - INTERVAL) / 2.0
UPPER = 1.0 - LOWER
DELTA_COLUMNS = (
    "scenario",
    "metric",
    "group",
    "year",
    "baseline",
    "value",
    "delta",
    "delta_lo",
    "delta_hi",
    "delta_se",
    "replicates",
)


def _quoted(path: Path) -> str:
    """A path as an SQL string literal (COPY takes no bound parameter for its file)."""
    return "'" + str(path).replace("'", "''") + "'"


def _connect() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    # One thread: a parallel aggregate may add a group's values in another order from one run
    # to the next, and the deltas must be the same bytes whatever happens (and the tables are
    # small: a few million rows).
    connection.execute("SET threads TO 1")
    return connection


def combine_runs(parts: Sequence[Path], scenarios: Sequence[str], target: Path) -> None:
    """Write the runs' tidy tables as one ``aggregates.parquet``, in a fixed order.

    Args:
        parts: Parquet files with columns ``scenario, replicate, year, metric, group, value``.
        scenarios: Scenario names in the order the rows should follow.
        target: The file to write.
    """
    files = ", ".join(_quoted(p) for p in parts)
    with _connect() as connection:
        connection.execute(
            f"""
            COPY (
                SELECT scenario, replicate, year, metric, "group", value
                FROM read_parquet([{files}])
                ORDER BY list_position($order, scenario), replicate, year, metric, "group"
            ) TO {_quoted(target)} (FORMAT parquet)
            """,
            {"order": list(scenarios)},
        )


def write_deltas(aggregates: Path, scenarios: Sequence[str], baseline: str, target: Path) -> None:
    """Compute the deltas of every scenario against the baseline and write ``deltas.parquet``.

    Args:
        aggregates: The comparison's ``aggregates.parquet``.
        scenarios: Scenario names, in the order of the rows (the baseline among them: its
            deltas are exactly 0).
        baseline: The reference scenario's name.
        target: The file to write.
    """
    with _connect() as connection:
        connection.execute(
            f"""
            COPY (
                WITH runs AS (SELECT * FROM read_parquet({_quoted(aggregates)})),
                paired AS (
                    SELECT s.scenario, s.metric, s."group", s.year, s.replicate,
                           b.value AS baseline, s.value, s.value - b.value AS delta
                    FROM runs AS s
                    JOIN runs AS b USING (replicate, year, metric, "group")
                    WHERE b.scenario = $baseline AND isfinite(s.value) AND isfinite(b.value)
                )
                SELECT scenario, metric, "group", year,
                       avg(baseline) AS baseline,
                       avg(value) AS value,
                       avg(delta) AS delta,
                       quantile_cont(delta, {LOWER}) AS delta_lo,
                       quantile_cont(delta, {UPPER}) AS delta_hi,
                       stddev_samp(delta) / sqrt(count(*)) AS delta_se,
                       count(*) AS replicates
                FROM paired
                GROUP BY scenario, metric, "group", year
                ORDER BY list_position($order, scenario), metric, "group", year
            ) TO {_quoted(target)} (FORMAT parquet)
            """,
            {"baseline": baseline, "order": list(scenarios)},
        )


def read_deltas(path: Path) -> pd.DataFrame:
    """A ``deltas.parquet`` as a DataFrame (the columns of :data:`DELTA_COLUMNS`)."""
    return pd.read_parquet(path)
