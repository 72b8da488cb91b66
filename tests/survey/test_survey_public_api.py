"""The survey and analysis packages export what they claim, and every estimator keeps the
scikit-learn contract."""

from __future__ import annotations

import migrant_health.analysis as analysis
import migrant_health.survey as survey
from migrant_health.analysis.base import SurveyEstimator


def test_all_names_exist_once() -> None:
    for module in (analysis, survey):
        assert all(hasattr(module, name) for name in module.__all__)
        assert len(set(module.__all__)) == len(module.__all__)


def test_every_model_name_builds_an_unfitted_estimator() -> None:
    for name in analysis.MODEL_NAMES:
        options = {"outcome": "srh"} if name != "health-selection" else {}
        estimator = analysis.make_estimator(name, **options)
        assert isinstance(estimator, SurveyEstimator)
        assert not [a for a in vars(estimator) if a.endswith("_") and not a.startswith("_")]
