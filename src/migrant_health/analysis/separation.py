"""Separation: when regressors predict a binary or ordered outcome perfectly.

A logit, probit or ordered model has no maximum-likelihood estimate when some combination of
regressors sorts the respondents by outcome: the likelihood keeps rising as the coefficients grow,
and a library stops at an arbitrary large value with a tiny standard error (``2.356***``).
Following Konis (2007), whether such a direction exists is a linear programme: find slopes ``b``
and cut points ``c`` (the binary intercept is the single cut) with, for each respondent in
category ``j``, ``c_{j-1} <= x'b <= c_j``. If every respondent can be put strictly inside its
interval, separation is **complete** and the model is refused. If only some can (the others on an
edge), it is **quasi-complete**: the coefficients involved run to infinity while the others are
still estimated, so the fit warns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse

from migrant_health.analysis.diagnostics import warn
from migrant_health.errors import DataError

_TOL = 1e-7


@dataclass(frozen=True)
class Separation:
    """A separating direction.

    Attributes:
        complete: Every respondent is predicted perfectly (else quasi-complete).
        variables: Regressors whose coefficient runs to infinity along the direction.
    """

    complete: bool
    variables: tuple[str, ...]


def _constraints(X: np.ndarray, y: np.ndarray, n_levels: int) -> sparse.csr_matrix:
    """Rows ``G`` with ``G @ (b, c) >= 0`` for every respondent's interval edge."""
    m = n_levels - 1
    blocks = []
    lower = y > 0  # x'b - c_{y-1} >= 0
    if lower.any():
        cut = sparse.csr_matrix(
            (-np.ones(lower.sum()), (np.arange(lower.sum()), y[lower] - 1)), shape=(lower.sum(), m)
        )
        blocks.append(sparse.hstack([sparse.csr_matrix(X[lower]), cut]))
    upper = y < m  # c_y - x'b >= 0
    if upper.any():
        cut = sparse.csr_matrix(
            (np.ones(upper.sum()), (np.arange(upper.sum()), y[upper])), shape=(upper.sum(), m)
        )
        blocks.append(sparse.hstack([sparse.csr_matrix(-X[upper]), cut]))
    return sparse.vstack(blocks).tocsr()


def _order(k: int, m: int) -> sparse.csr_matrix:
    """Rows with ``c_j - c_{j-1} >= 0`` (cut points stay ordered)."""
    if m < 2:
        return sparse.csr_matrix((0, k + m))
    diff = sparse.diags([-np.ones(m - 1), np.ones(m - 1)], [0, 1], shape=(m - 1, m))
    return sparse.hstack([sparse.csr_matrix((m - 1, k)), diff]).tocsr()


def _margin(G: sparse.csr_matrix, order: sparse.csr_matrix) -> tuple[float, np.ndarray]:
    """Largest common margin ``t`` with ``G (b, c) >= t`` in the unit box, and the direction."""
    p = G.shape[1]
    # variables (b, c, t); maximise t subject to -G (b, c) + t <= 0 and -order (b, c) <= 0
    a_ub = sparse.vstack(
        [
            sparse.hstack([-G, sparse.csr_matrix(np.ones((G.shape[0], 1)))]),
            sparse.hstack([-order, sparse.csr_matrix((order.shape[0], 1))]),
        ]
    ).tocsr()
    cost = np.zeros(p + 1)
    cost[-1] = -1.0
    bounds = [(-1.0, 1.0)] * p + [(None, 1.0)]
    result = optimize.linprog(cost, A_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), bounds=bounds)
    if result.status != 0:
        return 0.0, np.zeros(p)
    return float(result.x[-1]), result.x[:p]


def _total_slack(G: sparse.csr_matrix, order: sparse.csr_matrix) -> tuple[float, np.ndarray]:
    """Largest total slack ``sum G (b, c)`` with every slack >= 0 in the unit box."""
    p = G.shape[1]
    a_ub = sparse.vstack([-G, -order]).tocsr()
    cost = -np.asarray(G.sum(axis=0)).ravel()
    result = optimize.linprog(cost, A_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), bounds=(-1, 1))
    if result.status != 0:
        return 0.0, np.zeros(p)
    return float(-result.fun), result.x


def find_separation(
    X: np.ndarray, y: np.ndarray, n_levels: int, names: list[str]
) -> Separation | None:
    """The separating direction of ``(X, y)``, or ``None`` if the estimates exist.

    Args:
        X: ``(n, k)`` regressors without an intercept (the cut points play its part).
        y: Outcome category index ``0..n_levels-1`` (0/1 for a binary model).
        n_levels: Number of categories (2 for a binary model).
        names: Names of the columns of ``X``.
    """
    n, k = X.shape
    if k == 0:
        return None
    scale = np.abs(X).max(axis=0)
    Xs = X / np.where(scale > 0, scale, 1.0)  # unit scale, so one tolerance fits all columns
    y = np.asarray(y, dtype=np.int64)
    G = _constraints(Xs, y, n_levels)
    order = _order(k, n_levels - 1)
    margin, direction = _margin(G, order)
    if margin > _TOL:
        singles = []
        for j in range(k):
            # The variables that separate on their own are the ones to name.
            keep = np.r_[np.arange(k) == j, np.ones(n_levels - 1, dtype=bool)]
            if _margin(G[:, keep], order[:, keep])[0] > _TOL:
                singles.append(names[j])
        involved = singles or [names[j] for j in range(k) if abs(direction[j]) > 1e-6]
        return Separation(True, tuple(involved))
    slack, direction = _total_slack(G, order)
    if slack > 1e-6 * max(n, 1):
        return Separation(False, tuple(names[j] for j in range(k) if abs(direction[j]) > 1e-6))
    return None


def check_separation(
    X: np.ndarray, y: np.ndarray, n_levels: int, names: list[str], model: str
) -> None:
    """Refuse complete separation; warn, naming the variables, on quasi-complete separation.

    Args:
        X: Regressors without an intercept.
        y: Outcome category index ``0..n_levels-1``.
        n_levels: Number of outcome categories.
        names: Column names of ``X``.
        model: The model and outcome, for the message (``"logit of depressed"``).

    Raises:
        DataError: If the regressors predict every respondent's outcome perfectly.
    """
    found = find_separation(X, y, n_levels, names)
    if found is None:
        return
    variables = ", ".join(found.variables) or "the regressors together"
    if found.complete:
        raise DataError(
            f"{model}: {variables} predict(s) every respondent's outcome perfectly (complete "
            "separation), so the coefficients have no finite estimate; drop or coarsen "
            f"{variables}, or merge outcome categories"
        )
    warn(
        f"{model}: {variables} predict(s) the outcome perfectly for some respondents "
        "(quasi-complete separation); their coefficients and standard errors are not "
        "meaningful, the others are; consider dropping or merging the categories involved"
    )
