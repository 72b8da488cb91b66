"""The canonical survey schema: one row per respondent, CMDS-like columns.

Every reader, the validator, the integration index and the estimators speak these column names.
A real file with other names is brought onto them by a column map
(:mod:`migrant_health.survey.columnmap`). ``docs/survey.md`` documents the same table for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Kind = Literal["id", "int", "float", "bool", "category", "text"]

#: Codes of the ordinal items, used as value labels when writing Stata and SPSS files.
EDUCATION_LABELS = {
    0: "none",
    1: "primary",
    2: "junior high",
    3: "senior high or vocational",
    4: "college and above",
}
DIALECT_LABELS = {
    0: "cannot understand",
    1: "understands, cannot speak",
    2: "speaks some",
    3: "speaks fluently",
}
AGREE_LABELS = {1: "strongly disagree", 2: "disagree", 3: "agree", 4: "strongly agree"}
SRH_LABELS_5 = {1: "very poor", 2: "poor", 3: "fair", 4: "good", 5: "very good"}
SRH_LABELS_4 = {1: "cannot care for self", 2: "unhealthy", 3: "basically healthy", 4: "healthy"}
TIER_LABELS = {1: "first tier", 2: "second tier", 3: "third tier", 4: "fourth tier and below"}


@dataclass(frozen=True)
class Column:
    """One canonical column.

    Attributes:
        name: Column name in the schema.
        kind: ``id`` (unique, never missing), ``int``, ``float``, ``bool`` (0/1, true/false),
            ``category`` (one of ``codes``) or ``text`` (free text).
        description: What the column measures, in the field's words.
        required: Whether a full survey file must have the column (missing values may still be
            allowed, see ``nullable``).
        nullable: Whether a respondent may have no value (e.g. job items of the non-employed).
        low: Smallest allowed value (numeric kinds).
        high: Largest allowed value (numeric kinds).
        codes: Allowed values of a ``category`` column.
        labels: Value labels of coded integer columns (kept in ``.dta``/``.sav`` files).
    """

    name: str
    kind: Kind
    description: str
    required: bool = True
    nullable: bool = True
    low: float | None = None
    high: float | None = None
    codes: tuple[str, ...] = ()
    labels: Mapping[int, str] = field(default_factory=dict)


MED_INSURANCE_CODES = (
    "none",
    "rural_origin",
    "urban_resident_dest",
    "urban_employee_dest",
    "other",
)
EMPLOYMENT_TYPE_CODES = ("employee", "employer", "own_account", "family_helper", "other")
HOUSING_CODES = (
    "owned",
    "public_rental",
    "private_rental",
    "employer_provided",
    "informal",
    "other",
)
MIGRATION_STATUS_CODES = ("current", "returned", "never")

_COLUMNS: tuple[Column, ...] = (
    # identification and design
    Column("id", "id", "Respondent identifier, unique in the file", nullable=False),
    Column("survey_year", "int", "Year of the survey wave", nullable=False, low=1980, high=2100),
    Column("weight", "float", "Sampling (probability) weight", required=False, low=0.0),
    Column("strata", "text", "Sampling stratum (design-based standard errors)", required=False),
    Column("psu", "text", "Primary sampling unit (design-based standard errors)", required=False),
    # demographics and migration history
    Column("age", "int", "Age in completed years", nullable=False, low=15, high=100),
    Column("sex", "category", "Sex", nullable=False, codes=("male", "female")),
    Column(
        "education",
        "int",
        "Highest education: 0 none, 1 primary, 2 junior high, 3 senior high or vocational, "
        "4 college and above",
        low=0,
        high=4,
        labels=EDUCATION_LABELS,
    ),
    Column("origin_province", "text", "Province of hukou registration (origin)"),
    Column("dest_city", "text", "Destination city (where the respondent lives and works)"),
    Column(
        "dest_city_tier",
        "int",
        "Tier of the destination city, 1 (Beijing, Shanghai, ...) to 4 (fourth tier and below)",
        low=1,
        high=4,
        labels=TIER_LABELS,
    ),
    Column("cross_province", "bool", "Migrated across a provincial border"),
    Column("years_in_city", "float", "Years since arrival in the destination city", low=0, high=85),
    # employment and income (economic integration)
    Column("employed", "bool", "Worked for pay in the week before the survey"),
    Column(
        "employment_type",
        "category",
        "Employment status of the employed",
        codes=EMPLOYMENT_TYPE_CODES,
    ),
    Column("labor_contract", "bool", "Employee with a signed labour contract (fixed or open term)"),
    Column("sector", "text", "Industry of the main job (free text or code)"),
    Column("monthly_income", "float", "Monthly income from work, yuan", low=0, high=1e7),
    Column("weekly_hours", "float", "Hours worked in the last week", low=0, high=168),
    Column("housing", "category", "Housing in the destination city", codes=HOUSING_CODES),
    # insurance and services (social integration)
    Column(
        "med_insurance",
        "category",
        "Main medical insurance and where it is held: none, rural scheme in the origin "
        "(NCMS/urban-rural resident insurance at the hukou place), urban resident or urban "
        "employee insurance in the destination, other",
        codes=MED_INSURANCE_CODES,
    ),
    Column("pension_insurance", "bool", "Enrolled in a pension scheme in the destination city"),
    Column("health_record", "bool", "Has a resident health record in the destination community"),
    Column("residence_permit", "bool", "Holds a residence permit (居住证) of the destination city"),
    Column("local_friends", "bool", "Spends leisure time mostly with locals (destination hukou)"),
    Column(
        "community_participation",
        "bool",
        "Took part in a community, union or volunteer activity in the destination last year",
    ),
    # culture and identity
    Column(
        "speaks_local_dialect",
        "int",
        "Command of the local dialect: 0 cannot understand ... 3 speaks fluently",
        low=0,
        high=3,
        labels=DIALECT_LABELS,
    ),
    Column(
        "follows_local_customs",
        "int",
        "Agrees that they follow local customs and habits, "
        "1 strongly disagree ... 4 strongly agree",
        low=1,
        high=4,
        labels=AGREE_LABELS,
    ),
    Column(
        "feels_local",
        "int",
        "Agrees 'I feel I am already a local', 1 strongly disagree ... 4 strongly agree",
        low=1,
        high=4,
        labels=AGREE_LABELS,
    ),
    Column(
        "locals_accept_me",
        "int",
        "Agrees 'locals are willing to accept me', 1 strongly disagree ... 4 strongly agree",
        low=1,
        high=4,
        labels=AGREE_LABELS,
    ),
    Column("willing_to_stay", "bool", "Intends to stay in the destination city long term"),
    # mechanisms and health
    Column(
        "social_support",
        "float",
        "Social support score (scale named in the metadata, higher is more support)",
        low=0,
    ),
    Column(
        "srh",
        "int",
        "Self-rated health, ordinal, highest = best (5 levels by default, 5 = very good; "
        "the 4-level CMDS item when the column map declares srh_levels: 4)",
        low=1,
        labels=SRH_LABELS_5,
    ),
    Column(
        "depression_score",
        "float",
        "Depressive-symptom score, higher is worse (scale and range named in the metadata)",
        low=0,
    ),
    Column("bmi", "float", "Body-mass index, kg/m2", low=10, high=70),
    Column("chronic", "bool", "Has a doctor-diagnosed chronic disease"),
    # selection models
    Column(
        "migration_status",
        "category",
        "current out-migrant, returned migrant, or never migrated (origin surveys)",
        required=False,
        codes=MIGRATION_STATUS_CODES,
    ),
)

#: The schema: column name -> :class:`Column`, in documentation order.
SCHEMA: Mapping[str, Column] = MappingProxyType({c.name: c for c in _COLUMNS})

#: Columns a full survey file must have.
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in _COLUMNS if c.required)

#: Columns that describe the sampling design rather than the respondent.
DESIGN_COLUMNS: tuple[str, ...] = ("weight", "strata", "psu")
