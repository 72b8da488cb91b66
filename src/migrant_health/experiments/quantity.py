"""Model quantities computed from a run's cell table, with their sampling error.

A calibration target is compared with a *quantity*: a metric of ``migrant-health metrics``
(its numerator and denominator statistics) summed over a selection of cells. Computing from the
cells rather than from the tidy aggregates lets a quantity select several categories at once
(``age_band=51-60|61+``, ``status=local_migrant|returned``), divide a total by the same total in
another group (an age-band share of all migrant workers), and know how many *agents* stand
behind each number, which gives the analytic Monte Carlo standard error of shares and counts.

:func:`simulate_cells` runs the model without building the tidy table (about five times faster
at coarse scales, which matters in calibration); its cells are identical to
``simulate(config).cells``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from migrant_health.engine.aggregate import (
    RESIDENCE_STATUSES,
    TENURE_KEY,
    main_cells,
    tenure_cells,
)
from migrant_health.engine.codes import (
    AGE_BAND_LABELS,
    EDUCATION_LABELS,
    REGION_LABELS,
    SEX_LABELS,
    STAGE_LABELS,
    TIER_LABELS,
)
from migrant_health.engine.metrics import Metric
from migrant_health.engine.run import ProgressCallback, run_chunks, weighted_cells
from migrant_health.engine.run_config import RunConfig
from migrant_health.engine.stats import SGROUP_STATUS, YEARS_IN_CITY_LABELS
from migrant_health.model import default_plan

CELL_KEYS: tuple[str, ...] = (
    "sex",
    "age_band",
    "education",
    "origin_region",
    "status",
    "city_tier",
    "stage",
    TENURE_KEY,
)
# The values each key's cells carry (engine/stats.py), so that a misspelt value is refused
# rather than selecting no cell (a sensitivity study of such a group ran to the end and
# reported nothing but missing values).
_KEY_VALUES: dict[str, tuple[str, ...]] = {
    "sex": SEX_LABELS,
    "age_band": AGE_BAND_LABELS,
    "education": EDUCATION_LABELS,
    "origin_region": REGION_LABELS,
    "status": tuple(dict.fromkeys(SGROUP_STATUS)),
    "city_tier": TIER_LABELS,
    "stage": STAGE_LABELS,
    TENURE_KEY: YEARS_IN_CITY_LABELS,
}
# What the tenure cells are labelled with, besides years in the city (engine/stats.py).
_TENURE_KEYS = ("status", "sex", "age_band", "residence")
_UNSUPPORTED = (
    "health_gap_urban_rural",
    "health_gap_residence",
    "poor_health_share_standardised",
)


class CellRun(Protocol):
    """Anything with a run configuration and a weighted cell table (a ``RunResult`` too)."""

    @property
    def config(self) -> RunConfig:
        """Settings of the run."""
        ...

    @property
    def cells(self) -> pd.DataFrame:
        """Weighted statistics per year and cell."""
        ...


@dataclass(frozen=True)
class ModelRun:
    """A run reduced to its cell table (what :func:`simulate_cells` returns).

    Attributes:
        config: Settings of the run.
        cells: Weighted statistics per year and cell, as ``RunResult.cells``.
        seconds: Wall time of the run.
    """

    config: RunConfig
    cells: pd.DataFrame
    seconds: float = 0.0


def simulate_cells(config: RunConfig, progress: ProgressCallback | None = None) -> ModelRun:
    """Run the microsimulation and keep only the weighted cell table.

    This follows :func:`migrant_health.simulate` step by step but skips the tidy aggregates,
    which dominate the cost of small runs. A test checks that the cells are identical.

    Args:
        config: Run settings (snapshots are ignored).
        progress: Called with ``(chunks_done, chunks_total)`` after each chunk.

    Returns:
        The configuration and the cell table of the reported years.

    Raises:
        RunConfigError: For impossible settings.
        ScenarioError: For a scenario that does not fit the parameter tree.
    """
    import time

    began = time.perf_counter()
    plan = default_plan()
    ctx, _, total, _, _, _ = run_chunks(plan, config, progress)
    cells = weighted_cells(plan, ctx, total, config.start)
    return ModelRun(config, cells, time.perf_counter() - began)


def urban_scale_of(config: RunConfig) -> float:
    """Persons per agent of the urban-local reference sample in a run."""
    return float(config.urban_scale or 10.0 * config.scale)


def parse_selector(group: str) -> dict[str, tuple[str, ...]]:
    """Parse a group selector into ``{cell key: accepted values}``.

    The syntax extends the tidy table's group labels: ``all``, or comma-separated
    ``key=value`` pairs where a value may list alternatives separated by ``|``
    (``age_band=51-60|61+,status=out_migrant``). ``residence=rural`` or ``residence=urban``
    selects people by where they live, whatever their hukou (:data:`RESIDENCE_STATUSES`).
    ``years_in_city=0-1|2-4`` selects out-migrants by years in the city (bands 0-1, 2-4, 5-9,
    10+); it combines with status, sex, age band and residence only, the keys of the tenure
    cells.

    Raises:
        ValueError: For an unknown key or value, a malformed pair, or a years-in-city band
            combined with a key the tenure cells do not carry.
    """
    if group == "all":
        return {}
    selector: dict[str, tuple[str, ...]] = {}
    for part in group.split(","):
        key, sep, values = part.partition("=")
        if not sep or key not in (*CELL_KEYS, "residence") or not values:
            raise ValueError(
                f"group selector {group!r}: {part!r} must be key=value with a key among "
                f"{', '.join(CELL_KEYS)}, residence"
            )
        selector[key] = tuple(values.split("|"))
        known = _KEY_VALUES.get(key)
        unknown = [value for value in selector[key] if known is not None and value not in known]
        if unknown:
            raise ValueError(
                f"group selector {group!r}: unknown {key} value(s) {', '.join(unknown)}; "
                f"choose among {', '.join(known or ())}"
            )
    if not set(selector.get("residence", ())) <= set(RESIDENCE_STATUSES):
        raise ValueError(f"group selector {group!r}: residence must be rural or urban")
    if TENURE_KEY in selector:  # its bands are checked with the other keys' values above
        others = sorted(set(selector) - {TENURE_KEY, *_TENURE_KEYS})
        if others:
            raise ValueError(
                f"group selector {group!r}: years_in_city combines only with "
                f"{', '.join(_TENURE_KEYS)} (not {', '.join(others)})"
            )
    return selector


def _select(main: pd.DataFrame, tenure: pd.DataFrame, group: str) -> pd.DataFrame:
    """Rows of a run's cells in a group (``main`` and ``tenure``: its main and tenure cells).

    Groups naming neither a status nor a residence leave out the urban-local reference sample;
    ``residence=urban`` includes it (urban residents whatever their hukou). Groups naming
    ``years_in_city`` are taken from the tenure cells, every other group from the main cells,
    so nobody is counted twice.
    """
    selector = parse_selector(group)
    cells = tenure if TENURE_KEY in selector else main
    mask = np.ones(len(cells), dtype=bool)
    if "status" not in selector and "residence" not in selector:
        mask &= (cells["status"] != "urban_local").to_numpy()
    for key, values in selector.items():
        if key == "residence":
            statuses = [s for value in values for s in RESIDENCE_STATUSES[value]]
            mask &= cells["status"].isin(statuses).to_numpy()
        else:
            mask &= cells[key].isin(values).to_numpy()
    return cells[mask]


@dataclass(frozen=True)
class _AgentCells:
    """A run's main and tenure cells, each row with its persons per agent (``_w``)."""

    main: pd.DataFrame
    tenure: pd.DataFrame
    years: pd.Index


# The last run's agent cells, with a weak reference to its cell table (cell tables are read,
# never changed in place): a fit or a calibration trial evaluates a hundred quantities on one
# run, and splitting and weighting the table for each was a third of a fit's time outside its
# plots. The entry is dropped with its table, so a finished run's copies do not linger.
_LAST_AGENT_CELLS: list[tuple[weakref.ref[pd.DataFrame], float, float, _AgentCells]] = []


def _agent_cells(run: CellRun) -> _AgentCells:
    """The run's cells split and weighted (computed once per cell table and scales)."""
    cells = run.cells
    scale, urban_scale = float(run.config.scale), urban_scale_of(run.config)
    if _LAST_AGENT_CELLS:
        table, *scales, found = _LAST_AGENT_CELLS[0]
        if table() is cells and scales == [scale, urban_scale]:
            return found
    weight = np.where(cells["status"] == "urban_local", urban_scale, scale)
    agents = cells.assign(_w=weight)
    found = _AgentCells(
        main_cells(agents),
        tenure_cells(agents),
        pd.Index(sorted(cells["year"].unique()), name="year"),
    )
    reference = weakref.ref(cells, _forget_agent_cells)
    _LAST_AGENT_CELLS[:] = [(reference, scale, urban_scale, found)]
    return found


def _forget_agent_cells(reference: weakref.ref[pd.DataFrame]) -> None:
    """Drop the cached agent cells of a cell table that no longer exists."""
    if _LAST_AGENT_CELLS and _LAST_AGENT_CELLS[0][0] is reference:
        _LAST_AGENT_CELLS.clear()


@dataclass(frozen=True)
class Quantity:
    """A model quantity: one metric over a selection of cells.

    Attributes:
        metric: Name of a metric in ``migrant-health metrics`` (not the age-standardised ones
            nor the by-category shares).
        group: Cell selector (see :func:`parse_selector`).
        share_of: For a total metric only: divide by the same total in this group, which makes
            the quantity a share (e.g. migrant workers aged 21-30 among all migrant workers).
    """

    metric: str
    group: str = "all"
    share_of: str | None = None

    def __post_init__(self) -> None:
        metric = default_plan().metrics_by_name.get(self.metric)
        if metric is None:
            raise ValueError(f"unknown metric {self.metric!r}")
        if metric.name in _UNSUPPORTED or metric.by is not None:
            raise ValueError(f"metric {self.metric!r} cannot be computed from a cell selection")
        if self.share_of is not None and metric.denominator is not None:
            raise ValueError(f"share_of needs a total metric; {self.metric!r} is a ratio")
        parse_selector(self.group)
        if self.share_of is not None:
            parse_selector(self.share_of)

    @property
    def definition(self) -> Metric:
        """The metric's registry entry."""
        return default_plan().metrics_by_name[self.metric]

    @property
    def is_share(self) -> bool:
        """Whether the quantity is a proportion of binary indicators (analytic SE applies)."""
        return self.share_of is not None or self.definition.unit == "share (0-1)"

    @property
    def is_total(self) -> bool:
        """Whether the quantity is a weighted count."""
        return self.share_of is None and self.definition.denominator is None

    def describe(self) -> str:
        """``metric [group]`` or ``metric [group] / metric [share_of]``."""
        text = f"{self.metric} [{self.group}]"
        if self.share_of is not None:
            text += f" / {self.metric} [{self.share_of}]"
        return text

    def evaluate(self, run: CellRun) -> pd.DataFrame:
        """Value and analytic standard error of the quantity in every year of a run.

        The standard error treats agents as independent draws: ``sqrt(p(1-p)/n)`` for a
        share over ``n`` agents, and ``w * sqrt(k(1 - k/N))`` for a total of ``k`` agents out
        of the ``N`` agents of the group (``w`` persons per agent). It ignores the correlation
        within origin communities (chain migration), so it is a lower bound; means get NaN
        (the cells hold no sums of squares) and need replicate runs
        (:func:`replicate_se`).

        Returns:
            A frame indexed by year with columns ``value`` and ``se``.
        """
        metric = self.definition
        scale = float(run.config.scale)
        agents = _agent_cells(run)
        part = _select(agents.main, agents.tenure, self.group)
        years = agents.years
        num = _by_year(part, metric.numerator, years)
        se: pd.Series
        if self.share_of is not None:
            base = _select(agents.main, agents.tenure, self.share_of)
            den = _by_year(base, metric.numerator, years)
            n = _by_year(base, metric.numerator, years, per_agent=True)
            value = num / den.where(den > 0)
            se = (value * (1 - value) / n.where(n > 0)) ** 0.5
        elif metric.denominator is None:
            value = num
            k = _by_year(part, metric.numerator, years, per_agent=True)
            n = _by_year(part, "persons", years, per_agent=True)
            frac = (k / n.where(n > 0)).clip(0, 1)
            se = scale * (k * (1 - frac)) ** 0.5
        else:
            den = _by_year(part, metric.denominator, years)
            value = num / den.where(den > 0)
            if self.is_share:
                n = _by_year(part, metric.denominator, years, per_agent=True)
                se = ((value * (1 - value)).clip(lower=0) / n.where(n > 0)) ** 0.5
            else:
                se = pd.Series(np.nan, index=years)
        return pd.DataFrame({"value": value, "se": se}, index=years)


def _by_year(
    part: pd.DataFrame, stat: str, years: pd.Index, *, per_agent: bool = False
) -> pd.Series:
    values = part[stat] / part["_w"] if per_agent else part[stat]
    summed = values.groupby(part["year"]).sum()
    return summed.reindex(years, fill_value=0.0).astype(np.float64)


def replicate_se(
    quantities: dict[str, Quantity], runs: list[ModelRun], target_scale: float
) -> pd.DataFrame:
    """Monte Carlo standard errors from replicate runs that differ only in the seed.

    The standard deviation across seeds of each quantity in each year is rescaled to the
    target scale: with ``n`` agents, the standard error goes as ``1/sqrt(n)`` and ``n`` as
    ``1/scale``, so ``SE(target) = SD(replicates) * sqrt(target_scale / replicate_scale)``.

    Args:
        quantities: Name -> quantity.
        runs: At least two runs at one scale, with different seeds.
        target_scale: Scale of the run whose error is wanted.

    Returns:
        A frame with columns ``name, year, se``.
    """
    if len(runs) < 2:
        raise ValueError("replicate standard errors need at least two runs")
    factor = np.sqrt(target_scale / float(runs[0].config.scale))
    # Run by run, so that each run's cells are split and weighted once (_agent_cells).
    per_run = [{name: q.evaluate(run)["value"] for name, q in quantities.items()} for run in runs]
    rows = []
    for name in quantities:
        values = pd.concat([values_of_run[name] for values_of_run in per_run], axis=1)
        sd = values.std(axis=1, ddof=1) * factor
        rows += [(name, int(year), float(v)) for year, v in sd.items()]
    return pd.DataFrame(rows, columns=["name", "year", "se"])
