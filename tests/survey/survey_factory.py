"""Synthetic survey tables with known structure, for the survey tests (not the package's synth).

``simulate_survey`` draws a full-schema table in which a latent integration propensity drives
the integration items, so the index, validation and readers have realistic input.
``origin_and_destination_survey`` draws current, returned and never-migrated respondents with
healthy-migrant selection and, if asked, salmon-bias return.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special


def simulate_survey(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """A valid survey table (every schema column) of ``n`` current out-migrants."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 61, n)
    sex = rng.choice(["male", "female"], n)
    education = rng.choice(5, n, p=[0.03, 0.17, 0.45, 0.22, 0.13])
    years = np.minimum(rng.gamma(2.0, 3.0, n).round(1), age - 16)
    u = 0.3 * (education - 2) + 0.08 * years + rng.normal(0, 1, n)  # latent integration

    def yes(shift: float) -> np.ndarray:
        return rng.random(n) < special.expit(u + shift)

    def likert(low: int, high: int, shift: float = 0.0) -> np.ndarray:
        latent = u + shift + rng.logistic(0, 1, n)
        cuts = np.linspace(-1.5, 1.5, high - low)
        return low + np.searchsorted(cuts, latent)

    employed = rng.random(n) < 0.9
    contract = np.where(employed, yes(0.2), False)
    income = np.where(employed, np.exp(8.3 + 0.15 * u + rng.normal(0, 0.4, n)), 0.0).round()
    housing = np.where(
        yes(-2.0), "owned", rng.choice(["private_rental", "employer_provided", "informal"], n)
    )
    insurance = np.where(
        yes(-0.5),
        rng.choice(["urban_employee_dest", "urban_resident_dest"], n),
        rng.choice(["rural_origin", "none"], n, p=[0.85, 0.15]),
    )
    tier = rng.integers(1, 5, n)
    city = np.array([f"city{t}{k}" for t, k in zip(tier, rng.integers(0, 5, n), strict=True)])
    frame = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "survey_year": 2017,
            "weight": rng.uniform(0.5, 2.0, n).round(3),
            "strata": np.char.add("s", tier.astype(str)),
            "psu": city,
            "age": age,
            "sex": sex,
            "education": education,
            "origin_province": rng.choice(["Henan", "Sichuan", "Anhui", "Hunan"], n),
            "dest_city": city,
            "dest_city_tier": tier,
            "cross_province": rng.random(n) < 0.5,
            "years_in_city": years,
            "employed": employed,
            "employment_type": np.where(
                employed,
                rng.choice(["employee", "own_account", "employer"], n, p=[0.7, 0.25, 0.05]),
                None,
            ),
            "labor_contract": contract,
            "sector": rng.choice(["manufacturing", "construction", "services"], n),
            "monthly_income": income,
            "weekly_hours": np.where(employed, rng.normal(54, 8, n).clip(10, 100).round(), 0),
            "med_insurance": insurance,
            "pension_insurance": yes(-0.8),
            "health_record": yes(-0.5),
            "residence_permit": yes(-1.0),
            "housing": housing,
            "local_friends": yes(0.0),
            "community_participation": yes(-1.2),
            "speaks_local_dialect": likert(0, 3),
            "follows_local_customs": likert(1, 4),
            "feels_local": likert(1, 4),
            "locals_accept_me": likert(1, 4, 0.5),
            "willing_to_stay": yes(0.3),
            "social_support": (5 + u + rng.normal(0, 1, n)).clip(0).round(2),
            "srh": 1 + np.searchsorted([-2.5, -1.2, 0.3, 1.8], 0.3 * u + rng.logistic(0, 1, n)),
            "depression_score": rng.poisson(np.exp(1.5 - 0.2 * u)).clip(0, 30),
            "bmi": rng.normal(23, 3, n).clip(15, 40).round(1),
            "chronic": rng.random(n) < 0.1,
            "migration_status": "current",
        }
    )
    return frame


def origin_and_destination_survey(n: int, seed: int, salmon: float) -> pd.DataFrame:
    """The healthy migrate; the unhealthy among migrants return home (salmon bias)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 60, n)
    health = rng.normal(0, 1, n) - 0.02 * (age - 40)
    migrated = rng.random(n) < special.expit(-0.2 + 0.8 * health)
    returned = migrated & (rng.random(n) < special.expit(-1.0 - salmon * health))
    status = np.where(returned, "returned", np.where(migrated, "current", "never"))
    srh = 1 + np.searchsorted([-1.5, -0.5, 0.5, 1.5], health + rng.normal(0, 0.3, n))
    return pd.DataFrame(
        {
            "age": age,
            "sex": rng.choice(["male", "female"], n),
            "education": rng.integers(0, 5, n),
            "migration_status": status,
            "srh": srh,
        }
    )
