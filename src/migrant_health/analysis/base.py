"""The estimator contract shared by every model of the survey toolkit.

As in scikit-learn: options are stored by ``__init__`` and nothing else happens there; ``fit``
takes a table, returns ``self`` and sets attributes whose names end with ``_``; ``summary()``
returns a tidy table with the columns ``term, estimate, se, p, ci_low, ci_high`` (plus
model-specific ones). ``to_dict()`` is the machine-readable result the CLI prints with ``--json``;
``extra_tables()`` are the model's other results, which the CLI prints after the coefficients.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from migrant_health.analysis.design import SurveyDesign
from migrant_health.errors import MigrantHealthError
from migrant_health.json_values import finite_or_none
from migrant_health.json_values import json_ready as json_ready  # re-exported

TIDY_COLUMNS = ["term", "estimate", "se", "p", "ci_low", "ci_high"]


class NotFittedError(MigrantHealthError, RuntimeError):
    """An estimator's results were asked for before ``fit``."""


def tidy(
    terms: list[str], estimate: np.ndarray, se: np.ndarray, alpha: float = 0.05
) -> pd.DataFrame:
    """A tidy coefficient table with normal-approximation p-values and intervals."""
    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = estimate / se
    crit = stats.norm.ppf(1 - alpha / 2)
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": estimate,
            "se": se,
            "p": 2 * stats.norm.sf(np.abs(z)),
            "ci_low": estimate - crit * se,
            "ci_high": estimate + crit * se,
        }
    )


def row_dict(row: pd.Series) -> dict[str, float | None]:
    """One tidy row as ``{estimate, se, p, ci_low, ci_high}`` (NaN as ``None``)."""
    return {k: finite_or_none(row[k]) for k in ("estimate", "se", "p", "ci_low", "ci_high")}


class SurveyEstimator:
    """Base of the survey toolkit's estimators.

    Args:
        outcome: Outcome column.
        exposure: Main regressor of interest (e.g. ``integration``); listed first.
        covariates: Other regressors (``C(x)`` for categorical, ``a:b`` for interactions).
        weights: Column of probability weights.
        cluster: Column of clusters / primary sampling units.
        strata: Column of sampling strata.
        alpha: One minus the confidence level of the intervals.
    """

    model_name = "model"
    coef_table_: pd.DataFrame
    # Rows of the domain being fitted by fit_in_domain (None: the whole table).
    _domain: np.ndarray | None = None

    def __init__(
        self,
        outcome: str,
        exposure: str | None = None,
        covariates: tuple[str, ...] | list[str] = (),
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        self.outcome = outcome
        self.exposure = exposure
        self.covariates = tuple(covariates)
        self.weights = weights
        self.cluster = cluster
        self.strata = strata
        self.alpha = alpha

    @property
    def design(self) -> SurveyDesign:
        """The sampling design given by ``weights``, ``strata`` and ``cluster``."""
        return SurveyDesign(weights=self.weights, strata=self.strata, cluster=self.cluster)

    @property
    def label(self) -> str:
        """The model and its outcome, as messages name them (``ologit of srh``)."""
        return f"{self.model_name} of {self.outcome}"

    def terms(self) -> list[str]:
        """Regressor terms: the exposure, then the covariates."""
        return [t for t in (self.exposure, *self.covariates) if t]

    def fit(self, data: pd.DataFrame) -> SurveyEstimator:  # pragma: no cover - abstract
        """Fit the model to ``data`` and return ``self``."""
        raise NotImplementedError

    def fit_in_domain(self, data: pd.DataFrame, in_domain: np.ndarray) -> SurveyEstimator:
        """Fit the model to a domain (subpopulation) of ``data``, keeping the sample's design.

        The estimates are those of the domain's respondents; the design-based variance is
        taken over the whole sample's strata and PSUs, the other respondents contributing
        scores of zero (Stata's ``svy, subpop()``). Fitting the domain's rows alone would
        treat them as a sample drawn by itself: a stratum where the domain reaches one PSU
        would stop the fit, and strata would lose the PSUs the domain happens to miss. Only
        the models whose frame supports it (ols, logit, probit, ologit, oprobit) take a
        domain; the others fit the whole table.

        Args:
            data: The whole sample.
            in_domain: One boolean per row of ``data``: the domain's respondents.
        """
        self._domain = np.asarray(in_domain, dtype=bool)
        try:
            return self.fit(data)
        finally:
            self._domain = None

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_table_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(data) first")

    def summary(self) -> pd.DataFrame:
        """Tidy coefficient table: term, estimate, se, p, ci_low, ci_high (and extras)."""
        self._check_fitted()
        table: pd.DataFrame = self.coef_table_
        return table.copy()

    def extra_tables(self) -> dict[str, pd.DataFrame]:
        """The model's results besides the coefficients, by title (none for this model)."""
        self._check_fitted()
        return {}

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable result: model, n and coefficients (the CLI's ``--json``)."""
        self._check_fitted()
        table = self.summary()
        return {
            "model": self.model_name,
            "n": int(getattr(self, "n_", 0)),
            **self.sample_dict(),
            "coefficients": {str(r["term"]): row_dict(r) for _, r in table.iterrows()},
        }

    def sample_dict(self) -> dict[str, Any]:
        """Respondents given, dropped, and dropped for each reason (``{}`` without a frame).

        ``dropped`` counts respondents per reason (``"weight missing": 201``); one respondent
        may lack several columns, so they can add up to more than ``n_dropped``.
        """
        frame = getattr(self, "frame_", None)
        if frame is None:
            return {}
        return {
            "respondents": int(frame.n + frame.n_dropped),
            "n_dropped": int(frame.n_dropped),
            "dropped": {str(k): int(v) for k, v in frame.dropped.items()},
        }
