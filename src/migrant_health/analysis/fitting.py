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
    X: np.ndarray, y: np.ndarray, w: np.ndarray, link: Literal["logit", "probit"]
) -> MFit:
    """Weighted logit or probit of 0/1 ``y`` on ``X`` (include the intercept column in ``X``)."""
    family_link = sm.families.links.Logit() if link == "logit" else sm.families.links.Probit()
    model = sm.GLM(y, X, family=sm.families.Binomial(link=family_link), freq_weights=w)
    try:
        result = model.fit()
    except Exception as exc:  # statsmodels raises PerfectSeparation and LinAlg errors
        raise DataError(f"{link} failed: {exc}") from exc
    params = np.asarray(result.params)
    bread = np.linalg.pinv(-model.hessian(params))
    return MFit(params, bread, np.asarray(model.score_obs(params)))
