"""Ordered logit/probit for self-rated health recovers known slopes, cut points and AMEs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.miscmodels.ordinal_model import OrderedModel

from migrant_health.analysis.ordered import OrderedLogit, OrderedProbit

SLOPES = {"integration": 1.5, "age": -0.03, "sex[female]": -0.4}
CUTS = [-3.0, -1.5, 0.0, 1.5]


def srh_survey(n: int, seed: int, error: str = "logistic") -> pd.DataFrame:
    """Self-rated health from a latent ordered model with known slopes and cut points."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "integration": rng.uniform(0, 1, n),
            "age": rng.integers(18, 60, n).astype(float),
            "sex": rng.choice(["male", "female"], n),
            "psu": rng.integers(0, 80, n),
        }
    )
    latent = (
        SLOPES["integration"] * data["integration"]
        + SLOPES["age"] * data["age"]
        + SLOPES["sex[female]"] * (data["sex"] == "female")
    )
    noise = rng.logistic(0, 1, n) if error == "logistic" else rng.normal(0, 1, n)
    data["srh"] = 1 + np.searchsorted(CUTS, latent + noise)
    return data


def test_ordered_logit_recovers_slopes_and_cut_points() -> None:
    data = srh_survey(4000, seed=1)
    model = OrderedLogit(exposure="integration", covariates=["age", "sex"]).fit(data)
    se = model.summary().set_index("term")["se"]
    for term, truth in SLOPES.items():
        assert model.coef_[term] == pytest.approx(truth, abs=3.5 * se[term])
    assert np.allclose(model.cutpoints_.to_numpy(), CUTS, atol=0.3)
    assert list(model.cutpoints_.index) == ["1|2", "2|3", "3|4", "4|5"]


def test_matches_statsmodels_on_unweighted_data() -> None:
    data = srh_survey(1500, seed=2)
    ours = OrderedLogit(exposure="integration", covariates=["age"]).fit(data)
    theirs = OrderedModel(data["srh"], data[["integration", "age"]], distr="logit").fit(
        method="bfgs", disp=False, maxiter=2000
    )
    assert np.allclose(ours.coef_.to_numpy(), theirs.params[:2].to_numpy(), atol=1e-4)
    assert ours.cutpoints_.iloc[0] == pytest.approx(theirs.params.iloc[2], abs=1e-4)


def test_ordered_probit_recovers_slopes() -> None:
    data = srh_survey(4000, seed=3, error="normal")
    model = OrderedProbit(exposure="integration", covariates=["age", "sex"]).fit(data)
    assert model.coef_["integration"] == pytest.approx(1.5, abs=0.2)
    assert model.coef_["sex[female]"] == pytest.approx(-0.4, abs=0.1)


def test_marginal_effects_are_derivatives_of_predicted_probabilities() -> None:
    data = srh_survey(2000, seed=4)
    model = OrderedLogit(exposure="integration", covariates=["age", "sex"]).fit(data)
    ame = model.marginal_effects_table()
    # effects on the five categories of one regressor sum to zero
    sums = ame.groupby("term")["estimate"].sum()
    assert np.allclose(sums, 0, atol=1e-10)
    # the integration AME equals the finite-difference change of the mean predicted probabilities
    step = 1e-4
    up = model.predict_proba(data.assign(integration=data["integration"] + step)).mean()
    down = model.predict_proba(data.assign(integration=data["integration"] - step)).mean()
    numeric = ((up - down) / (2 * step)).to_numpy()
    analytic = ame.query("term == 'integration'")["estimate"].to_numpy()
    assert np.allclose(numeric, analytic, atol=1e-6)
    # female is a discrete change: P(y) among women minus men, other things equal
    women = model.predict_proba(data.assign(sex="female")).mean()
    men = model.predict_proba(data.assign(sex="male")).mean()
    discrete = ame.query("term == 'sex[female]'")["estimate"].to_numpy()
    assert np.allclose((women - men).to_numpy(), discrete, atol=1e-10)
    # better integration moves people to the top category
    assert analytic[-1] > 0 > analytic[0]


def test_clustered_errors_are_larger_when_psus_share_shocks() -> None:
    rng = np.random.default_rng(5)
    n, n_psu = 3000, 60
    psu = rng.integers(0, n_psu, n)
    integration = rng.uniform(0, 1, n_psu)[psu] + rng.normal(0, 0.05, n)
    latent = 1.5 * integration + rng.normal(0, 1, n_psu)[psu] + rng.logistic(0, 1, n)
    data = pd.DataFrame(
        {"integration": integration, "psu": psu, "srh": 1 + np.searchsorted(CUTS, latent)}
    )
    robust = OrderedLogit(exposure="integration").fit(data).summary().set_index("term")
    clustered = OrderedLogit(exposure="integration", cluster="psu").fit(data)
    ratio = (
        clustered.summary().set_index("term").loc["integration", "se"]
        / robust.loc["integration", "se"]
    )
    assert ratio > 2
