"""Instrumental variables (2SLS) for the two-way link between health and integration.

Health shapes integration (through employment and income, seed section 3.4) while integration
shapes health (section 3): a regression of one on the other mixes both directions. ``IVModel``
wraps linearmodels' ``IV2SLS`` and reports first-stage diagnostics (partial R², partial F, with a
weak-instrument flag below the Staiger-Stock rule of thumb of 10), the Wu-Hausman test of
exogeneity and, when over-identified, Sargan's test. :func:`two_way_iv` fits both directions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from linearmodels.iv import IV2SLS

from migrant_health.analysis.base import SurveyEstimator, tidy
from migrant_health.analysis.frame import build_frame, regressor_matrix
from migrant_health.errors import DataError

WEAK_INSTRUMENT_F = 10.0


class IVModel(SurveyEstimator):
    """Two-stage least squares with first-stage diagnostics.

    Args:
        outcome: Outcome column.
        endogenous: Endogenous regressor(s) (e.g. ``integration``).
        instruments: Excluded instrument(s); at least as many as endogenous regressors.
        covariates: Exogenous regressors.
        weights: Probability-weight column.
        cluster: Cluster column (clustered errors; otherwise heteroskedasticity-robust).
        alpha: One minus the confidence level.

    Attributes:
        coef_: 2SLS coefficients.
        first_stage_: Per endogenous regressor: partial R², partial F, its p-value, weak flag.
        wu_hausman_: Statistic and p-value of the test that the regressors are exogenous.
        sargan_: Over-identification test (``None`` when exactly identified).
        engine_result_: The linearmodels result.
        n_: Respondents used.
    """

    model_name = "iv"

    def __init__(
        self,
        outcome: str,
        endogenous: Sequence[str] = (),
        instruments: Sequence[str] = (),
        covariates: tuple[str, ...] | list[str] = (),
        weights: str | None = None,
        cluster: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        super().__init__(outcome, None, covariates, weights, cluster, None, alpha)
        self.endogenous = tuple(endogenous)
        self.instruments = tuple(instruments)

    def fit(self, data: pd.DataFrame) -> IVModel:
        """Fit by 2SLS and return ``self``."""
        if not self.endogenous or not self.instruments:
            raise DataError("iv: name the endogenous regressor(s) and the instrument(s)")
        overlap = set(self.instruments) & set(self.covariates)
        if overlap:
            raise DataError(f"iv: instrument(s) {', '.join(overlap)} also appear as covariates")
        terms = [*self.endogenous, *self.instruments, *self.covariates]
        frame = build_frame(data, self.outcome, terms, self.design, model=self.label)
        self.frame_ = frame
        used = data.loc[frame.index]
        endog, _, _ = regressor_matrix(used, self.endogenous)
        instr, _, _ = regressor_matrix(used, self.instruments)
        exog, _, _ = regressor_matrix(used, self.covariates)
        if instr.shape[1] < endog.shape[1]:
            raise DataError(
                f"iv: {instr.shape[1]} instrument(s) for {endog.shape[1]} endogenous regressor(s); "
                "the model is not identified"
            )
        exog = exog.loc[:, exog.nunique() > 1]
        exog.insert(0, "Intercept", 1.0)
        y = pd.Series(frame.y, index=frame.index, name=self.outcome)
        model = IV2SLS(y, exog, endog, instr, weights=pd.Series(frame.weights, index=frame.index))
        result: Any
        if frame.cluster is not None:
            codes = pd.Series(pd.factorize(frame.cluster)[0], index=frame.index)
            result = model.fit(cov_type="clustered", clusters=codes)
        else:
            result = model.fit(cov_type="robust")
        self.engine_result_ = result
        self.n_ = int(result.nobs)
        self.coef_ = result.params
        self.vcov_ = result.cov.to_numpy()
        self.coef_table_ = tidy(
            list(result.params.index),
            result.params.to_numpy(),
            result.std_errors.to_numpy(),
            self.alpha,
        )
        diag = result.first_stage.diagnostics
        self.first_stage_ = pd.DataFrame(
            {
                "endogenous": diag.index,
                "partial_r2": diag["partial.rsquared"].to_numpy(),
                "partial_f": diag["f.stat"].to_numpy(),
                "f_p": diag["f.pval"].to_numpy(),
                "weak": diag["f.stat"].to_numpy() < WEAK_INSTRUMENT_F,
            }
        )
        hausman = result.wu_hausman()
        self.wu_hausman_ = {"statistic": float(hausman.stat), "p": float(hausman.pval)}
        self.sargan_ = None
        if instr.shape[1] > endog.shape[1]:
            sargan = result.sargan
            self.sargan_ = {"statistic": float(sargan.stat), "p": float(sargan.pval)}
        return self

    def extra_tables(self) -> dict[str, pd.DataFrame]:
        """The first-stage diagnostics of every endogenous regressor, and the specification
        tests (Wu-Hausman; Sargan when over-identified)."""
        self._check_fitted()
        tests = [("Wu-Hausman (the regressors are exogenous)", self.wu_hausman_)]
        if self.sargan_ is not None:
            tests.append(("Sargan (the instruments are valid; over-identified)", self.sargan_))
        checks = pd.DataFrame(
            [{"test": name, "statistic": t["statistic"], "p": t["p"]} for name, t in tests]
        )
        # The tests were in the JSON output only: a text reader could not see whether the
        # instrumenting was needed, or whether the extra instruments agree.
        return {"First stage": self.first_stage_, "Specification tests": checks}

    def to_dict(self) -> dict[str, Any]:
        """Coefficients plus first-stage diagnostics and the exogeneity tests."""
        out = super().to_dict()
        out["first_stage"] = {
            str(r["endogenous"]): {
                "partial_r2": float(r["partial_r2"]),
                "partial_f": float(r["partial_f"]),
                "p": float(r["f_p"]),
                "weak": bool(r["weak"]),
            }
            for _, r in self.first_stage_.iterrows()
        }
        out["wu_hausman"] = self.wu_hausman_
        out["sargan"] = self.sargan_
        return out


def two_way_iv(
    data: pd.DataFrame,
    health: str,
    integration: str,
    health_instruments: Sequence[str],
    integration_instruments: Sequence[str],
    covariates: Sequence[str] = (),
    **options: Any,
) -> dict[str, IVModel]:
    """Fit both directions of the health-integration link by 2SLS.

    Args:
        data: Survey table.
        health: Health column (e.g. ``srh`` or a chronic-illness indicator).
        integration: Integration column (e.g. the composite ``integration`` index).
        health_instruments: Instruments that move health but not integration directly
            (e.g. origin-area health shocks).
        integration_instruments: Instruments that move integration but not health directly
            (e.g. the destination's residence-permit reform year).
        covariates: Exogenous covariates of both equations.
        **options: Passed to :class:`IVModel` (weights, cluster, alpha).

    Returns:
        ``{"integration -> health": ..., "health -> integration": ...}``, fitted.
    """
    return {
        "integration -> health": IVModel(
            health, [integration], integration_instruments, list(covariates), **options
        ).fit(data),
        "health -> integration": IVModel(
            integration, [health], health_instruments, list(covariates), **options
        ).fit(data),
    }
