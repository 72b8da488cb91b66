"""Ordered logit and probit for self-rated health, with average marginal effects.

``OrderedLogit(outcome="srh", exposure="integration", covariates=[...]).fit(data)`` estimates
``P(srh <= j) = F(c_j - x'b)``. Positive slopes shift respondents toward better health. The
average marginal effect (AME) of a regressor on each category ``P(srh = j)`` is the survey-weighted
mean over respondents of the derivative (continuous regressors) or of the discrete change from 0
to 1 (binary regressors and the dummies of a categorical one, against its reference level), with
delta-method standard errors. statsmodels' ``OrderedModel`` reports neither; both are written here.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from migrant_health.analysis.base import SurveyEstimator, row_dict, tidy
from migrant_health.analysis.delta import delta_se
from migrant_health.analysis.diagnostics import restated_warnings
from migrant_health.analysis.frame import ModelFrame, build_frame, regressor_matrix
from migrant_health.analysis.ordinal_mle import Link, category_probabilities, fit_ordered, pdf
from migrant_health.analysis.separation import check_separation
from migrant_health.errors import DataError


class OrderedRegression(SurveyEstimator):
    """Ordered-response regression (logit or probit link) with design-based standard errors.

    Args:
        outcome: Ordinal outcome column, coded with integers (``srh`` by default).
        exposure: Main regressor of interest.
        covariates: Other regressors.
        link: ``"logit"`` or ``"probit"``.
        weights: Probability-weight column.
        cluster: Cluster / PSU column.
        strata: Stratum column.
        alpha: One minus the confidence level.
        marginal_effects: Compute average marginal effects on every category.

    Attributes:
        levels_: Outcome categories, lowest first.
        coef_: Slopes (Series by term).
        cutpoints_: Cut points ``c_1..c_{J-1}`` (Series labelled ``"1|2"``, ...).
        vcov_: Variance of ``(slopes, cut points)``.
        n_: Respondents used.
        loglike_: Weighted log-likelihood.
        ame_: Tidy table of average marginal effects: term, category, estimate, se, ...
    """

    def __init__(
        self,
        outcome: str = "srh",
        exposure: str | None = None,
        covariates: tuple[str, ...] | list[str] | str = (),
        link: Link = "logit",
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        alpha: float = 0.05,
        marginal_effects: bool = True,
    ) -> None:
        super().__init__(outcome, exposure, covariates, weights, cluster, strata, alpha)
        self.link = link
        self.marginal_effects = marginal_effects

    @property
    def model_name(self) -> str:  # type: ignore[override]
        """``ologit`` or ``oprobit``."""
        return "ologit" if self.link == "logit" else "oprobit"

    def fit(self, data: pd.DataFrame) -> OrderedRegression:
        """Fit the model; see the class docstring for the fitted attributes."""
        if self.link not in ("logit", "probit"):
            raise DataError(f"link must be 'logit' or 'probit', got {self.link!r}")
        must_vary = [self.exposure] if self.exposure else []
        frame = build_frame(
            data,
            self.outcome,
            self.terms(),
            self.design,
            must_vary=must_vary,
            model=self.label,
            domain=self._domain,
        )
        if not np.allclose(frame.y, np.round(frame.y)):
            raise DataError(f"{self.label}: outcome '{self.outcome}' must hold integer codes")
        levels = np.unique(frame.y)
        if levels.size < 3:
            raise DataError(
                f"{self.label}: '{self.outcome}' has {levels.size} categories; use a logit"
            )
        y = np.searchsorted(levels, frame.y)
        X = frame.X.to_numpy()
        check_separation(X, y, levels.size, list(map(str, frame.X.columns)), self.label)
        with restated_warnings(self.label):
            result = fit_ordered(X, y, frame.weights, levels.size, self.link, model=self.label)
        k = X.shape[1]
        self.frame_: ModelFrame = frame
        self.levels_ = levels
        self.params_ = result.theta
        self.vcov_ = frame.design_vcov(result.scores, result.bread)
        self.n_ = frame.n
        self.loglike_ = result.loglike
        terms = list(frame.X.columns)
        cut_names = [f"{_fmt(a)}|{_fmt(b)}" for a, b in itertools.pairwise(levels)]
        self.coef_ = pd.Series(result.theta[:k], index=terms)
        self.cutpoints_ = pd.Series(result.theta[k:], index=cut_names)
        table = tidy(terms + cut_names, result.theta, np.sqrt(np.diag(self.vcov_)), self.alpha)
        table["kind"] = ["slope"] * k + ["cut"] * (levels.size - 1)
        self.coef_table_ = table
        self.ame_ = self._average_marginal_effects() if self.marginal_effects else None
        return self

    def predict_proba(self, data: pd.DataFrame) -> pd.DataFrame:
        """Probabilities of each outcome category for the respondents of ``data``."""
        self._check_fitted()
        X, _, _ = regressor_matrix(data, self.terms(), dict(self.frame_.levels))
        X = X.reindex(columns=self.coef_.index, fill_value=0.0)
        probs = category_probabilities(
            self.coef_.to_numpy(), self.cutpoints_.to_numpy(), X.to_numpy(), self.link
        )
        return pd.DataFrame(probs, index=data.index, columns=[_fmt(v) for v in self.levels_])

    def _average_marginal_effects(self) -> pd.DataFrame:
        frame = self.frame_
        X = frame.X.to_numpy()
        k = X.shape[1]
        w = frame.weights / frame.weights.sum()
        terms = list(frame.X.columns)
        involved = {p for t in frame.interactions for p in t.split(":")} | frame.interactions
        eligible = [j for j, t in enumerate(terms) if t not in involved]
        binary = {
            j for j in eligible if terms[j] in frame.factors or set(np.unique(X[:, j])) <= {0, 1}
        }
        siblings = {
            j: [i for i, t in enumerate(terms) if frame.factors.get(t) == frame.factors[terms[j]]]
            if terms[j] in frame.factors
            else [j]
            for j in binary
        }
        link = self.link

        def ames(theta: np.ndarray) -> np.ndarray:
            beta, cuts = theta[:k], theta[k:]
            out = []
            for j in eligible:
                if j in binary:
                    X0 = X.copy()
                    X0[:, siblings[j]] = 0.0
                    X1 = X0.copy()
                    X1[:, j] = 1.0
                    diff = category_probabilities(beta, cuts, X1, link) - category_probabilities(
                        beta, cuts, X0, link
                    )
                    out.append(w @ diff)
                else:
                    eta = X @ beta
                    ext = np.concatenate(([-np.inf], cuts, [np.inf]))
                    dens = pdf(ext[None, :] - eta[:, None], link)
                    out.append(-beta[j] * (w @ np.diff(dens, axis=1)))
            return np.concatenate(out) if out else np.zeros(0)

        value, se = delta_se(ames, self.params_, self.vcov_)
        names = [terms[j] for j in eligible for _ in self.levels_]
        table = tidy(names, value, se, self.alpha)
        table.insert(1, "category", [_fmt(v) for _ in eligible for v in self.levels_])
        return table

    def marginal_effects_table(self) -> pd.DataFrame:
        """Average marginal effects on each category (tidy, with a ``category`` column)."""
        self._check_fitted()
        if self.ame_ is None:
            raise DataError("marginal effects were switched off (marginal_effects=False)")
        return self.ame_.copy()

    def extra_tables(self) -> dict[str, pd.DataFrame]:
        """The average marginal effects, unless they were switched off."""
        self._check_fitted()
        if self.ame_ is None:
            return {}
        return {"Average marginal effects on P(outcome = category)": self.ame_}

    def to_dict(self) -> dict[str, Any]:
        """Coefficients, cut points and (if computed) marginal effects, JSON-ready."""
        out = super().to_dict()
        if self.ame_ is not None:
            out["marginal_effects"] = {
                f"{r['term']}@{r['category']}": row_dict(r) for _, r in self.ame_.iterrows()
            }
        return out


class OrderedLogit(OrderedRegression):
    """Ordered logit (proportional odds); see :class:`OrderedRegression` for the arguments."""

    def __init__(self, outcome: str = "srh", **options: Any) -> None:
        options.setdefault("link", "logit")
        super().__init__(outcome, **options)


class OrderedProbit(OrderedRegression):
    """Ordered probit; see :class:`OrderedRegression` for the arguments."""

    def __init__(self, outcome: str = "srh", **options: Any) -> None:
        options.setdefault("link", "probit")
        super().__init__(outcome, **options)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
