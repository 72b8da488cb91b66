"""The content of ``sources.yaml``: what each output file holds, how it was derived, its sources.

Each file's entry lists the shared tables and targets its derivation read (with their units,
citations and confidence) and the IDs of the assumptions it rests on; the full assumptions and
the checks follow.
"""

from __future__ import annotations

from typing import Any

from .assumptions import assumptions
from .build import Built
from .checks import checks
from .parameters import FIRST_YEAR, LAST_YEAR, MIGRANT_BANDS
from .sources import Cite, Shared, citations, target_citations


def describe(shared: Shared, built: Built) -> dict[str, Any]:
    """The content of sources.yaml."""
    y2010 = (2010, 2010)
    mx: list[Cite] = [("life_table_mx_wpp2024_national", None)]
    stock_tables: list[Cite] = [
        ("population_by_age_sex_census_national", y2010),
        ("census_population_total", y2010),
        ("census_population_rural_residence", y2010),
        ("life_table_mx_wpp2024_national", (2005, 2005)),
        ("population_by_age_sex_wpp2019_national", y2010),
        ("population_15plus_by_age_sex_longform2010_rural_residence", y2010),
        ("population_15plus_by_age_sex_longform2010_all_areas", y2010),
        ("hukou_urbanisation_rate", (2001, 2008)),
        ("hukou_type_2005_1pct_sample_agricultural", None),
        ("hukou_type_2005_1pct_sample_all", None),
    ]
    stock_targets = [
        ("nbs.outmigrant_workers (waichu)", 2008),
        ("nbs.migrant_workers_total", 2008),
        ("nbs.female_share_outmigrants", 2014),
        *[(key, 2008) for _, _, key in MIGRANT_BANDS],
        ("nbs.age_share_40_or_under", 2008),
    ]
    conv_tables: list[Cite] = [
        ("hukou_urbanisation_rate", None),
        ("resident_urbanisation_rate", (2020, 2025)),
        ("population_yearend_nbs", (2007, 2023)),
        ("births_nbs", (2009, 2023)),
        ("hukou_conversions_cumulative", None),
        ("hukou_conversion_target", None),
        ("rural_hukou_population_derived", (2008, 2008)),
        *mx,
    ]
    entrant_tables: list[Cite] = [
        ("births_wpp2024", (FIRST_YEAR + 1 - 16, LAST_YEAR - 16)),
        ("population_by_age_sex_wpp2019_national", None),
        ("population_by_age_sex_census_national", y2010),
        *mx,
        ("hukou_urbanisation_rate", None),
    ]
    mortality_tables: list[Cite] = [
        *mx,
        ("life_expectancy_e0_wpp2024", y2010),
        ("life_expectancy_e0_2000_model_rural_residence", None),
        ("life_expectancy_e0_2000_model_all", None),
    ]
    by_file = {a["id"]: a["files"] for a in assumptions(built)}

    def ids(name: str) -> list[str]:
        return [key for key, files in by_file.items() if name in files]

    person_cols = {
        "sex": "male or female",
        "age": "completed years at 31 Dec 2008, 16..100 (100 = 100+)",
        "persons": "persons",
    }
    files: dict[str, Any] = {
        "rural_hukou_2008.csv": {
            "description": "Rural-hukou (agricultural hukou) persons aged 16+ at 31 Dec 2008, "
            "by sex and single year of age: the model's starting stock.",
            "unit": "persons",
            "columns": person_cols,
            "derivation": "2010 census single-year counts shifted back two years (A1, A2) = the "
            "national stock N(a); times h(a), the agricultural-hukou share by age and sex, "
            "whose all-age mean is 1 - 0.3328 (the 2008 hukou rate) over a population with the "
            "child under-count corrected. h = 2010 long-form rural-residence share + out-migrant "
            "workers per capita + a constant by sex for ages 16+ (A3-A6, A8), a single "
            "birth-year-floor share for ages 0-15 (A7).",
            "sources": citations(shared, stock_tables) + target_citations(shared, stock_targets),
            "assumptions": ids("rural_hukou_2008.csv"),
        },
        "urban_hukou_2008.csv": {
            "description": "Urban-hukou persons aged 16+ at 31 Dec 2008 (national minus rural "
            "hukou), by sex and age: the reference sample of urban locals.",
            "unit": "persons",
            "columns": person_cols,
            "derivation": "N(a) x (1 - h(a)), the complement of rural_hukou_2008.csv.",
            "sources": "as rural_hukou_2008.csv",
            "assumptions": ids("urban_hukou_2008.csv"),
        },
        "entrants.csv": {
            "description": "Rural-hukou persons turning 16 in each year 2009-2035 (born in year "
            "- 16), by sex.",
            "unit": "persons",
            "columns": {"year": "2009..2035", "sex": "male or female", "persons": "persons"},
            "derivation": "WPP2024 births of year - 16 x male/female share x survival to 16 x "
            "rural-hukou share at 16 (A18-A20, A7, A12, A15, A16).",
            "sources": citations(shared, entrant_tables),
            "assumptions": ids("entrants.csv"),
        },
        "mortality.csv": {
            "description": "Annual death probability of rural-hukou persons by year, sex and age.",
            "unit": "probability of dying within the calendar year",
            "columns": {
                "year": "2008..2035",
                "sex": "male or female",
                "age": "16..100 (100 = 100+)",
                "qx": "1 - exp(-mx)",
            },
            "derivation": "WPP2024 national mx interpolated in time and age (A9), times the "
            "rural factor k(t, sex) (A10).",
            "sources": citations(shared, mortality_tables),
            "assumptions": ids("mortality.csv"),
        },
        "mortality_national.csv": {
            "description": "The national schedule mortality.csv is scaled from (k = 1); for "
            "comparisons and for urban locals if no urban schedule is preferred.",
            "unit": "probability of dying within the calendar year",
            "columns": {
                "year": "2008..2035",
                "sex": "male or female",
                "age": "16..100 (100 = 100+)",
                "qx": "1 - exp(-mx)",
            },
            "derivation": "WPP2024 national mx interpolated in time and age (A9).",
            "sources": citations(shared, mx),
            "assumptions": ids("mortality_national.csv"),
        },
        "hukou_conversions.csv": {
            "description": "Rural -> urban hukou conversions of persons aged 16+ by year, and "
            "the rate on the rural-hukou 16+ stock.",
            "unit": "persons; rate = share of the stock at the start of the year",
            "columns": {
                "year": "2009..2035",
                "persons_16plus": "conversions of persons aged 16+ in the year",
                "rate": "persons_16plus / rural_16plus_at_start",
                "persons_all_ages": "all-age conversions (informative)",
                "rural_16plus_at_start": "projected rural-hukou 16+ stock at 1 Jan (A17)",
                "hukou_rate_pct": "official hukou urbanisation rate (interpolated/extrapolated)",
                "hukou_rate_bridged_pct": "the same without the 2015 definitional jump",
            },
            "derivation": "conversions = R(t-1) + rural births - rural deaths - R(t) with R = "
            "P x (1 - bridged hukou rate) (DEMOGRAPHY.md), in the form of A14; x the adult "
            "share (A16); divided by the projected 16+ stock (A17).",
            "sources": citations(shared, conv_tables),
            "assumptions": ids("hukou_conversions.csv"),
        },
        "standard_population.csv": {
            "description": "National population aged 16+ of the 2010 census by broad age band, "
            "both sexes: the standard for age-standardising health gaps.",
            "unit": "persons (census of 1 Nov 2010, excluding servicemen and persons of "
            "undetermined residence)",
            "columns": {"age_band": "16-20, 21-30, 31-40, 41-50, 51-60, 61+", "persons": "persons"},
            "derivation": "Sum of population_by_age_sex_census_national (2010) over sexes and "
            "the band's ages.",
            "sources": citations(shared, [("population_by_age_sex_census_national", y2010)]),
            "assumptions": ids("standard_population.csv"),
        },
        "calibration_targets.csv": {
            "description": "Calibration targets (NBS migrant-worker reports, literature), "
            "copied unchanged from the shared data, followed by the rows of validity_targets.csv "
            "adopted as targets (tools/demography/validity.py; their population and definition "
            "are appended to the source); each row carries its source and confidence. "
            "Some value cells are ranges (e.g. 26-49) or empty.",
            "unit": "per row (unit column)",
            "columns": {
                "key": "",
                "year": "",
                "value": "",
                "unit": "",
                "source": "",
                "confidence": "confirmed / approximate / unconfirmed",
            },
            "derivation": "copy, then the adopted validity rows",
            "sources": "per row",
            "assumptions": [],
        },
        "validity_keys.csv": {
            "description": "How each key of the shared validity_targets.csv is used: as a "
            "calibration target, by a test, or not comparable (with the reason). Kept by hand "
            "with docs/calibration.md section 9 (not built by this script); "
            "tests/test_validity_mapping.py holds the two together.",
            "unit": "none",
            "columns": {
                "key": "validity_targets.csv key",
                "years": "years of the rows",
                "status": "target / test / not_comparable",
                "maps_to": "target key or test file",
                "reason": "the model quantity compared, or why none is",
            },
            "derivation": "kept by hand",
            "sources": "validity_targets.csv (shared data folder)",
            "assumptions": [],
        },
    }
    return {
        "about": "Demographic inputs of migrant_health, built by tools/build_demography.py from "
        "the shared data folder (demography.csv and calibration_targets.csv, documented in its "
        "DEMOGRAPHY.md and README.md). Re-run the script to rebuild; do not edit the CSV files "
        "by hand.",
        "conventions": "Stocks are at 31 Dec; flows happen during the year. Ages are completed "
        "years and 100 means 100+. The model keeps the pre-2015 (agricultural hukou) "
        "definition of rural hukou throughout (A12).",
        "files": files,
        "assumptions": assumptions(built),
        "checks": checks(shared, built),
    }
