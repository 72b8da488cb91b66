"""How a model name becomes an estimator, and the models a name can fit within subgroups.

A :class:`ModelSpec` pairs an estimator class with the ``__init__`` arguments its name fixes
(``ologit`` is :class:`~migrant_health.analysis.ordered.OrderedRegression` with ``link="logit"``).
The options a user may set are read from the class's ``__init__`` signature, as scikit-learn's
``get_params`` does, so each option is written once: where the estimator defines it.

:data:`SINGLE_EQUATION_MODELS` are the models that
:class:`~migrant_health.analysis.heterogeneity.SubgroupModel` fits in each group. They are
defined here, below both the heterogeneity model and the full list of models
(:data:`~migrant_health.analysis.models.MODELS`, which starts with them), so that neither of
those modules has to import the other.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from migrant_health.analysis.base import SurveyEstimator
from migrant_health.analysis.ordered import OrderedRegression
from migrant_health.analysis.regression import BinaryModel, LinearModel

_NOT_NAMED = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


@dataclass(frozen=True)
class ModelSpec:
    """An estimator class and the ``__init__`` arguments that its model name fixes.

    Attributes:
        estimator: The estimator class.
        fixed: Arguments set by the name (``link`` of ``ologit``), hence not options of it.
    """

    estimator: type[SurveyEstimator]
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def options(self) -> dict[str, inspect.Parameter]:
        """The options a user sets: ``__init__``'s parameters but the fixed ones, in order.

        Raises:
            TypeError: If ``__init__`` takes ``*args`` or ``**kwargs``, which hide its options.
        """
        parameters = inspect.signature(self.estimator).parameters
        hidden = [str(p) for p in parameters.values() if p.kind in _NOT_NAMED]
        if hidden:
            raise TypeError(
                f"{self.estimator.__name__}.__init__ takes {', '.join(hidden)}; name every "
                "option so that it can be read from the signature"
            )
        return {name: p for name, p in parameters.items() if name not in self.fixed}

    def build(self, **options: Any) -> SurveyEstimator:
        """An unfitted estimator with ``options`` and the fixed arguments."""
        return self.estimator(**self.fixed, **options)


# One coefficient per regressor: the models whose exposure effect can be compared across groups.
SINGLE_EQUATION_MODELS: Mapping[str, ModelSpec] = MappingProxyType(
    {
        "ologit": ModelSpec(OrderedRegression, {"link": "logit"}),
        "oprobit": ModelSpec(OrderedRegression, {"link": "probit"}),
        "logit": ModelSpec(BinaryModel, {"link": "logit"}),
        "probit": ModelSpec(BinaryModel, {"link": "probit"}),
        "ols": ModelSpec(LinearModel),
    }
)
