"""One place that turns a model name (as the CLI takes it) into an estimator."""

from __future__ import annotations

from typing import Any

from migrant_health.analysis.base import SurveyEstimator
from migrant_health.errors import DataError

MODEL_NAMES = (
    "ologit",
    "oprobit",
    "logit",
    "probit",
    "ols",
    "iv",
    "mediation",
    "heterogeneity",
    "heckman",
    "health-selection",
)


def make_estimator(model: str, /, **options: Any) -> SurveyEstimator:
    """Build an unfitted estimator by name.

    Args:
        model: One of :data:`MODEL_NAMES` (positional: ``options`` may hold a ``model`` key,
            the within-group model of ``heterogeneity``).
        **options: The estimator's ``__init__`` arguments.

    Raises:
        DataError: For an unknown model name.
    """
    from migrant_health.analysis.health_selection import HealthSelectionTests
    from migrant_health.analysis.heterogeneity import SubgroupModel
    from migrant_health.analysis.iv import IVModel
    from migrant_health.analysis.mediation import Mediation
    from migrant_health.analysis.ordered import OrderedRegression
    from migrant_health.analysis.regression import BinaryModel, LinearModel
    from migrant_health.analysis.selection import HeckmanTwoStep

    if model in ("ologit", "oprobit"):
        return OrderedRegression(link="logit" if model == "ologit" else "probit", **options)
    if model in ("logit", "probit"):
        return BinaryModel(link=model, **options)
    builders: dict[str, type[SurveyEstimator]] = {
        "ols": LinearModel,
        "iv": IVModel,
        "mediation": Mediation,
        "heterogeneity": SubgroupModel,
        "heckman": HeckmanTwoStep,
        "health-selection": HealthSelectionTests,
    }
    if model not in builders:
        raise DataError(f"unknown model '{model}'; choose one of {', '.join(MODEL_NAMES)}")
    return builders[model](**options)
