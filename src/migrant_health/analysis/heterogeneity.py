"""Population heterogeneity: the same model in each subgroup, and a test of equal effects.

The seed (section 3.3) expects the effect of integration on health to differ by sex, age,
education and city. ``SubgroupModel(..., by="sex")`` fits the model separately in each group
(the per-group estimates) and tests ``H0: the exposure's effect is equal in all groups`` in one
pooled model of all the groups' respondents with the exposure interacted with the group,
``outcome ~ exposure + C(group) + exposure:C(group) + covariates``: a Wald test that the ``G - 1``
interaction coefficients are zero, chi-squared with ``G - 1`` degrees of freedom, with the
variance of the design (weights, strata, PSUs). Comparing the separate fits as if they were
independent would be wrong when PSUs span the groups (a city's men and women share its shocks),
which the pooled model's clustered variance takes into account.

With strata or PSUs, each group (and the pooled model of the groups) is a domain of the whole
sample (:meth:`~migrant_health.analysis.base.SurveyEstimator.fit_in_domain`): the estimates are
the group's, the variance is linearised over every stratum and PSU of the sample with zero
scores outside the group, as Stata's ``svy, subpop()``. Fitting a group's rows alone treated them
as a sample of their own, and a group that reached one PSU of a stratum was dropped.

``by="age_band"`` is derived from ``age`` when the column is absent (bands 15-29, 30-44, 45-59,
60+ by default).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from migrant_health.analysis.base import SurveyEstimator, row_dict, tidy
from migrant_health.analysis.diagnostics import warn
from migrant_health.analysis.frame import require_columns, sampling_weights, source_columns
from migrant_health.analysis.model_spec import SINGLE_EQUATION_MODELS
from migrant_health.analysis.sample import refuse_out_of_schema
from migrant_health.errors import DataError, MigrantHealthError
from migrant_health.setting_names import setting

AGE_BANDS = (15, 30, 45, 60)


def age_band(age: pd.Series, edges: tuple[int, ...] = AGE_BANDS) -> pd.Series:
    """Label ages with bands ``'15-29', '30-44', '45-59', '60+'`` (for the default edges)."""
    labels = [f"{a}-{b - 1}" for a, b in itertools.pairwise(edges)]
    labels.append(f"{edges[-1]}+")
    bins = [*edges, np.inf]
    values = pd.to_numeric(age, errors="coerce").astype(float)
    return pd.cut(values, bins=bins, labels=labels, right=False).astype(object)


class SubgroupModel(SurveyEstimator):
    """One model per subgroup with a test that the exposure's effect is equal across groups.

    Args:
        outcome: Outcome column.
        exposure: Regressor whose effect is compared (e.g. ``integration``).
        by: Grouping column (``sex``, ``age_band``, ``education``, ``dest_city_tier``, ...).
        covariates: Other regressors (``by`` itself is dropped from them).
        model: Model fitted in each group, one of
            :data:`~migrant_health.analysis.model_spec.SINGLE_EQUATION_MODELS`: ``ologit``,
            ``oprobit``, ``logit``, ``probit``, ``ols``.
        min_group_size: Groups with fewer respondents are skipped (and listed).
        weights: Probability-weight column.
        cluster: Cluster / PSU column.
        strata: Stratum column.
        alpha: One minus the confidence level.

    Attributes:
        groups_: Tidy table of the exposure's coefficient in each group (``group``, ``n``).
        equal_effects_: ``{"statistic", "df", "p"}`` of the test of equal effects (pooled
            interaction model, design-based variance).
        pooled_model_: The pooled model with the exposure-by-group interaction.
        models_: Fitted model of each group.
        skipped_: Groups too small (or degenerate) to fit, with the reason.
    """

    model_name = "heterogeneity"

    def __init__(
        self,
        outcome: str,
        exposure: str | None = None,
        by: str = "sex",
        covariates: tuple[str, ...] | list[str] | str = (),
        model: str = "ols",
        min_group_size: int = 30,
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        super().__init__(outcome, exposure, covariates, weights, cluster, strata, alpha)
        self.by = by
        self.model = model
        self.min_group_size = min_group_size

    def fit(self, data: pd.DataFrame) -> SubgroupModel:
        """Fit the model in every group and test equal effects; return ``self``."""
        if not self.exposure:
            raise DataError("heterogeneity: name the exposure whose effect is compared")
        if self.model not in SINGLE_EQUATION_MODELS:
            raise DataError(
                f"heterogeneity: model '{self.model}' cannot be fitted by group; choose one of "
                f"{', '.join(SINGLE_EQUATION_MODELS)}"
            )
        spec = SINGLE_EQUATION_MODELS[self.model]
        data = data.copy()
        if self.by == "age_band" and "age_band" not in data.columns:
            require_columns(data, ["age"], "age-band grouping")
            data["age_band"] = age_band(data["age"])
        require_columns(data, [self.by])
        covariates = [c for c in self.covariates if self.by not in source_columns(c)]
        # Checked on the whole table, before the groups: a weight of inf or a -9 code was
        # reported as every group skipped, with rows numbered within the group.
        used = [self.outcome, *source_columns(self.exposure)]
        refuse_out_of_schema(
            data, [*used, *(c for t in covariates for c in source_columns(t))], self.label
        )
        if self.weights:
            require_columns(data, [self.weights], self.label)
            sampling_weights(data, self.weights, self.label)
        options: dict[str, Any] = {
            "exposure": self.exposure,
            "covariates": covariates,
            "weights": self.weights,
            "cluster": self.cluster,
            "strata": self.strata,
            "alpha": self.alpha,
        }
        if "marginal_effects" in spec.options():
            # Only the exposure's coefficient is compared; the groups' AMEs would be wasted work.
            options["marginal_effects"] = False
        self.models_: dict[str, SurveyEstimator] = {}
        self.skipped_: dict[str, str] = {}
        # With strata or PSUs each group is a domain of the whole sample's design (Stata's
        # svy, subpop()): fitted to its respondents, its variance linearised over every PSU of
        # every stratum. A group that reaches one PSU of a stratum is then estimated as any
        # other, where fitting its rows alone stopped at that stratum and dropped the group.
        domains = bool(self.cluster or self.strata)
        rows = []
        groups = data[self.by]
        for level in sorted(groups.dropna().unique(), key=str):
            in_group = (groups == level).to_numpy(dtype=bool)
            label = str(level)
            if in_group.sum() < self.min_group_size:
                self.skipped_[label] = f"{in_group.sum()} respondents < {self.min_group_size}"
                continue
            model = spec.build(outcome=self.outcome, **options)
            try:
                with _said_of_group(model.label, f"{self.label}, {self.by} = {label}"):
                    fitted = (
                        model.fit_in_domain(data, in_group)
                        if domains
                        else model.fit(data.loc[in_group])
                    )
            except MigrantHealthError as exc:
                self.skipped_[label] = str(exc)
                continue
            table = fitted.summary().set_index("term")
            if self.exposure not in table.index:
                self.skipped_[label] = "the exposure does not vary in this group"
                continue
            row = table.loc[self.exposure]
            rows.append((label, int(getattr(fitted, "n_", 0)), row["estimate"], row["se"]))
            self.models_[label] = fitted
        if len(rows) < 2:
            raise DataError(
                f"heterogeneity: fewer than two groups of '{self.by}' could be fitted "
                f"(skipped: {_shown_skips(self.skipped_)}); {setting('by')} needs a column of a "
                "few groups with enough respondents each, such as sex or dest_city_tier"
            )
        if self.skipped_:
            # Said, not only listed in skipped_: the table would otherwise read as every group.
            skipped = _shown_skips(self.skipped_)
            warn(f"heterogeneity: groups of '{self.by}' not estimated: {skipped}")
        self._count_dropped(data, groups)
        labels, ns, est, se = map(list, zip(*rows, strict=True))
        est_arr, se_arr = np.asarray(est, float), np.asarray(se, float)
        table = tidy([str(self.exposure)] * len(rows), est_arr, se_arr, self.alpha)
        table.insert(1, "group", labels)
        table.insert(2, "n", ns)
        self.groups_ = table
        self.n_ = int(sum(ns))
        self.coef_table_ = table
        fitted_groups = data[self.by].map(lambda v: str(v) in self.models_)
        self.equal_effects_ = self._equal_effects_test(
            spec, data, fitted_groups.fillna(False).to_numpy(dtype=bool), options, domains
        )
        return self

    def _count_dropped(self, data: pd.DataFrame, groups: pd.Series) -> None:
        """Count the respondents left out: no group, a group skipped, or within a group."""
        dropped: dict[str, int] = {}
        no_group = int(groups.isna().sum())
        if no_group:
            dropped[f"{self.by} missing"] = no_group
        skipped = int(groups.map(lambda v: str(v) in self.skipped_).fillna(False).sum())
        if skipped:
            dropped[f"in a group of '{self.by}' not estimated"] = skipped
        for fitted in self.models_.values():
            for reason, count in fitted.sample_dict().get("dropped", {}).items():
                dropped[reason] = dropped.get(reason, 0) + int(count)
        self.respondents_ = len(data)
        self.dropped_ = dropped

    def sample_dict(self) -> dict[str, Any]:
        """Respondents given, left out, and left out for each reason, over all groups.

        A respondent without a group, or in a group not estimated, is left out; within a
        group, the group model's reasons are added up over the groups.
        """
        if not hasattr(self, "dropped_"):
            return {}
        return {
            "respondents": int(self.respondents_),
            "n_dropped": int(self.respondents_ - self.n_),
            "dropped": dict(self.dropped_),
        }

    def _equal_effects_test(
        self,
        spec: Any,
        data: pd.DataFrame,
        fitted_groups: np.ndarray,
        options: dict[str, Any],
        domains: bool,
    ) -> dict[str, float]:
        """Wald test of no exposure-by-group interaction in the pooled model.

        With a design, the groups fitted are a domain of the whole sample, as each group is.
        """
        exposure = str(self.exposure)
        group = f"C({self.by})"
        pooled_options = {
            **options,
            "covariates": [group, f"{exposure}:{group}", *options["covariates"]],
        }
        model = spec.build(outcome=self.outcome, **pooled_options)
        # Its sample was counted group by group; its warnings are about the same respondents.
        with _said_of_group(model.label, f"{self.label}, pooled model", counted=True):
            pooled = (
                model.fit_in_domain(data, fitted_groups)
                if domains
                else model.fit(data.loc[fitted_groups])
            )
        names = [str(n) for n in pooled.coef_.index]
        picked = [i for i, n in enumerate(names) if n.startswith(f"{exposure}:{group}[")]
        if not picked:
            raise DataError(
                f"heterogeneity: the pooled model dropped every {exposure}-by-{self.by} term; "
                "the groups' effects cannot be compared"
            )
        b = pooled.coef_.to_numpy()[picked]
        V = np.asarray(pooled.vcov_)[np.ix_(picked, picked)]
        statistic = float(b @ np.linalg.pinv(V) @ b)
        self.pooled_model_ = pooled
        return {
            "statistic": statistic,
            "df": len(picked),
            "p": float(stats.chi2.sf(statistic, len(picked))),
        }

    def extra_tables(self) -> dict[str, pd.DataFrame]:
        """The test that the exposure's effect is equal in every group."""
        self._check_fitted()
        return {"Test of equal effects across groups": pd.DataFrame([self.equal_effects_])}

    def to_dict(self) -> dict[str, Any]:
        """Per-group coefficients (keyed ``exposure | by=group``) and the equal-effects test."""
        out = super().to_dict()
        out["coefficients"] = {
            f"{r['term']} | {self.by}={r['group']}": row_dict(r) for _, r in self.groups_.iterrows()
        }
        out["equal_effects_test"] = self.equal_effects_
        out["skipped_groups"] = self.skipped_
        return out


@contextmanager
def _said_of_group(model: str, group: str, counted: bool = False) -> Iterator[None]:
    """Restate a group model's warnings as the group's (``heterogeneity of bmi, sex = male``).

    Each group's model names itself (``ols of bmi``), so the same words came once per group
    with nothing to tell which group they were about.

    Args:
        model: The label the group's model signs its warnings with.
        group: The label to sign them with instead.
        counted: The respondents it leaves out were already said (the pooled model's are the
            groups'): its warning counting them is not repeated.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for item in caught:
        text = str(item.message)
        if counted and text.startswith(f"{model}: ") and " respondents dropped: " in text:
            continue
        text = text.removeprefix(f"{model}: ")
        warnings.warn(f"{group}: {text}", item.category, stacklevel=3)


def _shown_skips(skipped: dict[str, str], shown: int = 5) -> str:
    """The skipped groups and why, the first ``shown`` of them and how many more (a column of
    ids skipped every respondent, and the message ran to 8,000 characters)."""
    if not skipped:
        return "none"
    items = [f"{label}: {why}" for label, why in list(skipped.items())[:shown]]
    more = len(skipped) - shown
    return "; ".join(items) + (f"; and {more:,} more groups" if more > 0 else "")
