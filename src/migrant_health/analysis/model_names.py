"""The survey models by name, and the regression-table formats, without loading an estimator.

The command line builds its options from these names at start-up; the estimators (statsmodels,
SciPy) load only when a model is fitted. :mod:`migrant_health.analysis.models` checks that its
table of estimators has exactly these names.
"""

from __future__ import annotations

#: Every model ``migrant-health survey estimate --model`` takes, in the order help lists them.
MODEL_NAMES: tuple[str, ...] = (
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
#: Formats of a regression table.
FORMATS: tuple[str, ...] = ("text", "markdown", "latex", "html")
