"""Linear (BMI) and binary (depression) regressions with fixed effects and interactions.

``LinearModel("bmi", exposure="integration", interaction="sex")`` fits
``bmi ~ integration + sex + integration:sex + covariates | fixed effects`` and reports, besides the
coefficients, the slope of integration for each sex (``slopes_by_group_``): the seed's claim that
integration lowers BMI for women but not for men (section 3.3) is a test of these two slopes.
``BinaryModel("depressed", link="logit")`` is the same for a 0/1 outcome (e.g. a depression score
above a screening cut-off).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from migrant_health.analysis.base import SurveyEstimator, column_names, row_dict, tidy
from migrant_health.analysis.fixest import Family, fit_fixest
from migrant_health.analysis.frame import as_float, build_frame, levels_of, source_columns
from migrant_health.errors import DataError
from migrant_health.setting_names import on_the_command_line, setting


def _interact() -> str:
    """The moderator's option as the user gave it: ``--interact`` or ``interaction=``."""
    return setting("interaction", flag="--interact")


def _heterogeneity() -> str:
    """Bands compared by group, as the user would ask: the heterogeneity model by a column."""
    if on_the_command_line():
        return "--model heterogeneity --by (e.g. --by age_band for age)"
    return "SubgroupModel(..., by=...) (e.g. by='age_band' for age)"


class _FixestModel(SurveyEstimator):
    def _family(self) -> Family:
        return "gaussian"

    def __init__(
        self,
        outcome: str,
        exposure: str | None = None,
        covariates: tuple[str, ...] | list[str] | str = (),
        interaction: str | None = None,
        fixed_effects: tuple[str, ...] | list[str] | str = (),
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        super().__init__(outcome, exposure, covariates, weights, cluster, strata, alpha)
        self.interaction = interaction
        self.fixed_effects = column_names(self, "fixed_effects", fixed_effects)

    def terms(self) -> list[str]:
        """Exposure, moderator and exposure-by-moderator terms, then the covariates."""
        base = [self.exposure] if self.exposure else []
        if self.interaction:
            if not self.exposure:
                raise DataError("an interaction needs an exposure (the variable it moderates)")
            base += [self.interaction, f"{self.exposure}:{self.interaction}"]
        return base + [c for c in self.covariates if c not in base]

    def _check_moderator(self, data: pd.DataFrame) -> None:
        """Refuse a moderator that has no groups: the exposure itself, or a continuous column.

        The slopes by group are the exposure's slope at the moderator's reference (0, or its
        first category) and at each other level; for a continuous moderator the rows read
        ``x | age=0`` and ``x | age``, a slope at age 0 and a change per year, not groups.

        Raises:
            DataError: If the moderator is the exposure, or a numeric column with more than
                two values, or two values other than 0 and 1.
        """
        moderator, exposure = str(self.interaction), str(self.exposure)
        overlap = set(source_columns(moderator)) & set(source_columns(exposure))
        if overlap:
            raise DataError(
                f"{self.label}: the moderator ({_interact()}) '{moderator}' is the exposure "
                f"'{exposure}' itself, so the model would fit {exposure}:{moderator}, a square, "
                "not a slope by group; name a grouping column such as sex"
            )
        if moderator.startswith("C(") or ":" in moderator or moderator not in data.columns:
            return  # categories by request; a missing column is named by the model frame
        series = data[moderator]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            return  # text: one group per category
        values = np.unique(as_float(series)[~np.isnan(as_float(series))])
        if values.size > 2:
            # Numbers with a handful of whole values are codes (a city tier), not a measure.
            few_codes = values.size <= 10 and bool(np.all(values == np.round(values)))
            kind = "numeric codes" if few_codes else "continuous"
            raise DataError(
                f"{self.label}: the moderator ({_interact()}) '{moderator}' is {kind} "
                f"({values.size:,} values, {values[0]:g} to {values[-1]:g}), so the 'slopes by "
                f"group' would be the slope at {moderator} = 0 and its change per unit; give a "
                f"binary (0/1) or categorical column, C({moderator}) for a few codes, or "
                f"compare bands with {_heterogeneity()}"
            )
        if values.size == 2 and set(values) != {0.0, 1.0}:
            raise DataError(
                f"{self.label}: the moderator ({_interact()}) '{moderator}' takes "
                f"{values[0]:g} and {values[1]:g}, not 0 and 1, so its slope at 0 would "
                f"be a slope outside the data; recode it to 0/1 or write C({moderator})"
            )

    def _prepare(self, data: pd.DataFrame) -> None:
        if self.interaction and self.exposure:
            self._check_moderator(data)
        must_vary = [t for t in (self.exposure, self.interaction) if t]
        frame = build_frame(
            data,
            self.outcome,
            self.terms(),
            self.design,
            self.fixed_effects,
            must_vary=must_vary,
            model=self.label,
            domain=self._domain,
        )
        family = self._family()
        if family != "gaussian" and not set(np.unique(frame.y)) <= {0.0, 1.0}:
            raise DataError(f"{self.label}: outcome '{self.outcome}' must be 0/1")
        result = fit_fixest(frame, family, weighted=self.weights is not None, model=self.label)
        self.frame_ = frame
        self.n_ = result.n
        self.coef_ = result.params
        self.vcov_ = result.vcov
        self.engine_result_ = result.engine
        self.coef_table_ = tidy(
            list(result.params.index),
            result.params.to_numpy(),
            np.sqrt(np.diag(result.vcov)),
            self.alpha,
        )
        self.slopes_by_group_ = (
            self._slopes_by_group(self._reference(data)) if self.interaction else None
        )

    def _reference(self, data: pd.DataFrame) -> str:
        """Name of the moderator's reference group (its first level, or zero if numeric)."""
        moderator = str(self.interaction)
        name = moderator[2:-1] if moderator.startswith("C(") else moderator
        series = data.loc[self.frame_.index, name]
        if moderator.startswith("C(") or not (
            pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
        ):
            return f"{moderator}[{levels_of(name, series)[0]}]"
        return f"{moderator}=0"

    def _slopes_by_group(self, reference: str) -> pd.DataFrame:
        """Slope of the exposure in each level of the moderator (delta method)."""
        exposure = str(self.exposure)
        names = list(self.coef_.index)
        if exposure not in names:
            raise DataError(f"exposure '{exposure}' was dropped from the model (no variation?)")
        base = names.index(exposure)
        inter = [n for n in names if n.startswith(f"{exposure}:")]
        # A 0/1 moderator's one product term is named by the column alone: its group is =1.
        levels = [reference] + [
            f"{level}=1" if reference.endswith("=0") else level
            for level in (n.split(":", 1)[1] for n in inter)
        ]
        rows, est, se = [], [], []
        for level, term in zip(levels, [None, *inter], strict=True):
            gradient = np.zeros(len(names))
            gradient[base] = 1.0
            if term is not None:
                gradient[names.index(term)] = 1.0
            rows.append(level)
            est.append(float(gradient @ self.coef_.to_numpy()))
            se.append(float(np.sqrt(gradient @ self.vcov_ @ gradient)))
        table = tidy([f"{exposure} | {lv}" for lv in rows], np.array(est), np.array(se), self.alpha)
        table.insert(1, "group", rows)
        return table

    def extra_tables(self) -> dict[str, pd.DataFrame]:
        """With an interaction, the exposure's slope in each group of the moderator."""
        self._check_fitted()
        if self.slopes_by_group_ is None:
            return {}
        return {"Slope of the exposure by group": self.slopes_by_group_}

    def to_dict(self) -> dict[str, Any]:
        """Coefficients and, with an interaction, the exposure's slope in each group."""
        out = super().to_dict()
        if self.slopes_by_group_ is not None:
            out["slopes_by_group"] = {
                str(r["group"]): row_dict(r) for _, r in self.slopes_by_group_.iterrows()
            }
        return out


class LinearModel(_FixestModel):
    """Linear regression (OLS / WLS) through pyfixest.

    Args:
        outcome: Numeric outcome column (e.g. ``bmi``).
        exposure: Main regressor of interest.
        covariates: Other regressors (``C(x)``, ``a:b`` allowed).
        interaction: Moderator of the exposure (e.g. ``sex``): adds it and exposure:moderator.
        fixed_effects: Columns absorbed as fixed effects (e.g. ``dest_city``).
        weights: Probability-weight column.
        cluster: Cluster / PSU column (CRV1 errors).
        strata: Stratum column (design-based errors).
        alpha: One minus the confidence level.

    Attributes:
        coef_: Coefficients (Series).
        vcov_: Their variance.
        n_: Respondents used.
        slopes_by_group_: With an interaction, the exposure's slope in each moderator level.
        engine_result_: The pyfixest result, for maketables or further tests.
    """

    model_name = "ols"

    def fit(self, data: pd.DataFrame) -> LinearModel:
        """Fit the model and return ``self``."""
        self._prepare(data)
        return self


class BinaryModel(_FixestModel):
    """Logit or probit for a 0/1 outcome (e.g. depression), through pyfixest or statsmodels.

    Takes the arguments of :class:`LinearModel` plus ``link`` (``"logit"`` or ``"probit"``).
    Weighted fits use statsmodels' GLM (pyfixest's ``feglm`` takes no weights). For the logit,
    ``summary()`` adds an ``odds_ratio`` column.
    """

    def __init__(
        self,
        outcome: str,
        link: str = "logit",
        exposure: str | None = None,
        covariates: tuple[str, ...] | list[str] | str = (),
        interaction: str | None = None,
        fixed_effects: tuple[str, ...] | list[str] | str = (),
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        super().__init__(
            outcome,
            exposure,
            covariates,
            interaction,
            fixed_effects,
            weights,
            cluster,
            strata,
            alpha,
        )
        self.link = link

    @property
    def model_name(self) -> str:  # type: ignore[override]
        """``logit`` or ``probit``."""
        return self.link

    def _family(self) -> Family:
        return "logit" if self.link == "logit" else "probit"

    def fit(self, data: pd.DataFrame) -> BinaryModel:
        """Fit the model and return ``self``."""
        if self.link not in ("logit", "probit"):
            raise DataError(f"link must be 'logit' or 'probit', got {self.link!r}")
        self._prepare(data)
        if self.link == "logit":
            self.coef_table_["odds_ratio"] = np.exp(self.coef_table_["estimate"])
        return self
