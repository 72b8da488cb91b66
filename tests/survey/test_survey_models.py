"""Models by name: one list, and each model's options are its estimator's ``__init__``."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from migrant_health.analysis import MODEL_NAMES, make_estimator
from migrant_health.analysis.base import SurveyEstimator
from migrant_health.analysis.model_spec import SINGLE_EQUATION_MODELS, ModelSpec
from migrant_health.analysis.models import MODELS, model_spec
from migrant_health.errors import DataError


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_model_name_builds_an_unfitted_estimator_of_that_name(name: str) -> None:
    estimator = make_estimator(name, outcome="srh")
    assert isinstance(estimator, SurveyEstimator)
    assert estimator.model_name == name
    assert not [a for a in vars(estimator) if a.endswith("_") and not a.startswith("_")]


def test_the_one_list_holds_the_binary_probit_and_the_health_selection_tests() -> None:
    assert tuple(MODELS) == MODEL_NAMES
    assert {"probit", "health-selection"} <= set(MODEL_NAMES)
    assert list(SINGLE_EQUATION_MODELS) == list(MODEL_NAMES[: len(SINGLE_EQUATION_MODELS)])


def test_a_models_options_are_its_init_parameters_less_those_its_name_fixes() -> None:
    ologit = model_spec("ologit")
    init = inspect.signature(ologit.estimator.__init__).parameters
    assert list(ologit.options()) == [p for p in init if p not in ("self", "link")]
    assert "marginal_effects" in ologit.options()
    assert "instruments" in model_spec("iv").options()
    assert "exposure" not in model_spec("iv").options()


def test_options_follow_a_new_estimators_signature() -> None:
    class Smoother(SurveyEstimator):
        def __init__(self, outcome: str, bandwidth: float = 0.5, kernel: str = "normal") -> None:
            super().__init__(outcome)
            self.bandwidth = bandwidth
            self.kernel = kernel

    spec = ModelSpec(Smoother, {"kernel": "box"})
    assert list(spec.options()) == ["outcome", "bandwidth"]
    assert spec.options()["bandwidth"].default == 0.5
    built = spec.build(outcome="bmi", bandwidth=2.0)
    assert isinstance(built, Smoother)
    assert (built.bandwidth, built.kernel) == (2.0, "box")


def test_an_estimator_that_hides_its_options_behind_kwargs_is_refused() -> None:
    class Opaque(SurveyEstimator):
        def __init__(self, outcome: str, **options: object) -> None:
            super().__init__(outcome)

    with pytest.raises(TypeError, match="options"):
        ModelSpec(Opaque).options()


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_no_registered_estimator_hides_its_options(name: str) -> None:
    assert "outcome" in model_spec(name).options()


def test_an_option_the_model_does_not_take_is_named_in_the_error() -> None:
    with pytest.raises(DataError, match=r"instruments: not an option of model 'ols'"):
        make_estimator("ols", outcome="bmi", instruments=["distance"])
    with pytest.raises(DataError, match="unknown model 'tobit'"):
        make_estimator("tobit", outcome="bmi")


@pytest.mark.parametrize("within", list(SINGLE_EQUATION_MODELS))
def test_heterogeneity_fits_every_single_equation_model_by_group(within: str) -> None:
    rows = 200
    data = pd.DataFrame(
        {
            "sex": ["female", "male"] * (rows // 2),
            "x": [i % 7 for i in range(rows)],
            "y3": [(i * 5) % 3 + 1 for i in range(rows)],
        }
    )
    data["y"] = (data["y3"] > 1).astype(int) if within in ("logit", "probit") else data["y3"]
    fitted = make_estimator("heterogeneity", outcome="y", exposure="x", model=within).fit(data)
    assert list(fitted.models_) == ["female", "male"]
    assert all(m.model_name == within for m in fitted.models_.values())


def test_heterogeneity_refuses_a_model_without_one_coefficient_per_regressor() -> None:
    data = pd.DataFrame({"sex": ["female", "male"] * 20, "x": range(40), "y": range(40)})
    with pytest.raises(DataError, match="cannot be fitted by group; choose one of ologit"):
        make_estimator("heterogeneity", outcome="y", exposure="x", model="iv").fit(data)
