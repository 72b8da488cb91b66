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

from migrant_health.analysis.base import SurveyEstimator, column_names, tidy
from migrant_health.analysis.frame import build_frame, regressor_matrix, source_columns
from migrant_health.errors import DataError
from migrant_health.setting_names import setting

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
        covariates: Sequence[str] = (),
        weights: str | None = None,
        cluster: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        super().__init__(outcome, None, covariates, weights, cluster, None, alpha)
        self.endogenous = column_names(self, "endogenous", endogenous)
        self.instruments = column_names(self, "instruments", instruments)

    def fit(self, data: pd.DataFrame) -> IVModel:
        """Fit by 2SLS and return ``self``."""
        if not self.endogenous or not self.instruments:
            raise DataError("iv: name the endogenous regressor(s) and the instrument(s)")
        self._refuse_shared_roles()
        # Covariates first: a column that repeats one before it is dropped by the frame, so an
        # instrument that adds nothing to the covariates and the endogenous regressors is the
        # one dropped (and refused below), never a covariate silently turned instrument.
        terms = [*self.covariates, *self.endogenous, *self.instruments]
        frame = build_frame(
            data,
            self.outcome,
            terms,
            self.design,
            must_vary=self.endogenous,
            model=self.label,
        )
        self.frame_ = frame
        used = data.loc[frame.index]
        role_columns = {
            role: list(regressor_matrix(used, role_terms, dict(frame.levels))[0].columns)
            for role, role_terms in (
                ("endogenous", self.endogenous),
                ("instruments", self.instruments),
                ("covariates", self.covariates),
            )
        }
        for role in ("endogenous", "instruments"):
            lost = [c for c in role_columns[role] if c not in frame.X.columns]
            if lost:
                what = "endogenous regressor(s)" if role == "endogenous" else "instrument(s)"
                raise DataError(
                    f"{self.label}: {what} {', '.join(lost)} add no variation of their own "
                    f"among the {frame.n:,} respondents used (constant, or a linear combination "
                    "of the covariates, the endogenous regressors and the instruments before "
                    "them), so the instruments do not identify the model; drop "
                    f"{'it' if len(lost) == 1 else 'them'} or choose another"
                )
        endog = frame.X.loc[:, role_columns["endogenous"]]
        instr = frame.X.loc[:, role_columns["instruments"]]
        exog = frame.X.loc[:, [c for c in role_columns["covariates"] if c in frame.X.columns]]
        if instr.shape[1] < endog.shape[1]:
            raise DataError(
                f"iv: {instr.shape[1]} instrument(s) for {endog.shape[1]} endogenous regressor(s); "
                "the model is not identified"
            )
        exog.insert(0, "Intercept", 1.0)
        y = pd.Series(frame.y, index=frame.index, name=self.outcome)
        result: Any
        try:
            model = IV2SLS(
                y, exog, endog, instr, weights=pd.Series(frame.weights, index=frame.index)
            )
            if frame.cluster is not None:
                codes = pd.Series(pd.factorize(frame.cluster)[0], index=frame.index)
                result = model.fit(cov_type="clustered", clusters=codes)
            else:
                result = model.fit(cov_type="robust")
        except ValueError as exc:
            # linearmodels checks the ranks again; what is left to fail here is numerical.
            raise DataError(
                f"{self.label}: 2SLS could not be fitted ({exc}); check that the instruments "
                "and covariates are not collinear"
            ) from exc
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

    def _refuse_shared_roles(self) -> None:
        """Refuse a column named in two roles (an instrument that is the regressor itself).

        Raises:
            DataError: If an instrument is also an endogenous regressor or a covariate, or an
                endogenous regressor is also a covariate.
        """
        roles = {
            "an instrument": self.instruments,
            "an endogenous regressor": self.endogenous,
            "a covariate": self.covariates,
        }
        columns = {
            role: {c for t in terms for c in source_columns(t)} for role, terms in roles.items()
        }
        fixes = {
            ("an instrument", "an endogenous regressor"): (
                "an instrument must move the endogenous regressor while being excluded from "
                "the outcome equation, so it cannot be that regressor; name another in "
                f"{setting('instruments')}"
            ),
            ("an instrument", "a covariate"): (
                "an instrument is excluded from the outcome equation; drop it from "
                f"{setting('covariates')} or from {setting('instruments')}"
            ),
            ("an endogenous regressor", "a covariate"): (
                f"a covariate is exogenous; drop it from {setting('covariates')}"
            ),
        }
        for (first, second), fix in fixes.items():
            both = sorted(columns[first] & columns[second])
            if both:
                names = ", ".join(f"'{c}'" for c in both)
                raise DataError(f"{self.label}: {names} is both {first} and {second}; {fix}")

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
            health, [integration], integration_instruments, covariates, **options
        ).fit(data),
        "health -> integration": IVModel(
            integration, [health], health_instruments, covariates, **options
        ).fit(data),
    }
