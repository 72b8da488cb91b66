"""Causal mediation: integration -> social support -> health (seed section 3.1).

The mediator model is linear (``support ~ integration + covariates``); the outcome model is
linear, binary (logit or probit) or ordered (logit or probit) (``health ~ integration + support +
covariates``); ``outcome_type`` says which (``auto`` detects it from the values) and ``link``
which link a binary or ordered outcome model uses. Effects
follow Imai, Keele and Tingley (2010): with ``M(t)`` the mediator under exposure ``t`` (drawn with
its residual noise) and ``g(t, m)`` the expected outcome,

* ACME(t) = E[g(t, M(1)) - g(t, M(0))]     (indirect effect through the mediator)
* ADE(t)  = E[g(1, M(t)) - g(0, M(t))]     (direct effect)
* total   = E[g(1, M(1)) - g(0, M(0))] = ACME(avg) + ADE(avg); prop_mediated = ACME / total

between ``control_value`` and ``treat_value`` of the exposure (0 and 1 by default, as in R's
``mediation``: from no to full integration on the index's 0-1 scale). Intervals are percentile
intervals from quasi-Bayesian simulation of the parameters (``method="simulation"``) or from a
bootstrap over respondents or, with a design, over PSUs within strata (``method="bootstrap"``).

For an ordinal outcome ``g`` is the probability of the top categories, ``P(y >= top_from)``
(``P(srh >= 4)``, good or very good health, by default), and optionally of each category. This
case is written here because statsmodels' ``Mediation`` fails on ordinal outcome models.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from migrant_health.analysis.base import SurveyEstimator, row_dict, tidy
from migrant_health.analysis.design import linearized_vcov
from migrant_health.analysis.fitting import fit_binary, fit_wls
from migrant_health.analysis.frame import build_frame
from migrant_health.analysis.ordinal_mle import Link, cdf, fit_ordered
from migrant_health.analysis.separation import check_separation
from migrant_health.errors import DataError

OutcomeType = Literal["auto", "continuous", "binary", "ordinal"]
OUTCOME_TYPES: tuple[str, ...] = ("auto", "continuous", "binary", "ordinal")
EFFECTS = ("acme_control", "acme_treated", "ade_control", "ade_treated", "total")


@dataclass(frozen=True)
class _Fitted:
    """Mediator and outcome parameters for one draw."""

    mediator: np.ndarray
    outcome: np.ndarray
    sigma: float


def detect_outcome_type(values: np.ndarray, name: str) -> str:
    """``binary`` for 0/1, ``ordinal`` for few integer codes (or ``srh``), else ``continuous``."""
    distinct = np.unique(values)
    if set(distinct) <= {0.0, 1.0}:
        return "binary"
    if name == "srh" or (np.allclose(distinct, np.round(distinct)) and 3 <= distinct.size <= 7):
        return "ordinal"
    return "continuous"


#: Fewest simulations or bootstrap replicates: below this a 95% interval's tails rest on two
#: draws or fewer and the p-value cannot go below 0.01 (five draws printed *** with an
#: interval that missed the estimate).
MIN_SIMS = 100


class Mediation(SurveyEstimator):
    """Mediation analysis for continuous, binary and ordinal health outcomes.

    Args:
        outcome: Health outcome column (``srh``, a 0/1 indicator, ``bmi``, ...).
        exposure: Exposure column (default the composite ``integration`` index).
        mediator: Continuous mediator column (default ``social_support``).
        covariates: Confounders in both models.
        outcome_type: ``auto`` (detect), ``continuous``, ``binary`` or ``ordinal``.
        method: ``simulation`` (quasi-Bayesian) or ``bootstrap``.
        n_sims: Simulation draws or bootstrap replicates.
        control_value: Exposure value of the contrast's control condition.
        treat_value: Exposure value of the treated condition.
        top_from: Ordinal outcomes: effects on ``P(outcome >= top_from)``.
        each_category: Ordinal outcomes: also effects on each category's probability.
        link: Link of a binary or ordinal outcome model, ``logit`` or ``probit``.
        weights: Probability-weight column.
        cluster: Cluster / PSU column.
        strata: Stratum column.
        alpha: One minus the confidence level.
        random_state: Seed of the simulation or bootstrap.

    Attributes:
        outcome_type_: The outcome type used.
        effects_: Tidy table of acme, ade, total, prop_mediated (and control/treated versions).
        category_effects_: Ordinal outcomes with ``each_category``: effects on each category.
        mediator_model_: Tidy coefficients of the mediator model.
        outcome_model_: Tidy coefficients of the outcome model.
        draws_: Simulated or bootstrapped effects, one row per draw.
        n_: Respondents used.
    """

    model_name = "mediation"

    def __init__(
        self,
        outcome: str = "srh",
        exposure: str = "integration",
        mediator: str = "social_support",
        covariates: tuple[str, ...] | list[str] | str = (),
        outcome_type: OutcomeType = "auto",
        method: Literal["simulation", "bootstrap"] = "simulation",
        n_sims: int = 1000,
        control_value: float = 0.0,
        treat_value: float = 1.0,
        top_from: float = 4,
        each_category: bool = False,
        link: Link = "logit",
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        alpha: float = 0.05,
        random_state: int = 0,
    ) -> None:
        super().__init__(outcome, exposure, covariates, weights, cluster, strata, alpha)
        self.mediator = mediator
        self.outcome_type = outcome_type
        self.method = method
        self.n_sims = n_sims
        self.control_value = control_value
        self.treat_value = treat_value
        self.top_from = top_from
        self.each_category = each_category
        self.link = link
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------------

    def fit(self, data: pd.DataFrame) -> Mediation:
        """Fit both models, simulate the effects and return ``self``."""
        if self.method not in ("simulation", "bootstrap"):
            raise DataError(f"method must be 'simulation' or 'bootstrap', got {self.method!r}")
        if self.n_sims < MIN_SIMS:
            raise DataError(
                f"mediation: {self.n_sims} simulation(s) (--sims, n_sims) are too few: a 95% "
                f"interval's tails would rest on a handful of draws and the p-value could not "
                f"go below 1/{self.n_sims}; use at least {MIN_SIMS} (1000, the default, is usual)"
            )
        if self.mediator == self.exposure:
            raise DataError("the mediator must differ from the exposure")
        if self.outcome_type not in OUTCOME_TYPES:
            raise DataError(
                f"outcome_type must be one of {', '.join(OUTCOME_TYPES)}, got {self.outcome_type!r}"
            )
        if self.link not in ("logit", "probit"):
            raise DataError(f"link must be 'logit' or 'probit', got {self.link!r}")
        if self.treat_value == self.control_value:
            raise DataError(
                f"treat_value and control_value are both {self.treat_value:g}; the contrast "
                "needs two different exposure values"
            )
        exposure = str(self.exposure)
        frame = build_frame(
            data,
            self.outcome,
            [exposure, self.mediator, *self.covariates],
            self.design,
            must_vary=[exposure, self.mediator],
            model=self.label,
        )
        if frame.X.columns[:2].tolist() != [exposure, self.mediator]:
            raise DataError("exposure and mediator must be numeric and vary in the sample")
        kind: str = self.outcome_type
        if kind == "auto":
            kind = detect_outcome_type(frame.y, self.outcome)
        self.outcome_type_ = kind
        covars = frame.X.iloc[:, 2:].to_numpy()
        self._t = frame.X[exposure].to_numpy()
        self._m = frame.X[self.mediator].to_numpy()
        self._c = covars
        self._y = frame.y
        self._w = frame.weights
        if kind == "ordinal":
            self._levels = np.unique(frame.y)
            if self.top_from not in self._levels:
                raise DataError(
                    f"top_from={self.top_from} is not a category of '{self.outcome}' "
                    f"({', '.join(f'{v:g}' for v in self._levels)})"
                )
            if self.top_from == self._levels[0]:
                # P(y >= lowest category) is 1 whatever the exposure: every effect would be an
                # exact 0 with a standard error of 0, reported as significant.
                raise DataError(
                    f"top_from={self.top_from:g} is the lowest category of '{self.outcome}', so "
                    f"P({self.outcome} >= {self.top_from:g}) is 1 for everyone; choose one of "
                    f"{', '.join(f'{v:g}' for v in self._levels[1:])}"
                )
            self._ycode = np.searchsorted(self._levels, frame.y)
        elif kind == "binary" and not set(np.unique(frame.y)) <= {0.0, 1.0}:
            raise DataError(f"binary outcome '{self.outcome}' must be 0/1")
        self.n_ = frame.n
        self.frame_ = frame
        rows = np.arange(frame.n)
        if kind == "ordinal":
            check_separation(
                frame.X.to_numpy(), self._ycode, self._levels.size, self._names(), self.label
            )
        point, vcov_m, vcov_y = self._fit_models(rows, design=True)
        cov_names = list(frame.X.columns[2:])
        self.mediator_model_ = tidy(
            ["Intercept", exposure, *cov_names],
            point.mediator,
            np.sqrt(np.diag(vcov_m)),
            self.alpha,
        )
        self.outcome_model_ = tidy(
            self._outcome_terms(exposure, cov_names),
            point.outcome,
            np.sqrt(np.diag(vcov_y)),
            self.alpha,
        )
        rng = np.random.default_rng(self.random_state)
        estimate = np.mean([self._effects(point, rows, rng) for _ in range(20)], axis=0)
        draws = self._draws(point, vcov_m, vcov_y, rng)
        self.draws_ = pd.DataFrame(draws, columns=self._effect_names())
        self._summarise(estimate, draws)
        return self

    def _outcome_terms(self, exposure: str, cov_names: list[str]) -> list[str]:
        slopes = [exposure, self.mediator, *cov_names]
        if self.outcome_type_ == "ordinal":
            lv = self._levels
            return slopes + [f"{a:g}|{b:g}" for a, b in itertools.pairwise(lv)]
        return ["Intercept", *slopes]

    def _fit_models(self, rows: np.ndarray, design: bool) -> tuple[_Fitted, np.ndarray, np.ndarray]:
        """Fit the mediator and outcome models on ``rows`` (variances only if ``design``)."""
        t, m, c, w = self._t[rows], self._m[rows], self._c[rows], self._w[rows]
        ones = np.ones((len(rows), 1))
        med = fit_wls(np.column_stack((ones, t, c)), m, w)
        kind = self.outcome_type_
        if kind == "ordinal":
            fit = fit_ordered(
                np.column_stack((t, m, c)), self._ycode[rows], w, self._levels.size, self.link
            )
            out_params, out_bread, out_scores = fit.theta, fit.bread, fit.scores
        elif kind == "binary":
            # The whole sample is checked for separation; resamples of it are not.
            names = self._names() if design else None
            X = np.column_stack((ones, t, m, c))
            out = fit_binary(X, self._y[rows], w, self.link, names, self.label)
            out_params, out_bread, out_scores = out.params, out.bread, out.scores
        else:
            out = fit_wls(np.column_stack((ones, t, m, c)), self._y[rows], w)
            out_params, out_bread, out_scores = out.params, out.bread, out.scores
        fitted = _Fitted(med.params, out_params, med.sigma)
        if not design:
            return fitted, np.empty((0, 0)), np.empty((0, 0))
        frame = self.frame_
        vcov_m = linearized_vcov(med.scores, med.bread, frame.cluster, frame.strata)
        vcov_y = linearized_vcov(out_scores, out_bread, frame.cluster, frame.strata)
        return fitted, vcov_m, vcov_y

    # -- effects -------------------------------------------------------------------------------

    def _effect_names(self) -> list[str]:
        names = list(EFFECTS)
        if self.outcome_type_ == "ordinal" and self.each_category:
            names += [f"{e}@{v:g}" for v in self._levels for e in EFFECTS]
        return names

    def _expected(self, params: np.ndarray, t: float, m: np.ndarray, c: np.ndarray) -> np.ndarray:
        """Expected outcome quantities ``(n, q)`` under exposure ``t`` and mediator ``m``."""
        kind = self.outcome_type_
        if kind == "ordinal":
            k = 2 + c.shape[1]
            eta = params[0] * t + params[1] * m + c @ params[2:k]
            cuts = params[k:]
            cum = cdf(cuts[None, :] - eta[:, None], self.link)  # P(y <= level j)
            top = int(np.searchsorted(self._levels, self.top_from))
            columns = [1.0 - cum[:, top - 1]] if top > 0 else [np.ones(len(eta))]
            if self.each_category:
                full = np.column_stack((np.zeros(len(eta)), cum, np.ones(len(eta))))
                columns += list(np.diff(full, axis=1).T)
            return np.column_stack(columns)
        eta = params[0] + params[1] * t + params[2] * m + c @ params[3:]
        return (cdf(eta, self.link) if kind == "binary" else eta)[:, None]

    def _effects(self, fitted: _Fitted, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Effects for one parameter draw on the respondents ``rows``."""
        c, w = self._c[rows], self._w[rows]
        w = w / w.sum()
        a = fitted.mediator
        noise = rng.normal(0.0, fitted.sigma, len(rows))
        t0, t1 = float(self.control_value), float(self.treat_value)
        base = a[0] + c @ a[2:] + noise
        m0, m1 = base + a[1] * t0, base + a[1] * t1
        p = fitted.outcome
        tv = (t0, t1)
        g = {(i, j): w @ self._expected(p, tv[i], (m0, m1)[j], c) for i in (0, 1) for j in (0, 1)}
        acme0, acme1 = g[(0, 1)] - g[(0, 0)], g[(1, 1)] - g[(1, 0)]
        ade0, ade1 = g[(1, 0)] - g[(0, 0)], g[(1, 1)] - g[(0, 1)]
        total = g[(1, 1)] - g[(0, 0)]
        stacked = np.vstack((acme0, acme1, ade0, ade1, total))  # (5, q)
        return stacked.T.ravel()  # quantity-major: all effects of the first quantity, ...

    def _draws(
        self, point: _Fitted, vcov_m: np.ndarray, vcov_y: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        out = []
        if self.method == "simulation":
            med = self._simulate(point.mediator, vcov_m, "mediator", rng)
            res = self._simulate(point.outcome, vcov_y, "outcome", rng)
            rows = np.arange(self.n_)
            if self.outcome_type_ == "ordinal":
                res = self._ordered_cuts(res, point.outcome.size - (self._levels.size - 1))
            for i in range(self.n_sims):
                out.append(self._effects(_Fitted(med[i], res[i], point.sigma), rows, rng))
        else:
            for _ in range(self.n_sims):
                rows = self._resample(rng)
                try:
                    fitted, _, _ = self._fit_models(rows, design=False)
                except DataError:
                    continue  # a degenerate resample (e.g. an empty category): skip it
                out.append(self._effects(fitted, rows, rng))
            if len(out) < max(2, self.n_sims // 2):
                raise DataError("mediation bootstrap: most resamples could not be fitted")
        return np.asarray(out)

    def _simulate(
        self, mean: np.ndarray, vcov: np.ndarray, which: str, rng: np.random.Generator
    ) -> np.ndarray:
        """Quasi-Bayesian draws of one model's parameters."""
        try:
            return rng.multivariate_normal(mean, vcov, self.n_sims, method="cholesky")
        except np.linalg.LinAlgError:
            # A variance that is not positive definite: some coefficient is not identified.
            se = np.sqrt(np.clip(np.diag(vcov), 0, None))
            terms = (self.mediator_model_ if which == "mediator" else self.outcome_model_)["term"]
            worst = str(terms.iloc[int(np.argmax(se))]) if se.size else "?"
            raise DataError(
                f"{self.label}: the {which} model's coefficients are not all identified (its "
                f"variance is singular; '{worst}' is the least determined), so effects cannot be "
                "simulated; drop or merge regressors, or use method='bootstrap'"
            ) from None

    def _names(self) -> list[str]:
        """Outcome-model regressor names (exposure, mediator, covariates)."""
        return [str(c) for c in self.frame_.X.columns]

    @staticmethod
    def _ordered_cuts(draws: np.ndarray, k: int) -> np.ndarray:
        """Keep simulated cut points ordered (a draw can rarely cross two close cut points)."""
        draws[:, k:] = np.maximum.accumulate(draws[:, k:], axis=1)
        return draws

    def _resample(self, rng: np.random.Generator) -> np.ndarray:
        """Bootstrap rows: respondents, or whole PSUs within strata when a design is given."""
        frame = self.frame_
        n = frame.n
        if frame.cluster is None and frame.strata is None:
            return rng.integers(0, n, n)
        psu = pd.factorize(frame.cluster)[0] if frame.cluster is not None else np.arange(n)
        stratum = pd.factorize(frame.strata)[0] if frame.strata is not None else np.zeros(n, int)
        groups = pd.Series(np.arange(n)).groupby([stratum, psu]).apply(np.asarray)
        rows: list[np.ndarray] = []
        for h in np.unique(stratum):
            units = groups.loc[h].to_list()
            picks = rng.integers(0, len(units), len(units))
            rows.extend(units[i] for i in picks)
        return np.concatenate(rows)

    def _summarise(self, estimate: np.ndarray, draws: np.ndarray) -> None:
        names = self._effect_names()
        est = dict(zip(names, estimate, strict=True))
        sims = {name: draws[:, i] for i, name in enumerate(names)}
        for prefix in ["", *[f"@{v:g}" for v in getattr(self, "_levels", [])]]:
            if f"total{prefix}" not in sims:
                continue
            for effect in ("acme", "ade"):
                key_c, key_t = f"{effect}_control{prefix}", f"{effect}_treated{prefix}"
                est[f"{effect}{prefix}"] = (est[key_c] + est[key_t]) / 2
                sims[f"{effect}{prefix}"] = (sims[key_c] + sims[key_t]) / 2
            with np.errstate(divide="ignore", invalid="ignore"):
                est[f"prop_mediated{prefix}"] = est[f"acme{prefix}"] / est[f"total{prefix}"]
                sims[f"prop_mediated{prefix}"] = sims[f"acme{prefix}"] / sims[f"total{prefix}"]
        order = ["acme", "ade", "total", "prop_mediated", *EFFECTS[:4]]
        self.effects_ = self._table(order, est, sims)
        self.effects_.insert(1, "scale", self._scale())
        self.category_effects_ = None
        if self.outcome_type_ == "ordinal" and self.each_category:
            rows = [f"{e}@{v:g}" for v in self._levels for e in ("acme", "ade", "total")]
            table = self._table(rows, est, sims)
            table.insert(1, "category", [r.split("@")[1] for r in rows])
            table["term"] = [r.split("@")[0] for r in rows]
            self.category_effects_ = table
        self.coef_table_ = self.effects_

    def _table(
        self, names: list[str], est: dict[str, float], sims: dict[str, np.ndarray]
    ) -> pd.DataFrame:
        lo, hi = 100 * self.alpha / 2, 100 * (1 - self.alpha / 2)
        records = []
        for name in names:
            s = sims[name][np.isfinite(sims[name])]
            p = 2 * min(np.mean(s > 0), np.mean(s < 0)) if s.size else np.nan
            # No draw on the other side of 0 says p < 1/draws, not p = 0.
            p = max(p, 1 / s.size) if s.size else p
            records.append(
                {
                    "term": name,
                    "estimate": float(est[name]),
                    "se": float(np.std(s, ddof=1)) if s.size > 1 else np.nan,
                    "p": float(min(p, 1.0)),
                    "ci_low": float(np.percentile(s, lo)) if s.size else np.nan,
                    "ci_high": float(np.percentile(s, hi)) if s.size else np.nan,
                }
            )
        return pd.DataFrame.from_records(records)

    def _scale(self) -> str:
        if self.outcome_type_ == "ordinal":
            return f"P({self.outcome} >= {self.top_from:g})"
        if self.outcome_type_ == "binary":
            return f"P({self.outcome} = 1)"
        return f"E[{self.outcome}]"

    def extra_tables(self) -> dict[str, pd.DataFrame]:
        """The effects with their simulated p-values (with ``each_category``, on each category
        too), and the mediator and outcome models."""
        self._check_fitted()
        draws = len(self.draws_)

        def shown(table: pd.DataFrame) -> pd.DataFrame:
            p = table["p"]
            return table.assign(
                p=[f"< {1 / draws:.2g}" if v <= 1 / draws else f"{v:.3g}" for v in p]
            )

        tables = {
            f"Effects ({self.method}, {draws:,} draws; p < 1/draws when no draw crosses 0)": (
                shown(self.effects_)
            ),
        }
        if self.category_effects_ is not None:
            # Asked for with each_category: it was in the JSON only.
            title = f"Effects on each category, P({self.outcome} = category)"
            tables[title] = shown(self.category_effects_)
        return {
            **tables,
            "Mediator model": self.mediator_model_,
            "Outcome model": self.outcome_model_,
        }

    def to_dict(self) -> dict[str, Any]:
        """Model, n, both models' coefficients and acme/ade/total/prop_mediated with intervals."""
        self._check_fitted()
        coefficients = {
            f"mediator:{r['term']}": row_dict(r) for _, r in self.mediator_model_.iterrows()
        }
        coefficients.update(
            {f"outcome:{r['term']}": row_dict(r) for _, r in self.outcome_model_.iterrows()}
        )
        out: dict[str, Any] = {
            "model": self.model_name,
            "n": int(self.n_),
            **self.sample_dict(),
            "outcome_type": self.outcome_type_,
            "scale": self._scale(),
            "method": self.method,
            "contrast": {"control": self.control_value, "treated": self.treat_value},
            "coefficients": coefficients,
        }
        table = self.effects_.set_index("term")
        for name in ("acme", "ade", "total", "prop_mediated"):
            out[name] = row_dict(table.loc[[name]].iloc[0])
        if self.category_effects_ is not None:
            out["category_effects"] = {
                f"{r['term']}@{r['category']}": row_dict(r)
                for _, r in self.category_effects_.iterrows()
            }
        return out
