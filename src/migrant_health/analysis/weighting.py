"""Weights of the integration indicators: equal, entropy (熵权法) and principal component.

Every method returns one weight per indicator summing to one. A dimension's weight is the sum of
its indicators' weights, and a dimension score is the weighted mean of its indicators, so the
composite equals the weighted sum of all indicators.

* ``equal``: every dimension gets the parameter tree's ``integration.composite_weights`` (the
  simulation's weights, equal by default), shared equally by its indicators.
* ``entropy``: the entropy-weight method. With ``p_ij = x_ij / Σ_i x_ij`` the entropy of
  indicator ``j`` is ``e_j = -Σ_i p_ij ln p_ij / ln n`` and its weight is proportional to the
  divergence ``1 - e_j``: items on which respondents differ more weigh more.
* ``pca``: weights proportional to the absolute loadings of the first principal component of the
  indicators' correlation matrix (complete cases).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from migrant_health.analysis.indicators import DIMENSIONS, INDICATORS
from migrant_health.errors import DataError
from migrant_health.setting_names import setting

Method = Literal["equal", "entropy", "pca"]
METHODS: tuple[str, ...] = ("equal", "entropy", "pca")
_SHIFT = 1e-4  # the usual translation that keeps ln p finite for indicators at zero


def equal_weights(dimension_weights: np.ndarray) -> pd.Series:
    """Dimension weights shared equally by each dimension's indicators."""
    dims = dict(zip(DIMENSIONS, np.asarray(dimension_weights, float), strict=True))
    total = sum(dims.values())
    sizes = {d: sum(ind.dimension == d for ind in INDICATORS) for d in DIMENSIONS}
    return pd.Series(
        {ind.name: dims[ind.dimension] / total / sizes[ind.dimension] for ind in INDICATORS}
    )


def entropy_weights(indicators: pd.DataFrame) -> pd.Series:
    """Entropy weights (熵权法) of indicators on [0, 1]; missing values are skipped."""
    weights = {}
    for name in indicators.columns:
        x = indicators[name].dropna().to_numpy(dtype=float) + _SHIFT
        if x.size == 0:
            items = next((i.columns for i in INDICATORS if i.name == name), (name,))
            raise DataError(
                f"entropy weights: indicator '{name}' has no value: no respondent answered "
                f"{' or '.join(items)}; fill the item (or map it in the column map)"
            )
        if x.size < 2:
            raise DataError(f"entropy weights: indicator '{name}' has fewer than two values")
        p = x / x.sum()
        entropy = -np.sum(p * np.log(p)) / np.log(x.size)
        # An item no one varies on has entropy 1 up to rounding: weight exactly 0, not 1e-16.
        weights[name] = 0.0 if np.ptp(x) == 0 else max(1.0 - entropy, 0.0)
    series = pd.Series(weights)
    if series.sum() <= 0:
        raise DataError("entropy weights: no indicator varies across respondents")
    return series / series.sum()


_CONSTANT = 1e-9


def pca_weights(indicators: pd.DataFrame) -> pd.Series:
    """Weights from the first principal component of the indicators' correlations."""
    complete = indicators.dropna()
    # Indicators lie on [0, 1]: a spread under 1e-9 is a constant whose standard deviation
    # rounding left above 0 (it took a weight of 1e-16 and kept its dimension in the composite).
    varying = complete.loc[:, complete.std() > _CONSTANT]
    if len(complete) < 10 or varying.shape[1] < 2:
        raise DataError(
            "pca weights need at least 10 respondents with every indicator and two varying "
            f"indicators; use {setting('method', 'equal')} or {setting('method', 'entropy')}"
        )
    corr = np.corrcoef(varying.to_numpy(dtype=float), rowvar=False)
    values, vectors = np.linalg.eigh(corr)
    loading = np.abs(vectors[:, np.argmax(values)]) * np.sqrt(values.max())
    weights = pd.Series(0.0, index=indicators.columns)
    weights[varying.columns] = loading / loading.sum()
    return weights


def indicator_weights(
    method: str, indicators: pd.DataFrame, dimension_weights: np.ndarray
) -> pd.Series:
    """Indicator weights by ``method`` (``equal``, ``entropy`` or ``pca``), summing to one."""
    if method == "equal":
        return equal_weights(dimension_weights)
    if method == "entropy":
        return entropy_weights(indicators)
    if method == "pca":
        return pca_weights(indicators)
    raise DataError(f"unknown weighting method '{method}'; choose one of {', '.join(METHODS)}")
