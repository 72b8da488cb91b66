"""Adapter to pyfixest (and statsmodels where pyfixest lacks a feature) for linear and binary
regressions with fixed effects, weights, clusters and strata.

pyfixest fits ``feols`` (weights, fixed effects, clustered errors) and ``feglm`` logit/probit
(fixed effects, clustered errors, but no weights). A weighted binary model is fitted with
statsmodels' GLM instead, with fixed effects as dummies. When strata are given the variance is
the design-based one of :func:`~migrant_health.analysis.design.linearized_vcov`, computed from the
fitted model's scores and bread; otherwise it is pyfixest's (robust, or CRV1 by cluster).

pyfixest's public API gives coefficients and standard errors but not the variance matrix, scores
or bread that design-based variance and the slopes by group need, so :func:`_engine_arrays` reads
them from its result object; ``pyproject.toml`` pins pyfixest to the versions this is tested with.
Regressors are handed to pyfixest as ``x0, x1, ...`` (column names such as ``C(sex)[female]`` are
no formula names); its warnings are restated with the real names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyfixest as pf
import statsmodels.api as sm

from migrant_health.analysis.diagnostics import restated_warnings
from migrant_health.analysis.frame import ModelFrame
from migrant_health.analysis.separation import check_separation
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


def _engine_arrays(fit: object) -> tuple[list[str], np.ndarray, np.ndarray, int]:
    """Coefficient names, estimates, variance and n of a pyfixest result (see module doc)."""
    engine: Any = fit
    names = [str(c) for c in engine._coefnames]
    beta = np.asarray(engine._beta_hat, dtype=float)
    return names, beta, np.asarray(engine._vcov, dtype=float), int(engine._N)


def fit_fixest(
    frame: ModelFrame, family: Family, weighted: bool, model: str = "model"
) -> FixestResult:
    """Fit ``y ~ X | fixed effects`` with pyfixest (or statsmodels for weighted logit/probit).

    Args:
        frame: The model frame.
        family: ``gaussian``, ``logit`` or ``probit``.
        weighted: Use the frame's weights.
        model: The model and outcome, for messages.

    Raises:
        DataError: If the regressors separate a binary outcome, or the fit fails.
    """
    if family != "gaussian":
        _check_binary_separation(frame, model)
    if family != "gaussian" and weighted:
        return _fit_glm(frame, family, model)
    data, xs, fes = _safe_frame(frame)
    rhs = " + ".join(xs) if xs else "1"
    formula = f"y ~ {rhs}" + (f" | {' + '.join(fes)}" if fes else "")
    vcov: str | dict[str, str] = {"CRV1": "cl"} if frame.cluster is not None else "hetero"
    names = {f"x{i}": str(c) for i, c in enumerate(frame.X.columns)}
    try:
        with restated_warnings(model, names):
            if family == "gaussian":
                fit = pf.feols(formula, data=data, vcov=vcov, weights="w" if weighted else None)
            else:
                fit = pf.feglm(formula, data=data, family=family, vcov=vcov)
    except Exception as exc:  # pyfixest raises many types (collinearity, separation, ...)
        raise DataError(f"{model} failed: {exc}") from exc
    coefnames, beta, covariance, n = _engine_arrays(fit)
    params = pd.Series(beta, index=coefnames).rename(index=names)
    if frame.strata is not None or frame.outside_design is not None:
        # A domain's variance is the linearisation over the whole sample's design, which
        # pyfixest's clustered variance of the domain's rows alone cannot give.
        covariance = frame.design_vcov(np.asarray(fit._scores), np.asarray(fit._bread))
    return FixestResult(params, covariance, n, fit)


def _check_binary_separation(frame: ModelFrame, model: str) -> None:
    """Separation check of a binary model, with fixed effects as dummies."""
    X = frame.X
    for col in frame.fixed_effects.columns:
        dummies = pd.get_dummies(frame.fixed_effects[col], prefix=col, drop_first=True, dtype=float)
        X = X.join(dummies)
    names = [str(c) for c in X.columns]
    check_separation(X.to_numpy(dtype=float), frame.y.astype(int), 2, names, model)


def _fit_glm(frame: ModelFrame, family: Family, model: str) -> FixestResult:
    X = frame.X.copy()
    for col in frame.fixed_effects.columns:
        X = X.join(
            pd.get_dummies(frame.fixed_effects[col], prefix=col, drop_first=True, dtype=float)
        )
    X.insert(0, "Intercept", 1.0)
    link = sm.families.links.Logit() if family == "logit" else sm.families.links.Probit()
    glm = sm.GLM(
        frame.y, X.to_numpy(), family=sm.families.Binomial(link=link), freq_weights=frame.weights
    )
    try:
        with restated_warnings(model):
            result = glm.fit()
        bread = np.linalg.inv(-glm.hessian(result.params))
    except Exception as exc:  # statsmodels raises PerfectSeparation and LinAlg errors
        raise DataError(f"{model} failed: {exc}") from exc
    covariance = frame.design_vcov(glm.score_obs(result.params), bread)
    keep = [i for i, c in enumerate(X.columns) if c in frame.X.columns or c == "Intercept"]
    params = pd.Series(np.asarray(result.params)[keep], index=X.columns[keep])
    return FixestResult(params, covariance[np.ix_(keep, keep)], frame.n, result)
