"""Mediation (integration -> social support -> health) recovers known indirect effects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import special, stats

from migrant_health.analysis.mediation import Mediation
from migrant_health.errors import DataError

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
    fit = Mediation("good_health", covariates=["age"], method="bootstrap", n_sims=100).fit(data)
    effects = fit.effects_.set_index("term")
    assert fit.outcome_type_ == "binary"
    assert effects.loc["acme", "ci_low"] > 0  # support carries a positive indirect effect
    assert effects.loc["ade", "estimate"] < 0
    out = fit.to_dict()
    assert {"acme", "ade", "total", "prop_mediated"} <= set(out)
    assert set(out["acme"]) == {"estimate", "se", "p", "ci_low", "ci_high"}


def framing() -> pd.DataFrame:
    """Brader, Valentino and Suhay's framing experiment, as shipped with statsmodels' tests."""
    return pd.read_csv(Path(statsmodels.__file__).parent / "stats/tests/results/framing.csv")


def test_a_binary_outcome_with_a_probit_link_matches_the_exact_plug_in_effect() -> None:
    # R's mediation vignette: probit outcome, linear mediator (emotional response to the story).
    data = framing()
    covariates = ["age", "educ", "gender", "income"]
    fit = Mediation(
        "cong_mesg",
        exposure="treat",
        mediator="emo",
        covariates=covariates,
        outcome_type="binary",
        link="probit",
        n_sims=200,
    ).fit(data)
    # The outcome model is the probit statsmodels fits (a logit has other coefficients).
    probit = smf.glm(
        "cong_mesg ~ treat + emo + age + educ + gender + income",
        data,
        family=sm.families.Binomial(link=sm.families.links.Probit()),
    ).fit()
    ours = fit.outcome_model_.set_index("term")["estimate"]
    assert ours["emo"] == pytest.approx(probit.params["emo"], abs=1e-6)
    assert ours["treat"] == pytest.approx(probit.params["treat"], abs=1e-6)
    # With normal mediator noise E[Φ(η + b ε)] = Φ(η / sqrt(1 + b²σ²)): the exact plug-in ACME.
    mediator = smf.ols("emo ~ treat + age + educ + gender + income", data).fit()
    b, sigma = probit.params["emo"], np.sqrt(mediator.scale)
    shrink = np.sqrt(1 + b**2 * sigma**2)

    def mean_probability(t: float, m_treat: float) -> float:
        m = mediator.predict(data.assign(treat=m_treat))
        eta = probit.predict(data.assign(treat=t, emo=m), which="linear")
        return float(np.mean(stats.norm.cdf(eta / shrink)))

    acme = np.mean([mean_probability(t, 1) - mean_probability(t, 0) for t in (0, 1)])
    effects = fit.effects_.set_index("term")
    assert effects.loc["acme", "estimate"] == pytest.approx(acme, abs=0.004)
    # and close to the vignette's quasi-Bayesian estimate, 0.0759 (CI 0.026 to 0.129)
    assert effects.loc["acme", "estimate"] == pytest.approx(0.0759, abs=0.012)


def test_an_unknown_link_or_outcome_type_is_refused() -> None:
    data = framing()
    with pytest.raises(DataError, match="link must be 'logit' or 'probit'"):
        Mediation("cong_mesg", exposure="treat", mediator="emo", link="cloglog").fit(data)
    with pytest.raises(DataError, match="outcome_type must be one of auto"):
        Mediation("cong_mesg", exposure="treat", mediator="emo", outcome_type="count").fit(data)


def test_effects_on_the_lowest_category_onward_are_refused() -> None:
    """P(srh >= 1) is 1 for everyone: its effects would be exact zeros reported as significant."""
    data = mediation_survey(400, seed=5)
    data["srh"] = 1 + (data["social_support"] > data["social_support"].median()).astype(int) * 2
    with pytest.raises(DataError, match=r"top_from=1 is the lowest category .* choose one of 3"):
        Mediation("srh", covariates=["age"], n_sims=100, top_from=1).fit(data)


@pytest.mark.parametrize("sims", [1, 5, 99])
def test_too_few_simulations_are_refused_saying_why(sims: int) -> None:
    """--sims 1 printed *** with nan errors; --sims 5 *** with an interval missing the estimate."""
    with pytest.raises(DataError, match=rf"{sims} simulation\(s\) .* too few.*at least 100"):
        Mediation("srh", covariates=["age"], n_sims=sims).fit(mediation_survey(400, seed=5))


def test_no_draw_across_zero_gives_p_below_one_over_the_draws() -> None:
    """With every draw on one side the p-value was exactly 0 (printed 0.000)."""
    data = mediation_survey(3000, seed=1)
    rng = np.random.default_rng(2)
    data["bmi"] = 23 + B * data["social_support"] + C * data["integration"] + rng.normal(0, 1, 3000)
    fit = Mediation("bmi", covariates=["age"], n_sims=200).fit(data)
    acme = fit.effects_.set_index("term").loc["acme"]
    assert acme["p"] == pytest.approx(1 / 200)
    effects = next(iter(fit.extra_tables().values())).set_index("term")
    assert effects.loc["acme", "p"] == "< 0.005"
