"""Indicators of urban integration and the dimension each belongs to (seed section 2.2).

:data:`INDICATORS` is the one item-to-dimension map of the integration index, used by both sides:
the survey index groups its indicators by it, and the synthetic survey
(:mod:`migrant_health.experiments.synthetic_survey`) answers each item from the simulated state
it names here, so a simulated and a surveyed migrant are scored alike. Every item is one the
simulation's own dimension scores are built from (``docs/model.md`` section 7.6), as far as a
survey has it, so the index measures the simulation's construct with the simulation's items. The
map is documented once, as a table, in ``docs/survey.md`` section 4 ("Integration index").

Every indicator is put on [0, 1] by min-max normalisation over fixed, documented bounds
(``low``, ``high``; not the sample's), with ``direction`` +1 when more means more integrated
(-1 reverses an item).

Survey items that bear on integration but are not part of it in the simulation stay out of the
index (:data:`OUTSIDE_THE_INDEX`): ``willing_to_stay`` is an outcome of integration,
``residence_permit`` one of its causes (it raises the simulated identity target) and
``health_record`` a use of public health services. They remain survey columns for the
estimators.

The reference income is, by default, the median monthly income of the employed respondents of
the same survey year (so the indicator measures a migrant's income relative to peers); pass a
number (e.g. the destination's average wage) or a column name to use another reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from migrant_health.analysis.frame import as_float

DIMENSIONS = ("economic", "social", "cultural", "identity")

DEST_INSURANCE = frozenset({"urban_resident_dest", "urban_employee_dest"})
RELATIVE_INCOME_CAP = 2.0
#: Schema columns an indicator reads besides its items (context, not a measure of integration).
CONTEXT_COLUMNS = frozenset({"survey_year"})


@dataclass(frozen=True)
class Indicator:
    """One indicator of integration.

    Attributes:
        name: Indicator name.
        dimension: ``economic``, ``social``, ``cultural`` or ``identity``.
        columns: Schema columns it is computed from (its item first).
        low: Value mapped to 0 (before applying the direction).
        high: Value mapped to 1.
        direction: +1 if a higher raw value means more integration, -1 otherwise.
        description: What it measures.
        simulated: The snapshot column (simulated state) the synthetic survey answers the item
            from; for the agreement items, the simulated score of the indicator's dimension.
    """

    name: str
    dimension: str
    columns: tuple[str, ...]
    low: float
    high: float
    direction: int
    description: str
    simulated: str


#: The indicator -> dimension table (see the module docstring): the one item-to-dimension map.
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "formal_job",
        "economic",
        ("labor_contract", "employed"),
        0,
        1,
        1,
        "employed with a labour contract (0 if not employed)",
        "job",
    ),
    Indicator(
        "relative_income",
        "economic",
        ("monthly_income", "survey_year", "employed"),
        0,
        RELATIVE_INCOME_CAP,
        1,
        "monthly income relative to a reference, capped at twice it",
        "income",
    ),
    Indicator(
        "home_ownership",
        "economic",
        ("housing",),
        0,
        1,
        1,
        "owns the home in the destination city",
        "savings",
    ),
    Indicator(
        "dest_medical_insurance",
        "social",
        ("med_insurance",),
        0,
        1,
        1,
        "medical insurance held in the destination city",
        "insurance",
    ),
    Indicator(
        "pension_insurance",
        "social",
        ("pension_insurance",),
        0,
        1,
        1,
        "pension insurance in the destination",
        "job",
    ),
    Indicator(
        "local_friends",
        "social",
        ("local_friends",),
        0,
        1,
        1,
        "leisure mostly with locals",
        "local_ties",
    ),
    Indicator(
        "community_participation",
        "social",
        ("community_participation",),
        0,
        1,
        1,
        "takes part in local community activities",
        "local_ties",
    ),
    Indicator(
        "local_dialect",
        "cultural",
        ("speaks_local_dialect",),
        0,
        3,
        1,
        "command of the local dialect",
        "integration_cultural",
    ),
    Indicator(
        "local_customs",
        "cultural",
        ("follows_local_customs",),
        1,
        4,
        1,
        "follows local customs and habits",
        "integration_cultural",
    ),
    Indicator(
        "feels_local",
        "identity",
        ("feels_local",),
        1,
        4,
        1,
        "feels a local",
        "integration_identity",
    ),
    Indicator(
        "accepted_by_locals",
        "identity",
        ("locals_accept_me",),
        1,
        4,
        1,
        "feels accepted by locals",
        "integration_identity",
    ),
)

INDICATOR_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(c for ind in INDICATORS for c in ind.columns)
)

#: Survey item -> dimension, for every schema column an indicator measures (the map above).
ITEM_DIMENSIONS: MappingProxyType[str, str] = MappingProxyType(
    {c: ind.dimension for ind in INDICATORS for c in ind.columns if c not in CONTEXT_COLUMNS}
)

#: Survey items about integration that the index leaves out, and why (module docstring).
OUTSIDE_THE_INDEX: MappingProxyType[str, str] = MappingProxyType(
    {
        "willing_to_stay": "an outcome of integration (the simulated stay intention)",
        "residence_permit": "a cause of identity (raises the simulated identity target)",
        "health_record": "use of public health services (the care module's health record)",
    }
)


def indicator_of(item: str) -> Indicator:
    """The indicator whose item (first column) is ``item``.

    Raises:
        KeyError: If no indicator measures ``item``.
    """
    for ind in INDICATORS:
        if ind.columns[0] == item:
            return ind
    raise KeyError(f"no indicator measures '{item}'")


def _formal_job(data: pd.DataFrame) -> np.ndarray:
    employed = as_float(data["employed"])
    contract = as_float(data["labor_contract"])
    return np.where(employed == 0, 0.0, np.where(np.isnan(employed), np.nan, contract))


def _home_ownership(data: pd.DataFrame) -> np.ndarray:
    housing = data["housing"]
    return np.where(housing.isna(), np.nan, housing.eq("owned")).astype(float)


def reference_income(data: pd.DataFrame, reference: float | str | None) -> np.ndarray:
    """Reference income of each respondent (see the module docstring)."""
    if isinstance(reference, int | float):
        return np.full(len(data), float(reference))
    if isinstance(reference, str):
        return as_float(data[reference])
    income = pd.Series(as_float(data["monthly_income"]), index=data.index)
    employed = as_float(data["employed"]) == 1
    working = income.where(employed & (income > 0))
    medians = working.groupby(data["survey_year"]).transform("median")
    return medians.fillna(working.median()).to_numpy(dtype=float)


def _relative_income(data: pd.DataFrame, reference: float | str | None) -> np.ndarray:
    income = as_float(data["monthly_income"])
    employed = as_float(data["employed"])
    income = np.where(np.isnan(income) & (employed == 0), 0.0, income)
    with np.errstate(divide="ignore", invalid="ignore"):
        return income / reference_income(data, reference)


def _raw_values(
    indicator: Indicator, data: pd.DataFrame, reference: float | str | None
) -> np.ndarray:
    special: dict[str, Callable[[pd.DataFrame], np.ndarray]] = {
        "formal_job": _formal_job,
        "relative_income": lambda d: _relative_income(d, reference),
        "home_ownership": _home_ownership,
        "dest_medical_insurance": lambda d: np.where(
            d["med_insurance"].isna(), np.nan, d["med_insurance"].isin(DEST_INSURANCE)
        ).astype(float),
    }
    if indicator.name in special:
        return special[indicator.name](data)
    return as_float(data[indicator.columns[0]])


def compute_indicators(
    data: pd.DataFrame, income_reference: float | str | None = None
) -> pd.DataFrame:
    """All indicators of :data:`INDICATORS`, each on [0, 1] (missing where its items are).

    Args:
        data: A validated survey table with the indicator columns.
        income_reference: Reference income (number or column); default the survey-year median.
    """
    out = {}
    for ind in INDICATORS:
        raw = _raw_values(ind, data, income_reference)
        scaled = np.clip((raw - ind.low) / (ind.high - ind.low), 0.0, 1.0)
        out[ind.name] = scaled if ind.direction > 0 else 1.0 - scaled
    return pd.DataFrame(out, index=data.index)
