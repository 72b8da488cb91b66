"""Design-based (Taylor-linearisation) variance for survey estimates.

Survey users expect standard errors that respect the sampling design: probability weights,
strata and primary sampling units (PSUs). For an M-estimator with per-respondent weighted scores
``s_i`` and bread ``B = (-H)^-1`` the linearised variance is ``B Ω B`` with

    Ω = Σ_h n_h / (n_h - 1) Σ_{j in h} (z_hj - z̄_h)(z_hj - z̄_h)',   z_hj = Σ_{i in PSU j} s_i

(the estimator of Stata's ``svy: `` commands and R's ``survey`` package). Without PSUs each
respondent is its own PSU (heteroskedasticity-robust); without strata there is one stratum. The
clustered variance of pyfixest and linearmodels is the single-stratum case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from migrant_health.errors import DataError
from migrant_health.setting_names import setting


@dataclass(frozen=True)
class SurveyDesign:
    """Columns that describe how the sample was drawn.

    Attributes:
        weights: Column of probability weights (``None``: equal weights).
        strata: Column of sampling strata (``None``: one stratum).
        cluster: Column of primary sampling units or clusters (``None``: respondents).
    """

    weights: str | None = None
    strata: str | None = None
    cluster: str | None = None

    def columns(self) -> list[str]:
        """The design columns that are set."""
        return [c for c in (self.weights, self.strata, self.cluster) if c]

    @property
    def label(self) -> str:
        """How the standard errors are computed, for table notes."""
        if self.strata:
            return f"design-based (strata={self.strata}, psu={self.cluster or 'respondent'})"
        if self.cluster:
            return f"clustered by {self.cluster}"
        return "heteroskedasticity-robust"


def linearized_vcov(
    scores: np.ndarray,
    bread: np.ndarray,
    cluster: np.ndarray | None = None,
    strata: np.ndarray | None = None,
) -> np.ndarray:
    """Design-based variance ``B Ω B`` of an M-estimator.

    Args:
        scores: ``(n, k)`` weighted score (estimating-function) contributions, summing to zero.
        bread: ``(k, k)`` inverse of minus the Jacobian of the summed estimating functions
            (the Hessian for a likelihood; not symmetric for stacked two-step estimators).
        cluster: PSU label of each row (``None``: each row is a PSU).
        strata: Stratum label of each row (``None``: one stratum).

    Returns:
        The ``(k, k)`` variance matrix.

    Raises:
        DataError: If a stratum has a single PSU (its variance cannot be estimated).
    """
    n = scores.shape[0]
    strata_codes, strata_names = (
        (np.zeros(n, dtype=np.int64), np.array([None], dtype=object))
        if strata is None
        else pd.factorize(strata)
    )
    psu_codes = np.arange(n) if cluster is None else pd.factorize(cluster)[0].astype(np.int64)
    # PSU totals, keyed by (stratum, psu) so that a PSU label reused across strata stays distinct
    totals = pd.DataFrame(scores).groupby([strata_codes, psu_codes], sort=True).sum()
    psu_stratum = totals.index.get_level_values(0).to_numpy()
    z = totals.to_numpy()
    meat = np.zeros((scores.shape[1], scores.shape[1]))
    for h in np.unique(psu_stratum):
        zh = z[psu_stratum == h]
        n_h = zh.shape[0]
        if n_h < 2:
            # Named by the user's value (s1), not the internal code (3) it was factorised to.
            where = "the sample has" if strata is None else f"stratum '{strata_names[h]}' has"
            raise DataError(
                f"{where} a single primary sampling unit; merge it with a neighbouring "
                f"stratum (or drop {setting('strata')}) to estimate design-based standard errors"
            )
        centred = zh - zh.mean(axis=0)
        meat += n_h / (n_h - 1) * centred.T @ centred
    return bread @ meat @ bread.T
