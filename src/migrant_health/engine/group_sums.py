"""Statistics summed by group, and the tidy rows of metrics read from them.

:func:`tidy_aggregates <migrant_health.engine.aggregate.tidy_aggregates>` sums the cell table
about thirty ways (by sex, by status and age band, by years in the city, ...) and reads some
sixty metrics from each sum; a run of any size has about as many cells, so this is a fixed cost
of every run (a calibration runs hundreds). A grouping is therefore summed once into one float
matrix whose rows carry their year and group label, each metric is a division of two of its
columns, and the rows of the table are gathered as arrays rather than as one tuple per row.
The sums themselves are pandas' (``groupby(...).sum()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import cast

import numpy as np
import pandas as pd

from migrant_health.engine.metrics import Metric

#: Columns of the tidy table.
TIDY_COLUMNS = ["year", "metric", "group", "value"]


@dataclass(frozen=True, eq=False)
class GroupSums:
    """Statistics summed by ``(year, *keys)``, one row per group and year.

    Attributes:
        keys: The grouping's keys (none for ``all``).
        index: The ``(year, *keys)`` index of the rows (pandas' sorted group order).
        values: ``(rows, statistics)`` float64 sums.
        column: Position of each statistic in ``values``.
        years: The year of each row.
    """

    keys: tuple[str, ...]
    index: pd.Index
    values: np.ndarray
    column: dict[str, int]
    years: np.ndarray
    _labels: dict[tuple[str, str] | None, np.ndarray] = field(
        default_factory=dict, init=False, repr=False
    )

    def __getitem__(self, statistic: str) -> np.ndarray:
        """One statistic's sums, row by row."""
        return self.values[:, self.column[statistic]]

    @cached_property
    def _key_labels(self) -> dict[str, np.ndarray]:
        """``key=value`` of every row, key by key (from the index's levels and codes)."""
        if not self.keys:
            return {}
        index = cast(pd.MultiIndex, self.index)  # (year, *keys)
        return {
            key: np.asarray([f"{key}={v}" for v in index.levels[position]], dtype=object)[
                index.codes[position]
            ]
            for position, key in enumerate(self.keys, start=1)
        }

    def labels(self, extra: tuple[str, str] | None = None) -> np.ndarray:
        """The ``group`` label of every row: ``all``, or sorted ``key=value`` pairs joined by
        commas, with ``extra`` (a ``(key, value)`` pair such as ``("stage", "adaptation")``)
        among them. Computed once per grouping and pair, since every metric shares them."""
        cached = self._labels.get(extra)
        if cached is not None:
            return cached
        parts = dict(self._key_labels)
        if extra is not None:
            parts[extra[0]] = np.full(len(self.index), f"{extra[0]}={extra[1]}", dtype=object)
        if parts:
            ordered = [parts[key] for key in sorted(parts)]
            labels = ordered[0]
            for column in ordered[1:]:
                labels = labels + "," + column
        else:
            labels = np.full(len(self.index), "all", dtype=object)
        self._labels[extra] = labels
        return labels


def group_sums(frame: pd.DataFrame, keys: tuple[str, ...], statistics: list[str]) -> GroupSums:
    """Sum ``statistics`` of a cell table by year and ``keys`` (rows with a missing key are left
    out, as a key that does not apply to them)."""
    summed = frame.groupby(["year", *keys], sort=True, dropna=True)[statistics].sum()
    return GroupSums(
        keys=keys,
        index=summed.index,
        values=summed.to_numpy(dtype=np.float64),
        column={name: k for k, name in enumerate(statistics)},
        years=np.asarray(summed.index.get_level_values(0), dtype=np.int64),
    )


class TidyRows:
    """The rows of the tidy table, gathered a metric at a time as arrays."""

    def __init__(self) -> None:
        self._years: list[np.ndarray] = []
        self._metrics: list[np.ndarray] = []
        self._groups: list[np.ndarray] = []
        self._values: list[np.ndarray] = []

    def add_metric(
        self,
        sums: GroupSums,
        metric: Metric,
        extra: tuple[str, str] | None = None,
        numerator: np.ndarray | None = None,
        denominator: np.ndarray | None = None,
    ) -> None:
        """One metric in every group of ``sums`` where it is defined (a finite value).

        Args:
            sums: The grouping's sums.
            metric: The metric: its numerator over its denominator, or its numerator alone.
            extra: A ``(key, value)`` pair the rows also belong to (a category of the metric).
            numerator: The numerator row by row, if not a column of ``sums``.
            denominator: The denominator row by row, if not a column of ``sums``.
        """
        num = sums[metric.numerator] if numerator is None else numerator
        values = num.astype(np.float64, copy=False)
        if metric.denominator is not None:
            den = sums[metric.denominator] if denominator is None else denominator
            values = values / np.where(den > 0, den, np.nan)
        keep = np.isfinite(values)
        if not keep.any():
            return
        self.add(metric.name, sums.years[keep], sums.labels(extra)[keep], values[keep])

    def add(self, metric: str, years: np.ndarray, groups: np.ndarray, values: np.ndarray) -> None:
        """Rows of one metric: a year, a group label and a value each."""
        self._years.append(np.asarray(years, dtype=np.int64))
        self._metrics.append(np.full(len(years), metric, dtype=object))
        self._groups.append(np.asarray(groups, dtype=object))
        self._values.append(np.asarray(values, dtype=np.float64))

    def add_rows(self, rows: list[tuple[int, str, str, float]]) -> None:
        """Rows given one by one as ``(year, metric, group, value)``."""
        for year, metric, group, value in rows:
            self.add(metric, np.array([year]), np.array([group], dtype=object), np.array([value]))

    def table(self) -> pd.DataFrame:
        """The tidy table, sorted by metric, group and year."""
        if not self._years:
            return pd.DataFrame([], columns=TIDY_COLUMNS)
        table = pd.DataFrame(
            {
                "year": np.concatenate(self._years),
                "metric": np.concatenate(self._metrics),
                "group": np.concatenate(self._groups),
                "value": np.concatenate(self._values),
            }
        )
        return table.sort_values(["metric", "group", "year"], kind="stable").reset_index(drop=True)
