"""The survey toolkit's models by name: the one list that Python and the CLI share.

``migrant-health survey estimate --model NAME`` and :func:`make_estimator` both look a name up in
:data:`MODELS`; the options of a model are those of its estimator's ``__init__``
(:meth:`~migrant_health.analysis.model_spec.ModelSpec.options`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from migrant_health.analysis.base import SurveyEstimator
from migrant_health.analysis.health_selection import HealthSelectionTests
from migrant_health.analysis.heterogeneity import SubgroupModel
from migrant_health.analysis.iv import IVModel
from migrant_health.analysis.mediation import Mediation
from migrant_health.analysis.model_names import MODEL_NAMES
from migrant_health.analysis.model_spec import SINGLE_EQUATION_MODELS, ModelSpec
from migrant_health.analysis.selection import HeckmanTwoStep
from migrant_health.errors import DataError

MODELS: Mapping[str, ModelSpec] = MappingProxyType(
    {
        **SINGLE_EQUATION_MODELS,  # ologit, oprobit, logit, probit, ols
        "iv": ModelSpec(IVModel),
        "mediation": ModelSpec(Mediation),
        "heterogeneity": ModelSpec(SubgroupModel),
        "heckman": ModelSpec(HeckmanTwoStep),
        "health-selection": ModelSpec(HealthSelectionTests),
    }
)
if tuple(MODELS) != MODEL_NAMES:  # pragma: no cover - a developer's slip, caught on import
    raise RuntimeError(f"analysis/model_names.py lists {MODEL_NAMES}; estimators: {tuple(MODELS)}")


def model_spec(model: str) -> ModelSpec:
    """The estimator class and fixed arguments of a model name.

    Raises:
        DataError: For an unknown model name.
    """
    try:
        return MODELS[model]
    except KeyError:
        raise DataError(
            f"unknown model '{model}'; choose one of {', '.join(MODEL_NAMES)}"
        ) from None


def make_estimator(model: str, /, **options: Any) -> SurveyEstimator:
    """Build an unfitted estimator by name.

    Example::

        make_estimator("ologit", outcome="srh", exposure="integration", cluster="psu")

    Args:
        model: One of :data:`MODEL_NAMES` (positional: ``options`` may hold a ``model`` key,
            the within-group model of ``heterogeneity``).
        **options: The estimator's ``__init__`` arguments, except those the name fixes.

    Raises:
        DataError: For an unknown model name or an option the model does not take.
    """
    spec = model_spec(model)
    accepted = spec.options()
    unknown = [name for name in options if name not in accepted]
    if unknown:
        raise DataError(
            f"{', '.join(unknown)}: not an option of model '{model}'; it takes: "
            f"{', '.join(accepted)}"
        )
    return spec.build(**options)
