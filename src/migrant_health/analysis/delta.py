"""Delta-method standard errors for smooth functions of estimated parameters."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def jacobian(func: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Central-difference Jacobian ``(m, p)`` of a vector function at ``theta``."""
    theta = np.asarray(theta, dtype=float)
    base = np.atleast_1d(func(theta))
    out = np.empty((base.size, theta.size))
    for j in range(theta.size):
        step = 1e-6 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        out[:, j] = (np.atleast_1d(func(up)) - np.atleast_1d(func(down))) / (2 * step)
    return out


def delta_se(
    func: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, vcov: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Value of ``func(theta)`` and its delta-method standard errors."""
    value = np.atleast_1d(func(theta))
    jac = jacobian(func, theta)
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None))
    return value, se
