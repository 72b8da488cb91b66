"""Heckman two-step selection correction for outcomes seen only among those still in the city.

A destination survey sees only the out-migrants who stayed: if those who left (returned home,
seed section 3.2) differ in unobserved health, an outcome regression on stayers is biased. The
two-step estimator (Heckman 1979) fits a probit of staying, ``P(s = 1) = Φ(z'γ)``, then the
outcome regression on stayers with the inverse Mills ratio ``λ = φ(z'γ) / Φ(z'γ)`` added:
``E[y | x, s = 1] = x'β + β_λ λ`` with ``β_λ = ρσ``.

Identification needs an exclusion restriction: a variable in the selection equation but not in
the outcome equation (e.g. family ties at the origin, land holdings), so the estimator refuses to
run without one. Standard errors are corrected for the estimated ``γ`` in one of two ways:

* ``se="robust"`` (default): the two steps are stacked as one M-estimator and given the sandwich
  (Murphy-Topel / GMM) variance, design-based when weights, strata or clusters are given. No
  library offers this with survey weights; it is written here.
* ``se="conventional"``: Heckman's (1979) two-step variance, which assumes the model's normal,
  homoskedastic errors and simple random sampling (Greene, *Econometric Analysis*, section 19.5;
  Stata's ``heckman, twostep``). Textbooks report these, so they are the ones to compare with;
  with weights or a design, use ``robust``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from migrant_health.analysis.base import (
    SurveyEstimator,
    column_names,
    finite_or_none,
    row_dict,
    tidy,
)
from migrant_health.analysis.delta import jacobian
from migrant_health.analysis.design import linearized_vcov
from migrant_health.analysis.fitting import fit_binary
from migrant_health.analysis.frame import (
    as_float,
    build_frame,
    regressor_matrix,
    require_columns,
    source_columns,
)
from migrant_health.analysis.sample import refuse_out_of_schema
from migrant_health.errors import DataError
from migrant_health.setting_names import setting

SE_TYPES: tuple[str, ...] = ("robust", "conventional")


def conventional_vcov(
    W: np.ndarray,
    Z: np.ndarray,
    resid: np.ndarray,
    gamma: np.ndarray,
    lambda_coef: float,
    probit_vcov: np.ndarray,
) -> np.ndarray:
    """Heckman's two-step variance of ``(γ, (β, β_λ))`` (unweighted; selected respondents).

    ``V = σ² M [W'(I - ρ²Δ)W + ρ² (W'ΔZ) V_γ (Z'ΔW)] M`` with ``M = (W'W)^-1``, ``W = (X, λ)``,
    ``Δ = diag(λ_i (λ_i + z_i'γ))``, ``σ² = e'e / n + β_λ² mean(Δ)`` and ``ρ = β_λ / σ`` (kept
    within [-1, 1], as Stata does). The selection block is the probit's own variance; the
    covariance of the two blocks is not part of the textbook estimator and is left at zero.

    Args:
        W: ``(n1, k)`` outcome regressors and the inverse Mills ratio, selected respondents.
        Z: ``(n1, q)`` selection regressors of the same respondents.
        resid: Second-step residuals of the same respondents.
        gamma: Probit coefficients.
        lambda_coef: Coefficient of the inverse Mills ratio, ``β_λ = ρσ``.
        probit_vcov: The probit's variance (inverse information).
    """
    lam = W[:, -1]
    d = lam * (lam + Z @ gamma)
    sigma2 = float(resid @ resid / len(resid) + lambda_coef**2 * d.mean())
    rho2 = min(lambda_coef**2 / sigma2, 1.0)
    M = np.linalg.inv(W.T @ W)
    WdZ = (W * d[:, None]).T @ Z
    middle = (W * (1.0 - rho2 * d)[:, None]).T @ W + rho2 * WdZ @ probit_vcov @ WdZ.T
    outcome = sigma2 * M @ middle @ M
    q, k = len(gamma), W.shape[1]
    return np.block([[probit_vcov, np.zeros((q, k))], [np.zeros((k, q)), outcome]])


def inverse_mills(z: np.ndarray) -> np.ndarray:
    """``φ(z) / Φ(z)``, computed stably for very negative ``z``."""
    return np.exp(stats.norm.logpdf(z) - special.log_ndtr(z))


class HeckmanTwoStep(SurveyEstimator):
    """Two-step selection model with corrected (stacked-sandwich) standard errors.

    Args:
        outcome: Outcome column (missing for those not selected is fine).
        exposure: Main regressor of interest in the outcome equation.
        covariates: Other outcome-equation regressors.
        selection: 0/1 column, 1 = observed (still in the city); required (no schema column
            holds it).
        selection_covariates: Selection-equation regressors; must include at least one variable
            absent from the outcome equation (the exclusion restriction). The outcome regressors
            are added to them automatically.
        se: ``robust`` (stacked sandwich, design-based) or ``conventional`` (Heckman's
            two-step variance; simple random samples only).
        weights: Probability-weight column.
        cluster: Cluster / PSU column.
        strata: Stratum column.
        alpha: One minus the confidence level.

    Attributes:
        coef_table_: Outcome equation (``equation == "outcome"``, with ``lambda`` the inverse
            Mills ratio's coefficient ρσ) and selection equation (``equation == "selection"``).
        rho_: Correlation of the two equations' errors.
        sigma_: Standard deviation of the outcome error.
        naive_: Outcome coefficients from OLS on the selected sample, for comparison.
        n_: Respondents in the selection equation; ``n_selected_``: in the outcome equation.
        frame_: The selection equation's model frame (respondents used, left out and why).
    """

    model_name = "heckman"

    def __init__(
        self,
        outcome: str,
        exposure: str | None = None,
        covariates: tuple[str, ...] | list[str] | str = (),
        selection: str | None = None,
        selection_covariates: tuple[str, ...] | list[str] | str = (),
        se: Literal["robust", "conventional"] = "robust",
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        super().__init__(outcome, exposure, covariates, weights, cluster, strata, alpha)
        self.selection = selection
        self.selection_covariates = column_names(self, "selection_covariates", selection_covariates)
        self.se = se

    def fit(self, data: pd.DataFrame) -> HeckmanTwoStep:
        """Fit both steps and return ``self``."""
        if not self.selection:
            raise DataError(f"heckman needs {setting('selection')} (0/1: still in the city)")
        if self.se not in SE_TYPES:
            raise DataError(f"heckman: se must be one of {', '.join(SE_TYPES)}, got {self.se!r}")
        if self.se == "conventional" and self.design.columns():
            raise DataError(
                "heckman: conventional standard errors assume a simple random sample; with "
                f"{', '.join(self.design.columns())} use se='robust' (--se robust)"
            )
        outcome_terms = self.terms()
        outcome_vars = {c for t in outcome_terms for c in source_columns(t)}
        excluded = [
            t for t in self.selection_covariates if not set(source_columns(t)) <= outcome_vars
        ]
        if not excluded:
            raise DataError(
                "heckman: the selection equation needs an exclusion restriction, a variable "
                "that predicts staying but is not in the outcome equation; add one to "
                f"{setting('selection_covariates')}"
            )
        sel_terms = list(dict.fromkeys([*outcome_terms, *self.selection_covariates]))
        needed = [self.selection, *(c for t in sel_terms for c in source_columns(t))]
        require_columns(data, [self.outcome, *needed, *self.design.columns()])
        if self.outcome in needed:
            raise DataError(
                f"{self.label}: '{self.outcome}' is the outcome and a regressor (or the "
                "selection column) at once; choose another outcome or regressor"
            )
        refuse_out_of_schema(data, [self.outcome], self.label)
        s_all = as_float(data[self.selection])
        values = set(np.unique(s_all[~np.isnan(s_all)]))
        if not values <= {0.0, 1.0} or np.isnan(s_all).all():
            # A text column reads as all missing: refused here, not after it emptied the rows.
            raise DataError(
                f"heckman: selection column '{self.selection}' must be 0/1 (1 = observed, "
                "still in the city); it holds "
                + (
                    "no number"
                    if np.isnan(s_all).all()
                    else ", ".join(f"{v:g}" for v in sorted(values - {0.0, 1.0})[:3])
                )
            )
        y_all = as_float(data[self.outcome])
        selected = s_all == 1
        if not (selected & ~np.isnan(y_all)).any():
            raise DataError(
                f"heckman: no selected respondent ({self.selection} = 1) has "
                f"'{self.outcome}'; the outcome equation has nothing to fit"
            )
        # The sample step every model shares: listwise deletion over the selection equation's
        # columns and the design, zero weights left out, negative weights refused by row, and
        # each reason counted. Item nonresponse among the selected (a synthetic survey's
        # --nonresponse, a real survey's refusals) is left out of both equations and counted
        # too, as Stata's heckman does with an explicit selection variable; those not selected
        # have no outcome by design and stay in the selection equation.
        frame = build_frame(
            data.reset_index(drop=True),  # row positions as the index: y_all is by position
            self.selection,
            sel_terms,
            self.design,
            must_vary=[self.exposure] if self.exposure else [],
            model=self.label,
            left_out={
                f"{self.outcome} missing though selected ({self.selection} = 1)": (
                    selected & np.isnan(y_all)
                )
            },
        )
        rows = frame.index.to_numpy()
        outcome_columns, _, _ = regressor_matrix(data.iloc[:1], outcome_terms, dict(frame.levels))
        kept_excluded = [c for c in frame.X.columns if c not in outcome_columns.columns]
        if not kept_excluded:
            raise DataError(
                f"{self.label}: the exclusion restriction ({', '.join(excluded)}) was dropped "
                "from the selection equation (one value, or collinear with the outcome's "
                "regressors, among the respondents used); choose a variable that varies on "
                "its own"
            )
        Z = frame.X.copy()
        Z.insert(0, "Intercept", 1.0)
        X = Z.loc[:, ["Intercept", *[c for c in outcome_columns.columns if c in Z.columns]]]
        s, w = frame.y, frame.weights
        sel_mask = s == 1
        y = np.where(sel_mask, y_all[rows], 0.0)
        Zm, Xm = Z.to_numpy(), X.to_numpy()
        label = f"heckman selection equation of {self.selection}"
        probit = fit_binary(Zm, s, w, "probit", [str(c) for c in Z.columns[1:]], label)
        gamma = probit.params
        q, k = Zm.shape[1], Xm.shape[1] + 1

        def outcome_scores(gamma_: np.ndarray, delta: np.ndarray) -> np.ndarray:
            lam = inverse_mills(Zm @ gamma_)
            W = np.column_stack((Xm, lam))
            resid = y - W @ delta
            return W * (w * sel_mask * resid)[:, None]

        lam = inverse_mills(Zm @ gamma)
        W = np.column_stack((Xm, lam))
        Ws = W[sel_mask] * w[sel_mask, None]
        delta = np.linalg.solve(Ws.T @ W[sel_mask], Ws.T @ y[sel_mask])
        if self.se == "robust":
            # Stacked estimating equations psi = (probit scores, outcome normal equations)
            a11 = np.linalg.inv(probit.bread)
            a21 = -jacobian(lambda g: outcome_scores(g, delta).sum(axis=0), gamma)
            a22 = Ws.T @ W[sel_mask]
            A = np.block([[a11, np.zeros((q, k))], [a21, a22]])
            scores = np.column_stack((probit.scores, outcome_scores(gamma, delta)))
            vcov = linearized_vcov(
                scores,
                np.linalg.inv(A),
                frame.cluster,
                frame.strata,
            )
        else:
            vcov = conventional_vcov(
                W[sel_mask],
                Zm[sel_mask],
                (y - W @ delta)[sel_mask],
                gamma,
                float(delta[-1]),
                probit.bread,
            )
        se = np.sqrt(np.diag(vcov))
        out_names = [*X.columns, "lambda"]
        table_out = tidy(out_names, delta, se[q:], self.alpha)
        table_out.insert(1, "equation", "outcome")
        table_sel = tidy(list(Z.columns), gamma, se[:q], self.alpha)
        table_sel.insert(1, "equation", "selection")
        self.coef_table_ = pd.concat([table_out, table_sel], ignore_index=True)
        resid = (y - W @ delta)[sel_mask]
        z_sel = (Zm @ gamma)[sel_mask]
        lam_sel = lam[sel_mask]
        ws = w[sel_mask] / w[sel_mask].sum()
        sigma2 = float(ws @ resid**2 + delta[-1] ** 2 * (ws @ (lam_sel * (lam_sel + z_sel))))
        self.sigma_ = float(np.sqrt(sigma2))
        self.rho_ = float(np.clip(delta[-1] / self.sigma_, -1.0, 1.0))
        Xs = Xm[sel_mask] * w[sel_mask, None]
        naive = np.linalg.solve(Xs.T @ Xm[sel_mask], Xs.T @ y[sel_mask])
        self.naive_ = pd.Series(naive, index=X.columns)
        self.coef_ = pd.Series(delta, index=out_names)
        self.vcov_ = vcov
        self.frame_ = frame
        self.n_ = frame.n
        self.n_selected_ = int(sel_mask.sum())
        return self

    def to_dict(self) -> dict[str, Any]:
        """Coefficients keyed ``equation:term``, plus rho, sigma and selected n."""
        out = super().to_dict()
        out["coefficients"] = {
            f"{r['equation']}:{r['term']}": row_dict(r) for _, r in self.coef_table_.iterrows()
        }
        out.update(
            {
                "rho": finite_or_none(self.rho_),
                "sigma": finite_or_none(self.sigma_),
                "n_selected": self.n_selected_,
                "se_type": self.se,
            }
        )
        return out
