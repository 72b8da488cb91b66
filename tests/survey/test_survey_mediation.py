"""Mediation (integration -> social support -> health) recovers known indirect effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from migrant_health.analysis.mediation import Mediation

A = 0.8  # integration -> support
B = 0.6  # support -> health
C = 0.3  # direct effect of integration


def mediation_survey(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    integration = rng.uniform(0, 1, n)
    age = rng.uniform(18, 60, n)
    support = 2 + A * integration - 0.01 * age + rng.normal(0, 0.7, n)
    return pd.DataFrame({"integration": integration, "age": age, "social_support": support})


def test_linear_indirect_effect_is_a_times_b() -> None:
    data = mediation_survey(3000, seed=1)
    rng = np.random.default_rng(2)
    data["bmi"] = 23 + B * data["social_support"] + C * data["integration"] + rng.normal(0, 1, 3000)
    fit = Mediation("bmi", covariates=["age"], n_sims=300).fit(data)
    effects = fit.effects_.set_index("term")
    assert fit.outcome_type_ == "continuous"
    assert effects.loc["acme", "estimate"] == pytest.approx(A * B, abs=0.06)
    assert effects.loc["ade", "estimate"] == pytest.approx(C, abs=0.15)
    assert effects.loc["acme", "ci_low"] < A * B < effects.loc["acme", "ci_high"]
    assert effects.loc["total", "estimate"] == pytest.approx(
        effects.loc["acme", "estimate"] + effects.loc["ade", "estimate"]
    )


def _true_ordinal_effects(data: pd.DataFrame, cuts: np.ndarray, n_draws: int = 50) -> float:
    """ACME on P(srh >= 4) under the true model, integrating the mediator noise."""
    rng = np.random.default_rng(99)
    acme = []
    for _ in range(n_draws):
        noise = rng.normal(0, 0.7, len(data))
        m = {t: 2 + A * t - 0.01 * data["age"].to_numpy() + noise for t in (0, 1)}
        for t in (0, 1):
            p = {mm: 1 - special.expit(cuts[2] - (B * m[mm] + C * t)) for mm in (0, 1)}
            acme.append(np.mean(p[1] - p[0]))
    return float(np.mean(acme))


def test_ordinal_outcome_effect_on_top_categories() -> None:
    data = mediation_survey(3000, seed=3)
    rng = np.random.default_rng(4)
    cuts = np.array([-0.5, 0.5, 1.5, 2.5])
    latent = B * data["social_support"] + C * data["integration"] + rng.logistic(0, 1, 3000)
    data["srh"] = 1 + np.searchsorted(cuts, latent)
    fit = Mediation("srh", covariates=["age"], n_sims=300, each_category=True).fit(data)
    effects = fit.effects_.set_index("term")
    truth = _true_ordinal_effects(data, cuts)
    assert fit.outcome_type_ == "ordinal"
    assert effects.loc["acme", "scale"] == "P(srh >= 4)"
    assert effects.loc["acme", "estimate"] == pytest.approx(truth, abs=0.025)
    assert effects.loc["acme", "ci_low"] < truth < effects.loc["acme", "ci_high"]
    by_category = fit.category_effects_.query("term == 'acme'")["estimate"]
    assert by_category.sum() == pytest.approx(0.0, abs=1e-9)  # probabilities still add to one


def test_binary_outcome_and_bootstrap_intervals() -> None:
    data = mediation_survey(2000, seed=5)
    rng = np.random.default_rng(6)
    eta = -1 + 1.2 * data["social_support"] - 0.5 * data["integration"]
    data["good_health"] = (rng.random(2000) < special.expit(eta)).astype(int)
    fit = Mediation("good_health", covariates=["age"], method="bootstrap", n_sims=60).fit(data)
    effects = fit.effects_.set_index("term")
    assert fit.outcome_type_ == "binary"
    assert effects.loc["acme", "ci_low"] > 0  # support carries a positive indirect effect
    assert effects.loc["ade", "estimate"] < 0
    out = fit.to_dict()
    assert {"acme", "ade", "total", "prop_mediated"} <= set(out)
    assert set(out["acme"]) == {"estimate", "se", "p", "ci_low", "ci_high"}
