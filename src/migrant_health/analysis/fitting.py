"""Small weighted M-estimators used inside mediation and selection models.

Each returns the parameters, the bread ``(-H)^-1`` and the weighted per-respondent scores, which is
what :func:`~migrant_health.analysis.design.linearized_vcov` needs for design-based variance and
what stacked two-step estimators (Heckman) need for corrected standard errors. Fitting is done by
statsmodels; only the score/bread bookkeeping is ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import statsmodels.api as sm

from migrant_health.analysis.diagnostics import restated_warnings
from migrant_health.analysis.separation import check_separation
from migrant_health.errors import DataError


@dataclass(frozen=True)
class MFit:
    """Parameters, bread, weighted scores and (linear models) the residual standard deviation."""

    params: np.ndarray
    bread: np.ndarray
    scores: np.ndarray
    sigma: float = float("nan")


def fit_wls(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> MFit:
    """Weighted least squares of ``y`` on ``X`` (include the intercept column in ``X``)."""
    result = sm.WLS(y, X, weights=w).fit()
    resid = y - X @ result.params
    bread = np.linalg.pinv((X * w[:, None]).T @ X)
    scores = X * (w * resid)[:, None]
    dof = max(len(y) - X.shape[1], 1)
    sigma = float(np.sqrt(np.sum(w * resid**2) / w.sum() * len(y) / dof))
    return MFit(np.asarray(result.params), bread, scores, sigma)


def fit_binary(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    link: Literal["logit", "probit"],
    names: list[str] | None = None,
    model: str | None = None,
) -> MFit:
    """Weighted logit or probit of 0/1 ``y`` on ``X`` (include the intercept column in ``X``).

    Args:
        X: Regressors, the intercept column first.
        y: 0/1 outcome.
        w: Weights.
        link: ``logit`` or ``probit``.
        names: Names of the columns of ``X`` after the intercept. Given, the regressors are first
            checked for separation (skipped when refitting resamples, already checked whole).
        model: The model and outcome, for messages.

    Raises:
        DataError: If the regressors separate the outcome completely, or the fit fails.
    """
    label = model or link
    if names is not None:
        check_separation(X[:, 1:], y.astype(int), 2, names, label)
    family_link = sm.families.links.Logit() if link == "logit" else sm.families.links.Probit()
    glm = sm.GLM(y, X, family=sm.families.Binomial(link=family_link), freq_weights=w)
    try:
        with restated_warnings(label):
            result = glm.fit()
    except Exception as exc:  # statsmodels raises PerfectSeparation and LinAlg errors
        raise DataError(f"{label} failed: {exc}") from exc
    params = np.asarray(result.params)
    bread = np.linalg.pinv(-glm.hessian(params))
    return MFit(params, bread, np.asarray(glm.score_obs(params)))
