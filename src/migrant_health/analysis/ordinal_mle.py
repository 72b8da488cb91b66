"""Weighted maximum likelihood for ordered logit and probit, with per-respondent scores.

Hand-written because statsmodels' ``OrderedModel`` takes no survey weights, differentiates its
score numerically in a reparameterised space and has no marginal effects; survey work needs all
three (weights, analytic scores for design-based variance, average marginal effects).

Model: ``P(y <= j | x) = F(c_j - x'b)`` for ``j = 1..J-1``, with ``F`` logistic or normal and
cut points ``c_1 < ... < c_{J-1}`` (no intercept in ``x``). Parameters are ``theta = (b, c)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special, stats

from migrant_health.analysis.diagnostics import warn
from migrant_health.errors import DataError

Link = Literal["logit", "probit"]


def cdf(z: np.ndarray, link: Link) -> np.ndarray:
    """Cumulative distribution of the latent error."""
    return special.expit(z) if link == "logit" else special.ndtr(z)


def pdf(z: np.ndarray, link: Link) -> np.ndarray:
    """Density of the latent error (zero at plus or minus infinity)."""
    if link == "logit":
        p = special.expit(z)
        return p * (1.0 - p)
    return stats.norm.pdf(z)


def dpdf(z: np.ndarray, link: Link) -> np.ndarray:
    """Derivative of the density (zero at plus or minus infinity)."""
    with np.errstate(invalid="ignore"):
        if link == "logit":
            p = special.expit(z)
            out = p * (1.0 - p) * (1.0 - 2.0 * p)
        else:
            out = -z * stats.norm.pdf(z)
    return np.where(np.isfinite(z), out, 0.0)


@dataclass(frozen=True)
class OrderedFit:
    """Result of :func:`fit_ordered`.

    Attributes:
        theta: Slopes then cut points.
        bread: Inverse of minus the Hessian of the weighted log-likelihood.
        scores: Weighted per-respondent score contributions ``(n, k + J - 1)``.
        loglike: Weighted log-likelihood at ``theta``.
        iterations: Newton iterations used.
    """

    theta: np.ndarray
    bread: np.ndarray
    scores: np.ndarray
    loglike: float
    iterations: int


def _pieces(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, n_levels: int, link: Link
) -> tuple[np.ndarray, ...]:
    k = X.shape[1]
    cuts = np.concatenate(([-np.inf], theta[k:], [np.inf]))
    eta = X @ theta[:k]
    upper = cuts[y + 1] - eta
    lower = cuts[y] - eta
    prob = np.clip(cdf(upper, link) - cdf(lower, link), 1e-300, None)
    return eta, upper, lower, prob


def loglike_score_hessian(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, w: np.ndarray, n_levels: int, link: Link
) -> tuple[float, np.ndarray, np.ndarray]:
    """Weighted log-likelihood, per-respondent weighted scores and the Hessian (analytic)."""
    _, upper, lower, prob = _pieces(theta, X, y, n_levels, link)
    fu, fl = pdf(upper, link), pdf(lower, link)
    du, dl = dpdf(upper, link), dpdf(lower, link)
    a = fu - fl
    m = n_levels - 1
    cols = np.arange(m)
    is_upper = (y[:, None] == cols[None, :]).astype(float)  # respondent's upper cut is c_j
    is_lower = (y[:, None] - 1 == cols[None, :]).astype(float)  # lower cut is c_j
    g = is_upper * fu[:, None] - is_lower * fl[:, None]  # dP/dc
    h = is_upper * du[:, None] - is_lower * dl[:, None]  # d(fu - fl)/dc
    scores = np.column_stack((-X * (a / prob)[:, None], g / prob[:, None])) * w[:, None]
    hbb = (X * (w * ((du - dl) / prob - (a / prob) ** 2))[:, None]).T @ X
    hbc = -(X * w[:, None]).T @ ((h * prob[:, None] - a[:, None] * g) / prob[:, None] ** 2)
    hcc = np.diag((w[:, None] * h / prob[:, None]).sum(axis=0)) - (g * (w / prob**2)[:, None]).T @ g
    hessian = np.block([[hbb, hbc], [hbc.T, hcc]])
    loglike = float(np.sum(w * np.log(prob)))
    return loglike, scores, hessian


def start_values(y: np.ndarray, w: np.ndarray, k: int, n_levels: int, link: Link) -> np.ndarray:
    """Zero slopes and cut points matching the weighted marginal distribution of ``y``."""
    shares = np.bincount(y, weights=w, minlength=n_levels) / w.sum()
    cum = np.clip(np.cumsum(shares)[:-1], 1e-6, 1 - 1e-6)
    cuts = special.logit(cum) if link == "logit" else special.ndtri(cum)
    return np.concatenate((np.zeros(k), cuts))


def fit_ordered(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    n_levels: int,
    link: Link = "logit",
    max_iter: int = 100,
    tol: float = 1e-9,
    model: str = "ordered model",
) -> OrderedFit:
    """Fit an ordered logit/probit by Newton-Raphson with step halving.

    Args:
        X: ``(n, k)`` regressors without an intercept.
        y: Outcome category index ``0..n_levels-1``.
        w: Weights (mean one).
        n_levels: Number of categories.
        link: ``"logit"`` or ``"probit"``.
        max_iter: Iteration limit.
        tol: Convergence tolerance on the largest Newton step.
        model: The model and outcome, for messages.

    Warns:
        EstimationWarning: If the iterations run out before the steps become small (the last
            iterate is returned).

    Raises:
        DataError: If a category is empty or the likelihood cannot be maximised (e.g. perfect
            prediction or collinear regressors).
    """
    counts = np.bincount(y, minlength=n_levels)
    if (counts == 0).any():
        raise DataError(
            f"{model}: outcome category {int(np.argmin(counts)) + 1} has no respondent; "
            "merge it with a neighbour"
        )
    k = X.shape[1]
    theta = start_values(y, w, k, n_levels, link)
    loglike, scores, hessian = loglike_score_hessian(theta, X, y, w, n_levels, link)
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        try:
            step = np.linalg.solve(hessian, scores.sum(axis=0))
        except np.linalg.LinAlgError as exc:
            raise DataError(
                f"{model}: singular information matrix (collinear regressors?)"
            ) from exc
        size = 1.0
        while size > 1e-10:
            candidate = theta - size * step
            ordered = np.all(np.diff(candidate[k:]) > 0)
            if ordered:
                new_ll, new_scores, new_h = loglike_score_hessian(
                    candidate, X, y, w, n_levels, link
                )
                if new_ll >= loglike - 1e-10:
                    break
            size /= 2
        else:
            raise DataError(f"{model}: the likelihood could not be increased (separation?)")
        moved = float(np.max(np.abs(candidate - theta)))
        theta, loglike, scores, hessian = candidate, new_ll, new_scores, new_h
        if moved < tol:
            break
    else:
        warn(
            f"{model}: did not converge in {max_iter} iterations (last step {moved:.2g}); the "
            "estimates may be wrong; look for a regressor that nearly predicts the outcome"
        )
    try:
        bread = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError as exc:
        raise DataError(f"{model}: singular information matrix at the optimum") from exc
    return OrderedFit(theta, bread, scores, loglike, iterations)


def category_probabilities(
    beta: np.ndarray, cuts: np.ndarray, X: np.ndarray, link: Link
) -> np.ndarray:
    """``(n, J)`` probabilities of each outcome category."""
    eta = X @ beta
    cum = cdf(cuts[None, :] - eta[:, None], link)
    cum = np.column_stack((np.zeros(len(eta)), cum, np.ones(len(eta))))
    return np.diff(cum, axis=1)
