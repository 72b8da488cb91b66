"""Design-based standard errors against an external reference: NHANES II (Stata's ``nhanes2``,
shipped with samplics), 31 strata of two PSUs each, with final weights.

The stratified variance differs from one that ignores the strata by about 10 % here, so the
tolerances (one part in a million) would catch a variance that pooled the strata, dropped the
PSUs or the weights.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from migrant_health.analysis.regression import BinaryModel, LinearModel
from migrant_health.errors import DataError

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # samplics announces its successor on import
    import samplics
    from samplics import ModelType, PopParam, SurveyGLM, TaylorEstimator

DESIGN = {"weights": "finalwgt", "strata": "stratid", "cluster": "psuid"}


@pytest.fixture(scope="module")
def nhanes() -> pd.DataFrame:
    data = samplics.load_nhanes2()["data"].copy()
    data["black"] = (data["race"] == 2).astype(float)
    return data


def _reference_glm(data: pd.DataFrame, outcome: str, model: ModelType) -> dict[str, np.ndarray]:
    glm = SurveyGLM(model)
    glm.estimate(
        y=data[outcome].to_numpy(),
        x=np.column_stack((np.ones(len(data)), data["black"])),
        samp_weight=data["finalwgt"].to_numpy(),
        stratum=data["stratid"].to_numpy(),
        psu=data["psuid"].to_numpy(),
    )
    return {k: np.asarray(v) for k, v in glm.beta.items()}


def test_the_mean_of_zinc_matches_samplics_and_the_stata_manual(nhanes: pd.DataFrame) -> None:
    data = nhanes.dropna(subset=["zinc"])
    fit = LinearModel("zinc", **DESIGN).fit(data).summary().set_index("term")
    reference = TaylorEstimator(PopParam.mean)
    reference.estimate(
        y=data["zinc"].to_numpy(),
        samp_weight=data["finalwgt"].to_numpy(),
        stratum=data["stratid"].to_numpy(),
        psu=data["psuid"].to_numpy(),
    )
    assert fit.loc["Intercept", "estimate"] == pytest.approx(reference.point_est, rel=1e-9)
    assert fit.loc["Intercept", "se"] == pytest.approx(reference.stderror, rel=1e-6)
    # Stata [SVY] manual, ``svy: mean zinc``: 87.18207 (linearized SE .4944827)
    assert fit.loc["Intercept", "estimate"] == pytest.approx(87.18207, abs=1e-5)
    assert fit.loc["Intercept", "se"] == pytest.approx(0.4944827, abs=1e-7)
    # the strata matter: without them the same PSUs give a standard error 10 % smaller
    unstratified = LinearModel("zinc", weights="finalwgt", cluster="psuid").fit(
        data.assign(psuid=data["stratid"] * 10 + data["psuid"])
    )
    assert unstratified.summary()["se"].iloc[0] < 0.95 * fit.loc["Intercept", "se"]


def test_a_linear_regression_matches_samplics(nhanes: pd.DataFrame) -> None:
    data = nhanes.dropna(subset=["zinc"])
    fit = LinearModel("zinc", exposure="black", **DESIGN).fit(data).summary()
    reference = _reference_glm(data, "zinc", ModelType.LINEAR)
    assert np.allclose(fit["estimate"], reference["point_est"], rtol=1e-9)
    assert np.allclose(fit["se"], reference["stderror"], rtol=1e-6)


def test_a_weighted_logit_matches_samplics(nhanes: pd.DataFrame) -> None:
    fit = BinaryModel("highbp", exposure="black", **DESIGN).fit(nhanes).summary()
    reference = _reference_glm(nhanes, "highbp", ModelType.LOGISTIC)
    assert np.allclose(fit["estimate"], reference["point_est"], rtol=1e-6)
    assert np.allclose(fit["se"], reference["stderror"], rtol=1e-5)


def test_a_stratum_of_one_psu_is_named_by_the_users_value() -> None:
    """It said 'stratum 2', the internal code, for the user's stratum 's_c'."""
    rng = np.random.default_rng(0)
    n = 90
    data = pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "stratum": np.repeat(["s_a", "s_b", "s_c"], 30),
            "psu": [f"p{i % 3}" if i < 60 else "lonely" for i in range(n)],
        }
    )
    with pytest.raises(DataError, match="stratum 's_c' has a single primary sampling unit"):
        LinearModel("y", exposure="x", strata="stratum", cluster="psu").fit(data)
