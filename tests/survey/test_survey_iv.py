"""2SLS recovers the effect of integration on health when both shape each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health.analysis.iv import IVModel, two_way_iv
from migrant_health.analysis.regression import LinearModel
from migrant_health.errors import DataError


def feedback_survey(n: int, seed: int) -> pd.DataFrame:
    """Integration -> health (0.5) and health -> integration (0.4), each with an instrument."""
    rng = np.random.default_rng(seed)
    permit_reform = rng.normal(0, 1, n)  # moves integration only
    origin_shock = rng.normal(0, 1, n)  # moves health only
    u_h, u_i = rng.normal(0, 1, n), rng.normal(0, 1, n)
    # solve h = 0.5 i + origin + u_h ; i = 0.4 h + reform + u_i
    integration = (0.4 * (origin_shock + u_h) + permit_reform + u_i) / (1 - 0.2)
    health = 0.5 * integration + origin_shock + u_h
    return pd.DataFrame(
        {
            "health": health,
            "integration": integration,
            "permit_reform": permit_reform,
            "origin_shock": origin_shock,
            "city": rng.integers(0, 50, n),
        }
    )


def test_2sls_recovers_what_ols_mixes_up() -> None:
    data = feedback_survey(5000, seed=1)
    ols = LinearModel("health", exposure="integration").fit(data).coef_["integration"]
    iv = IVModel(
        "health", endogenous=["integration"], instruments=["permit_reform"], cluster="city"
    ).fit(data)
    assert ols > 0.6  # simultaneity bias
    assert iv.coef_["integration"] == pytest.approx(0.5, abs=0.06)
    first = iv.first_stage_.set_index("endogenous")
    assert first.loc["integration", "partial_f"] > 100
    assert not first.loc["integration", "weak"]
    assert iv.wu_hausman_["p"] < 0.01


def test_both_directions_and_weak_instruments() -> None:
    data = feedback_survey(5000, seed=2)
    fits = two_way_iv(
        data,
        "health",
        "integration",
        health_instruments=["origin_shock"],
        integration_instruments=["permit_reform"],
    )
    assert fits["integration -> health"].coef_["integration"] == pytest.approx(0.5, abs=0.06)
    assert fits["health -> integration"].coef_["health"] == pytest.approx(0.4, abs=0.06)
    data["noise"] = np.random.default_rng(3).normal(size=len(data))
    weak = IVModel("health", endogenous=["integration"], instruments=["noise"]).fit(data)
    assert bool(weak.first_stage_["weak"].iloc[0])


def test_the_text_output_shows_the_specification_tests() -> None:
    """Wu-Hausman and (over-identified) Sargan were in the JSON output only."""
    data = feedback_survey(2000, seed=4)
    data["second_reform"] = data["permit_reform"] + np.random.default_rng(5).normal(size=2000)
    iv = IVModel(
        "health", endogenous=["integration"], instruments=["permit_reform", "second_reform"]
    ).fit(data)
    tests = iv.extra_tables()["Specification tests"].set_index("test")
    assert tests.index[0].startswith("Wu-Hausman") and tests.index[1].startswith("Sargan")
    assert tests["p"].iloc[0] == pytest.approx(iv.wu_hausman_["p"])
    assert tests["p"].iloc[1] == pytest.approx(iv.sargan_["p"])  # type: ignore[index]


@pytest.mark.parametrize(
    ("endogenous", "instruments", "covariates", "expected"),
    [
        (["integration"], ["integration"], [], "'integration' is both an instrument and an endog"),
        (["integration"], ["permit_reform"], ["integration"], "both an endogenous regressor and a"),
        (["integration"], ["permit_reform"], ["permit_reform"], "both an instrument and a covar"),
    ],
)
def test_a_column_in_two_roles_is_refused_before_fitting(
    endogenous: list[str], instruments: list[str], covariates: list[str], expected: str
) -> None:
    """The instrument that is the regressor itself ended in linearmodels' rank error."""
    with pytest.raises(DataError, match=expected):
        IVModel("health", endogenous, instruments, covariates).fit(feedback_survey(300, seed=6))


# The model frame warns of the column it drops before the model refuses to go on without it.
@pytest.mark.filterwarnings("ignore:.*dropped, being collinear:UserWarning")
def test_collinear_instruments_are_refused_naming_the_redundant_one() -> None:
    data = feedback_survey(300, seed=7)
    data["reform_in_months"] = 12 * data["permit_reform"] + 3  # the same instrument again
    data["reform_and_shock"] = data["permit_reform"] + data["origin_shock"]
    with pytest.raises(DataError, match=r"instrument\(s\) reform_in_months add no variation"):
        IVModel("health", ["integration"], ["permit_reform", "reform_in_months"]).fit(data)
    # A covariate plus an instrument: nothing is left to instrument with once the covariate is in.
    with pytest.raises(DataError, match=r"instrument\(s\) reform_and_shock add no variation"):
        IVModel(
            "health", ["integration"], ["reform_and_shock"], ["permit_reform", "origin_shock"]
        ).fit(data)
