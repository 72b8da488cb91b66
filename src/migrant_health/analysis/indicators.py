"""Indicators of urban integration and the dimension each belongs to (seed section 2.2).

This table is the single definition of what the integration index measures. Simulation agents are
mapped to the same items, so a simulated and a surveyed migrant are scored alike. Every indicator
is put on [0, 1] by min-max normalisation over fixed, documented bounds (``low``, ``high``; not
the sample's), with ``direction`` +1 when more means more integrated (-1 reverses an item).

================  ==========================  ===========================================  ========
dimension         indicator                   from the schema                              bounds
================  ==========================  ===========================================  ========
economic          stable_job                  employed with a labour contract, or an       0-1
                                              employer / own-account worker
economic          relative_income             monthly_income / reference income (capped 2) 0-2
economic          housing_tenure              housing: owned 3, public rental 2, private   0-3
                                              rental or employer-provided 1, informal or
                                              other 0
social            dest_medical_insurance      med_insurance in the destination (urban      0-1
                                              resident or urban employee scheme)
social            pension_insurance           pension_insurance                            0-1
social            health_record               health_record                                0-1
social            local_friends               local_friends                                0-1
social            community_participation     community_participation                      0-1
cultural          local_dialect               speaks_local_dialect                         0-3
cultural          local_customs               follows_local_customs                        1-4
identity          residence_permit            residence_permit                             0-1
identity          feels_local                 feels_local                                  1-4
identity          accepted_by_locals          locals_accept_me                             1-4
identity          willing_to_stay             willing_to_stay                              0-1
================  ==========================  ===========================================  ========

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

HOUSING_TENURE = MappingProxyType(
    {
        "owned": 3.0,
        "public_rental": 2.0,
        "private_rental": 1.0,
        "employer_provided": 1.0,
        "informal": 0.0,
        "other": 0.0,
    }
)
DEST_INSURANCE = frozenset({"urban_resident_dest", "urban_employee_dest"})
RELATIVE_INCOME_CAP = 2.0


@dataclass(frozen=True)
class Indicator:
    """One indicator of integration.

    Attributes:
        name: Indicator name.
        dimension: ``economic``, ``social``, ``cultural`` or ``identity``.
        columns: Schema columns it is computed from.
        low: Value mapped to 0 (before applying the direction).
        high: Value mapped to 1.
        direction: +1 if a higher raw value means more integration, -1 otherwise.
        description: What it measures.
    """

    name: str
    dimension: str
    columns: tuple[str, ...]
    low: float
    high: float
    direction: int
    description: str


#: The indicator -> dimension table (see the module docstring).
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "stable_job",
        "economic",
        ("employed", "labor_contract", "employment_type"),
        0,
        1,
        1,
        "employed with a labour contract, or an employer or own-account worker",
    ),
    Indicator(
        "relative_income",
        "economic",
        ("monthly_income", "survey_year", "employed"),
        0,
        RELATIVE_INCOME_CAP,
        1,
        "monthly income relative to a reference, capped at twice it",
    ),
    Indicator("housing_tenure", "economic", ("housing",), 0, 3, 1, "security of housing tenure"),
    Indicator(
        "dest_medical_insurance",
        "social",
        ("med_insurance",),
        0,
        1,
        1,
        "medical insurance held in the destination city",
    ),
    Indicator(
        "pension_insurance",
        "social",
        ("pension_insurance",),
        0,
        1,
        1,
        "pension insurance in the destination",
    ),
    Indicator(
        "health_record",
        "social",
        ("health_record",),
        0,
        1,
        1,
        "resident health record in the destination community",
    ),
    Indicator("local_friends", "social", ("local_friends",), 0, 1, 1, "leisure mostly with locals"),
    Indicator(
        "community_participation",
        "social",
        ("community_participation",),
        0,
        1,
        1,
        "takes part in local community activities",
    ),
    Indicator(
        "local_dialect",
        "cultural",
        ("speaks_local_dialect",),
        0,
        3,
        1,
        "command of the local dialect",
    ),
    Indicator(
        "local_customs",
        "cultural",
        ("follows_local_customs",),
        1,
        4,
        1,
        "follows local customs and habits",
    ),
    Indicator(
        "residence_permit",
        "identity",
        ("residence_permit",),
        0,
        1,
        1,
        "holds the destination's residence permit",
    ),
    Indicator("feels_local", "identity", ("feels_local",), 1, 4, 1, "feels a local"),
    Indicator(
        "accepted_by_locals",
        "identity",
        ("locals_accept_me",),
        1,
        4,
        1,
        "feels accepted by locals",
    ),
    Indicator(
        "willing_to_stay",
        "identity",
        ("willing_to_stay",),
        0,
        1,
        1,
        "intends to stay in the city long term",
    ),
)

INDICATOR_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(c for ind in INDICATORS for c in ind.columns)
)


def _stable_job(data: pd.DataFrame) -> np.ndarray:
    employed = as_float(data["employed"])
    contract = as_float(data["labor_contract"])
    kind = data["employment_type"].astype("string").str.lower()
    own = kind.isin(["employer", "own_account"]).fillna(False).to_numpy(dtype=bool)
    stable = np.where(own | (contract == 1), 1.0, 0.0)
    stable = np.where(np.isnan(contract) & ~own & (employed == 1), np.nan, stable)
    return np.where(employed == 0, 0.0, np.where(np.isnan(employed), np.nan, stable))


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
        "stable_job": _stable_job,
        "relative_income": lambda d: _relative_income(d, reference),
        "housing_tenure": lambda d: d["housing"].map(dict(HOUSING_TENURE)).to_numpy(dtype=float),
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
