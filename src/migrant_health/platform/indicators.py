"""Indicators of a wave per subgroup, with design-based standard errors.

Each indicator is a (weighted) mean of a per-respondent value: the four integration dimension
scores and the composite index (``analysis.index``, equal weights), the shares in each stage of
integration, poor self-rated health (the lowest two levels of the wave's scale), depressive
symptoms (the wave's instrument at its cut-off, :mod:`.instruments`), medical insurance held at
the destination, a health record and the intention to stay.

A subgroup's estimate is a domain mean ``Σ w y / Σ w`` over its respondents with a value. Its
standard error is the Taylor linearisation of ``analysis.design.linearized_vcov`` with the
domain's scores set to zero outside it (the correct domain variance: every PSU counts, also one
without members of the domain). Without weights, strata or PSUs the wave counts each respondent
as its own PSU with weight 1.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from migrant_health.analysis.design import linearized_vcov
from migrant_health.analysis.index import add_integration_index
from migrant_health.analysis.indicators import DEST_INSURANCE, DIMENSIONS
from migrant_health.analysis.stages import STAGES
from migrant_health.errors import DataError
from migrant_health.params import ParameterTree
from migrant_health.platform.instruments import instrument_of
from migrant_health.survey import SurveyMeta


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator as the pages show it."""

    name: str
    label: str
    unit: str


INDICATORS: tuple[IndicatorSpec, ...] = (
    *(
        IndicatorSpec(f"{d}_integration", f"{d.capitalize()} integration", "score 0-1")
        for d in DIMENSIONS
    ),
    IndicatorSpec("integration", "Integration index", "score 0-1"),
    *(IndicatorSpec(f"stage_{s}", f"Stage: {s}", "share") for s in STAGES),
    IndicatorSpec("poor_health", "Poor self-rated health", "share"),
    IndicatorSpec("depressive_symptoms", "Depressive symptoms (screen positive)", "share"),
    IndicatorSpec("dest_insurance", "Medical insurance at destination", "share"),
    IndicatorSpec("health_record", "Health record at destination", "share"),
    IndicatorSpec("willing_to_stay", "Intends to stay", "share"),
)
INDICATOR_NAMES = tuple(i.name for i in INDICATORS)

#: Subgroup breakdowns and their groups, in display order.
SUBGROUPS: dict[str, tuple[str, ...]] = {
    "all": ("all",),
    "sex": ("male", "female"),
    "age_band": ("15-29", "30-44", "45-59", "60+"),
    "education": ("primary or less", "junior high", "senior high", "college+"),
    "years_in_city": ("<2", "2-4", "5-9", "10+"),
}


def _bands(values: pd.Series, edges: list[float], labels: tuple[str, ...]) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return pd.cut(numbers, [-np.inf, *edges, np.inf], right=False, labels=list(labels)).astype(
        object
    )


def subgroup_labels(table: pd.DataFrame) -> pd.DataFrame:
    """Each respondent's group in every breakdown of :data:`SUBGROUPS` (missing if unknown)."""
    education = pd.to_numeric(table["education"], errors="coerce").astype(float)
    return pd.DataFrame(
        {
            "all": "all",
            "sex": table["sex"].astype(object),
            "age_band": _bands(table["age"], [30, 45, 60], SUBGROUPS["age_band"]),
            "education": _bands(education, [2, 3, 4], SUBGROUPS["education"]),
            "years_in_city": _bands(table["years_in_city"], [2, 5, 10], SUBGROUPS["years_in_city"]),
        },
        index=table.index,
    )


def _share(mask: pd.Series, present: pd.Series) -> np.ndarray:
    return np.where(present.to_numpy(dtype=bool), mask.to_numpy(dtype=float), np.nan)


@functools.cache
def _parameters() -> ParameterTree:
    """The package's parameter tree (cut-points and weights of the index), read once."""
    return ParameterTree.load()


def respondent_values(table: pd.DataFrame, meta: SurveyMeta) -> pd.DataFrame:
    """Each respondent's value of every indicator (NaN where it is missing)."""
    # A wave without one dimension's items is stored: its other indicators still count.
    scored = add_integration_index(
        table, method="equal", tree=_parameters(), allow_empty_dimensions=True
    )
    out = pd.DataFrame(index=table.index)
    for name in (*(f"{d}_integration" for d in DIMENSIONS), "integration"):
        out[name] = scored[name].astype(float)
    for stage in STAGES:
        out[f"stage_{stage}"] = _share(scored["stage"] == stage, scored["stage"].notna())
    srh = pd.to_numeric(table["srh"], errors="coerce").astype(float)
    out["poor_health"] = _share(srh <= 2, srh.notna())
    instrument = instrument_of(meta.depression_scale)
    score = pd.to_numeric(table["depression_score"], errors="coerce").astype(float)
    out["depressive_symptoms"] = (
        _share(score >= instrument.cutoff, score.notna()) if instrument else np.nan
    )
    insurance = table["med_insurance"]
    out["dest_insurance"] = _share(insurance.isin(DEST_INSURANCE), insurance.notna())
    for name in ("health_record", "willing_to_stay"):
        values = table[name].astype("boolean")
        out[name] = _share(values.fillna(False), values.notna())
    return out


def design_of(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, str]:
    """Weights, strata, PSUs of a wave and a note saying which were used."""
    n = len(table)
    has = {c: c in table.columns and table[c].notna().all() for c in ("weight", "strata", "psu")}
    weights = table["weight"].to_numpy(dtype=float) if has["weight"] else np.ones(n)
    strata = table["strata"].astype(str).to_numpy() if has["strata"] else None
    psu = table["psu"].astype(str).to_numpy() if has["psu"] else None
    used = [c for c in ("weight", "strata", "psu") if has[c]]
    note = "design-based (" + ", ".join(used) + ")" if used else "simple random sample"
    return weights, strata, psu, note


def domain_means(
    values: np.ndarray,
    groups: pd.Series,
    labels: tuple[str, ...],
    weights: np.ndarray,
    strata: np.ndarray | None,
    psu: np.ndarray | None,
) -> pd.DataFrame:
    """Domain (subgroup) means and linearised standard errors of one indicator.

    Args:
        values: Each respondent's value (NaN: no value, out of every domain).
        groups: Each respondent's group.
        labels: The groups (domains) to estimate, in order.
        weights: Probability weights.
        strata: Stratum of each respondent (``None``: one stratum).
        psu: PSU of each respondent (``None``: each respondent is one).

    Returns:
        One row per group: group, n, weight_sum, estimate, se.
    """
    member = np.column_stack([(groups == g).to_numpy(dtype=bool) for g in labels])
    frame = _domains(values, member, weights, strata, psu).assign(group=list(labels))
    return frame[["group", "n", "weight_sum", "estimate", "se"]]


def _domains(
    values: np.ndarray,
    member: np.ndarray,
    weights: np.ndarray,
    strata: np.ndarray | None,
    psu: np.ndarray | None,
) -> pd.DataFrame:
    """n, weight sum, mean and linearised SE of ``values`` in each domain (column of
    ``member``), all domains in one pass over the PSUs."""
    present = ~np.isnan(values)
    member = member & present[:, None]
    w = weights[:, None] * member
    weight_sum = w.sum(axis=0)
    y = np.where(present, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (w * y[:, None]).sum(axis=0) / weight_sum
        scores = np.where(member, w * (y[:, None] - mean) / weight_sum, 0.0)
    scores = np.nan_to_num(scores)
    variance = np.diag(linearized_vcov(scores, np.eye(member.shape[1]), psu, strata))
    n = member.sum(axis=0)
    return pd.DataFrame(
        {
            "n": n,
            "weight_sum": weight_sum,
            "estimate": np.where(n > 0, mean, np.nan),
            "se": np.where(n > 1, np.sqrt(np.maximum(variance, 0.0)), np.nan),
        }
    )


def wave_indicators(table: pd.DataFrame, meta: SurveyMeta) -> tuple[pd.DataFrame, str]:
    """Every indicator of a validated wave in every subgroup.

    Returns:
        The cells (indicator, subgroup, group, n, weight_sum, estimate, se) and the design
        note (which of weight, strata, PSU the standard errors use).
    """
    values = respondent_values(table, meta)
    groups = subgroup_labels(table)
    weights, strata, psu, note = design_of(table)
    try:
        linearized_vcov(np.zeros((len(table), 1)), np.eye(1), psu, strata)
    except DataError:
        # A stratum with one PSU: its variance cannot be estimated; collapse the strata.
        strata, note = None, note.replace("strata, ", "") + "; strata collapsed (one PSU)"
    # Every group of every breakdown is a domain: one pass over the PSUs per indicator.
    keys = [(subgroup, g) for subgroup, labels in SUBGROUPS.items() for g in labels]
    member = np.column_stack([(groups[subgroup] == g).to_numpy(dtype=bool) for subgroup, g in keys])
    cells = []
    for name in INDICATOR_NAMES:
        frame = _domains(values[name].to_numpy(dtype=float), member, weights, strata, psu)
        cells.append(
            frame.assign(indicator=name, subgroup=[k[0] for k in keys], group=[k[1] for k in keys])
        )
    out = pd.concat(cells, ignore_index=True)
    return out[["indicator", "subgroup", "group", "n", "weight_sum", "estimate", "se"]], note
