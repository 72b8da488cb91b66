"""Adapter to pyfixest (and statsmodels where pyfixest lacks a feature) for linear and binary
regressions with fixed effects, weights, clusters and strata.

pyfixest fits ``feols`` (weights, fixed effects, clustered errors) and ``feglm`` logit/probit
(fixed effects, clustered errors, but no weights). A weighted binary model is fitted with
statsmodels' GLM instead, with fixed effects as dummies. When strata are given the variance is
the design-based one of :func:`~migrant_health.analysis.design.linearized_vcov`, computed from the
fitted model's scores and bread; otherwise it is pyfixest's (robust, or CRV1 by cluster).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyfixest as pf
import statsmodels.api as sm

from migrant_health.analysis.design import linearized_vcov
from migrant_health.analysis.frame import ModelFrame
from migrant_health.errors import DataError

Family = Literal["gaussian", "logit", "probit"]


@dataclass(frozen=True)
class FixestResult:
    """Coefficients and their variance, in term order, plus the engine's own result object."""

    params: pd.Series
    vcov: np.ndarray
    n: int
    engine: object


def _safe_frame(frame: ModelFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    safe = {f"x{i}": frame.X.iloc[:, i].to_numpy() for i in range(frame.X.shape[1])}
    data = pd.DataFrame({"y": frame.y, **safe, "w": frame.weights})
    fe_names = []
    for i, col in enumerate(frame.fixed_effects.columns):
        data[f"fe{i}"] = pd.factorize(frame.fixed_effects[col])[0]
        fe_names.append(f"fe{i}")
    if frame.cluster is not None:
        data["cl"] = pd.factorize(frame.cluster)[0]
    return data, list(safe), fe_names


def fit_fixest(frame: ModelFrame, family: Family, weighted: bool) -> FixestResult:
    """Fit ``y ~ X | fixed effects`` with pyfixest (or statsmodels for weighted logit/probit)."""
    if family != "gaussian" and weighted:
        return _fit_glm(frame, family)
    data, xs, fes = _safe_frame(frame)
    rhs = " + ".join(xs) if xs else "1"
    formula = f"y ~ {rhs}" + (f" | {' + '.join(fes)}" if fes else "")
    vcov: str | dict[str, str] = {"CRV1": "cl"} if frame.cluster is not None else "hetero"
    try:
        if family == "gaussian":
            fit = pf.feols(formula, data=data, vcov=vcov, weights="w" if weighted else None)
        else:
            fit = pf.feglm(formula, data=data, family=family, vcov=vcov)
    except Exception as exc:  # pyfixest raises many types (collinearity, separation, ...)
        raise DataError(f"regression failed: {exc}") from exc
    names = {f"x{i}": c for i, c in enumerate(frame.X.columns)}
    coefnames = list(fit._coefnames)
    params = pd.Series(np.asarray(fit._beta_hat, dtype=float), index=coefnames).rename(index=names)
    covariance = np.asarray(fit._vcov, dtype=float)
    if frame.strata is not None:
        covariance = linearized_vcov(
            np.asarray(fit._scores), np.asarray(fit._bread), frame.cluster, frame.strata
        )
    return FixestResult(params, covariance, int(fit._N), fit)


def _fit_glm(frame: ModelFrame, family: Family) -> FixestResult:
    X = frame.X.copy()
    for col in frame.fixed_effects.columns:
        X = X.join(
            pd.get_dummies(frame.fixed_effects[col], prefix=col, drop_first=True, dtype=float)
        )
    X.insert(0, "Intercept", 1.0)
    link = sm.families.links.Logit() if family == "logit" else sm.families.links.Probit()
    model = sm.GLM(
        frame.y, X.to_numpy(), family=sm.families.Binomial(link=link), freq_weights=frame.weights
    )
    try:
        result = model.fit()
    except Exception as exc:  # statsmodels raises PerfectSeparation and LinAlg errors
        raise DataError(f"weighted {family} failed: {exc}") from exc
    bread = np.linalg.inv(-model.hessian(result.params))
    covariance = linearized_vcov(model.score_obs(result.params), bread, frame.cluster, frame.strata)
    keep = [i for i, c in enumerate(X.columns) if c in frame.X.columns or c == "Intercept"]
    params = pd.Series(np.asarray(result.params)[keep], index=X.columns[keep])
    return FixestResult(params, covariance[np.ix_(keep, keep)], frame.n, result)
