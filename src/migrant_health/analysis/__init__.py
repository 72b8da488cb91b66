"""Analysis of survey microdata: the integration index and the estimators.

Every estimator follows the scikit-learn contract (options in ``__init__``, ``fit(data)``
returns ``self``, fitted attributes end with ``_``) and has ``summary()`` (a tidy table: term,
estimate, se, p, ci_low, ci_high), ``extra_tables()`` and ``to_dict()``. :data:`MODEL_NAMES` is
the one list of models by name; :func:`make_estimator` builds one.
"""

import typing

from migrant_health.lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from migrant_health.analysis.design import SurveyDesign, linearized_vcov
    from migrant_health.analysis.diagnostics import EstimationWarning
    from migrant_health.analysis.health_selection import HealthSelectionTests
    from migrant_health.analysis.heterogeneity import SubgroupModel, age_band
    from migrant_health.analysis.index import IntegrationIndex, add_integration_index
    from migrant_health.analysis.indicators import (
        DIMENSIONS,
        INDICATORS,
        Indicator,
        compute_indicators,
    )
    from migrant_health.analysis.iv import IVModel, two_way_iv
    from migrant_health.analysis.mediation import Mediation
    from migrant_health.analysis.models import MODEL_NAMES, make_estimator
    from migrant_health.analysis.ordered import OrderedLogit, OrderedProbit, OrderedRegression
    from migrant_health.analysis.regression import BinaryModel, LinearModel
    from migrant_health.analysis.selection import HeckmanTwoStep
    from migrant_health.analysis.stages import (
        LIVING_TYPES,
        STAGES,
        CutPoints,
        classify_living_type,
        classify_stage,
    )
    from migrant_health.analysis.tables import regression_table

# Loaded on first use (migrant_health/lazy.py): importing one submodule must not load them all.
__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        "SurveyDesign": "design",
        "linearized_vcov": "design",
        "EstimationWarning": "diagnostics",
        "HealthSelectionTests": "health_selection",
        "SubgroupModel": "heterogeneity",
        "age_band": "heterogeneity",
        "IntegrationIndex": "index",
        "add_integration_index": "index",
        "DIMENSIONS": "indicators",
        "INDICATORS": "indicators",
        "Indicator": "indicators",
        "compute_indicators": "indicators",
        "IVModel": "iv",
        "two_way_iv": "iv",
        "Mediation": "mediation",
        "MODEL_NAMES": "models",
        "make_estimator": "models",
        "OrderedLogit": "ordered",
        "OrderedProbit": "ordered",
        "OrderedRegression": "ordered",
        "BinaryModel": "regression",
        "LinearModel": "regression",
        "HeckmanTwoStep": "selection",
        "LIVING_TYPES": "stages",
        "STAGES": "stages",
        "CutPoints": "stages",
        "classify_living_type": "stages",
        "classify_stage": "stages",
        "regression_table": "tables",
    },
)

__all__ = [
    "DIMENSIONS",
    "INDICATORS",
    "LIVING_TYPES",
    "MODEL_NAMES",
    "STAGES",
    "BinaryModel",
    "CutPoints",
    "EstimationWarning",
    "HealthSelectionTests",
    "HeckmanTwoStep",
    "IVModel",
    "Indicator",
    "IntegrationIndex",
    "LinearModel",
    "Mediation",
    "OrderedLogit",
    "OrderedProbit",
    "OrderedRegression",
    "SubgroupModel",
    "SurveyDesign",
    "add_integration_index",
    "age_band",
    "classify_living_type",
    "classify_stage",
    "compute_indicators",
    "linearized_vcov",
    "make_estimator",
    "regression_table",
    "two_way_iv",
]
