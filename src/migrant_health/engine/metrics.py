"""Metrics: name, unit, definition, and how each follows from summed statistics.

A metric is either a *total* (a sum of one statistic, in persons or CNY) or a *ratio* of two
sums over the same group of cells. The module that computes the statistics declares its metrics
beside the kernel that accumulates them; the accumulator's columns (*statistics*) follow from
those declarations (:func:`statistics_of`), and kernels address them through :func:`slots`, so
adding a metric touches that one module. ``migrant-health metrics`` prints the plan's metrics.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from migrant_health.engine.codes import LIVING_TYPE_LABELS, PHASE_LABELS

# Categorical splits whose counts are statistics of their own, one per label.
CATEGORY_LABELS = {"living_type": LIVING_TYPE_LABELS, "phase": PHASE_LABELS}
# Statistics the engine itself needs: who is counted, and the flows that empty a cell.
ENGINE_STATISTICS = ("persons", "deaths", "entrants")


@dataclass(frozen=True)
class Metric:
    """One output metric.

    Attributes:
        name: Metric name in the tidy table.
        unit: Unit of the value.
        definition: What it measures, among whom.
        numerator: Statistic summed on top (for ``by`` living type or phase: the prefix of the
            per-label statistics, ``living`` -> ``living_subsistence``, ...).
        denominator: Statistic summed below, or ``None`` for a total.
        by: Extra key the metric is split by (``stage``, ``living_type``, ``phase``), if any.
        reports: The module whose work the metric mainly reports (``migrant-health plan``).
    """

    name: str
    unit: str
    definition: str
    numerator: str
    denominator: str | None = None
    by: str | None = None
    reports: str = ""

    def statistics(self) -> tuple[str, ...]:
        """The statistics this metric is computed from."""
        if self.by in CATEGORY_LABELS:
            names = [f"{self.numerator}_{label}" for label in CATEGORY_LABELS[self.by]]
        else:
            names = [self.numerator]
        if self.denominator is not None:
            names.append(self.denominator)
        return tuple(names)


#: The unit of a difference of two shares (a health gap): it can be negative, is no share
#: itself, and reads in percentage points.
DIFFERENCE_OF_SHARES = "difference of shares (0-1)"


def share(name: str, numerator: str, denominator: str, definition: str, reports: str) -> Metric:
    """A share (0-1): one count over another."""
    return Metric(name, "share (0-1)", definition, numerator, denominator, reports=reports)


def mean(
    name: str, unit: str, numerator: str, denominator: str, definition: str, reports: str
) -> Metric:
    """A mean: a sum over a count."""
    return Metric(name, unit, definition, numerator, denominator, reports=reports)


def statistics_of(metrics: Iterable[Metric]) -> tuple[str, ...]:
    """The accumulator's statistics: the engine's own, then each metric's, first use first."""
    names = dict.fromkeys(ENGINE_STATISTICS)
    for metric in metrics:
        names.update(dict.fromkeys(metric.statistics()))
    return tuple(names)


def slots(statistics: Iterable[str]) -> Any:
    """Column index of each statistic, as attributes (``SLOT.persons``).

    A named tuple is a compile-time constant inside a Numba kernel, so ``add[SLOT.persons]``
    costs what a literal index costs.
    """
    names = tuple(statistics)
    return namedtuple("Slot", names)(*range(len(names)))
