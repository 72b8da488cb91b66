"""Tests of the two health-selection hypotheses of seed section 3.2.

* **Healthy migrant effect**: those who migrate are healthier than those who stay. Among people
  of rural origin, regress good health on having ever migrated (``migration_status`` current or
  returned, against never), adjusting for age, sex and education. Supported if the coefficient
  is positive (one-sided test). Ever-migrants are compared, not only current ones, so that the
  return of the sick (below) does not masquerade as selection at departure; set
  ``migrants="current"`` for the classic destination-versus-origin comparison.
* **Salmon bias**: migrants whose health deteriorates go home. Among ever-migrants, regress having
  returned on good health. Supported if the coefficient is negative (one-sided test).

Both are logits (:class:`~migrant_health.analysis.regression.BinaryModel`), so they take weights,
clusters, strata and fixed effects (e.g. origin province) like any other model.

What "good health" is depends on the outcome, and is said, never guessed from the numbers:
``srh`` is good from a level up (4 by default, ``good_from``), ``chronic`` is good when absent,
and a 0/1 column of the user's own is good when 1 (or from ``good_from`` when it is ordinal,
higher being better). ``depression_score`` and ``bmi`` are refused: higher is worse, or not
ordered from ill to well, so "at or above a value" is not good health; a user derives a 0/1
column (``not_depressed: depression_score < 10``) instead.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from migrant_health.analysis.base import SurveyEstimator, column_names
from migrant_health.analysis.frame import as_float, require_columns
from migrant_health.analysis.regression import BinaryModel
from migrant_health.errors import DataError

#: Default level from which self-rated health counts as good (good or very good of five).
SRH_GOOD_FROM = 4.0
#: Schema outcomes that are no measure of good health read upwards, and why.
NOT_GOOD_HEALTH = {
    "depression_score": "a depressive-symptom score (higher is worse)",
    "bmi": "the body-mass index (not ordered from ill to well)",
}
ALLOWED = (
    "use srh (good from level --good-from, 4 by default), chronic (good = no chronic disease), "
    "or a 0/1 column of your own where 1 is good health (e.g. derive 'not_depressed: "
    "depression_score < 10' in the column map)"
)
# The columns the two logits are fitted on; their names appear in tables and messages.
GOOD, RETURNED = "good health", "returned home"


class HealthSelectionTests(SurveyEstimator):
    """Healthy-migrant and salmon-bias tests from data with origin and return respondents.

    Args:
        outcome: Health column: ``srh`` (by default), ``chronic`` (good when 0) or a 0/1
            column of the user's own (good when 1); see the module docstring.
        good_from: Health at or above this value counts as good: for ``srh`` (``None``: 4) or
            an ordinal column of the user's own where higher is better.
        covariates: Adjustment variables (default age, sex, education).
        status: Column with ``current``, ``returned`` or ``never``.
        migrants: ``ever`` (current or returned) or ``current`` migrants for the healthy-migrant
            comparison.
        fixed_effects: Fixed effects of both logits (e.g. ``origin_province``).
        weights: Probability-weight column.
        cluster: Cluster / PSU column.
        strata: Stratum column.
        alpha: Significance level of the one-sided tests.

    Attributes:
        coef_table_: One row per hypothesis: the log-odds coefficient, its test, the expected
            sign, the one-sided p-value and whether the data support the hypothesis.
        models_: The two fitted logits.
        good_health_: What counted as good health (``srh >= 4``, ``no chronic disease``).
    """

    model_name = "health-selection"

    def __init__(
        self,
        outcome: str = "srh",
        good_from: float | None = None,
        covariates: tuple[str, ...] | list[str] | str = ("age", "sex", "education"),
        status: str = "migration_status",
        migrants: Literal["ever", "current"] = "ever",
        fixed_effects: tuple[str, ...] | list[str] | str = (),
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        super().__init__(outcome, None, covariates, weights, cluster, strata, alpha)
        self.good_from = good_from
        self.status = status
        self.migrants = migrants
        self.fixed_effects = column_names(self, "fixed_effects", fixed_effects)

    def fit(self, data: pd.DataFrame) -> HealthSelectionTests:
        """Fit both logits and return ``self``."""
        if self.migrants not in ("ever", "current"):
            raise DataError(
                f"health-selection: migrants must be 'ever' (current or returned) or 'current', "
                f"got {self.migrants!r}"
            )
        require_columns(data, [self.outcome, self.status], "health-selection tests")
        good, self.good_health_ = self._good_health(data)
        status = data[self.status].astype("string").str.strip().str.lower()
        counts = status.value_counts()
        for needed in ("current", "returned", "never"):
            if counts.get(needed, 0) == 0:
                raise DataError(
                    f"health-selection tests need respondents with {self.status} = '{needed}' "
                    "(origin surveys for 'never' and 'returned', destination surveys for "
                    "'current')"
                )
        migrant = "ever migrated" if self.migrants == "ever" else "current migrant"
        frame = data.assign(
            **{
                GOOD: good,
                migrant: np.where(
                    status.isna(),
                    np.nan,
                    status.isin(
                        ["current", "returned"] if self.migrants == "ever" else ["current"]
                    ),
                ),
                RETURNED: np.where(status.isna(), np.nan, status == "returned"),
            }
        )
        options: dict[str, Any] = {
            "covariates": list(self.covariates),
            "fixed_effects": self.fixed_effects,
            "weights": self.weights,
            "cluster": self.cluster,
            "strata": self.strata,
            "alpha": self.alpha,
        }
        compare = status.isin(
            ["never", "current"] if self.migrants == "current" else ["never", "current", "returned"]
        )
        healthy = BinaryModel(GOOD, exposure=migrant, **options).fit(
            frame.loc[compare.fillna(False).to_numpy(dtype=bool)]
        )
        ever = status.isin(["current", "returned"]).fillna(False).to_numpy(dtype=bool)
        salmon = BinaryModel(RETURNED, exposure=GOOD, **options).fit(frame.loc[ever])
        self.models_ = {"healthy_migrant": healthy, "salmon_bias": salmon}
        rows = []
        for name, model, term, sign, meaning in (
            ("healthy_migrant", healthy, migrant, 1, "migrants more often in good health"),
            ("salmon_bias", salmon, GOOD, -1, "the healthy less often return"),
        ):
            table = model.summary().set_index("term")
            cols = ["estimate", "se", "p", "ci_low", "ci_high"]
            values = table.loc[[term], cols].to_numpy(dtype=float)[0]
            row = dict(zip(cols, values.tolist(), strict=True))
            z = row["estimate"] / row["se"]
            p_one = float(stats.norm.sf(sign * z))
            rows.append(
                {
                    "term": name,
                    "estimate": row["estimate"],
                    "se": row["se"],
                    "p": row["p"],
                    "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"],
                    "expected_sign": "+" if sign > 0 else "-",
                    "p_one_sided": p_one,
                    "supported": bool(p_one < self.alpha),
                    "hypothesis": meaning,
                    "n": int(model.n_),
                }
            )
        self.coef_table_ = pd.DataFrame(rows)
        self.n_ = int(healthy.n_)
        self.frame_ = healthy.frame_
        return self

    def _good_health(self, data: pd.DataFrame) -> tuple[np.ndarray, str]:
        """Good health (1/0, NaN where unknown) of each respondent, and what it means.

        Raises:
            DataError: For an outcome on which good health is not "at or above a value", or a
                cut-off that does not fit the outcome.
        """
        name = self.outcome
        if name in NOT_GOOD_HEALTH:
            raise DataError(
                f"health-selection tests: '{name}' is {NOT_GOOD_HEALTH[name]}, so it does not "
                f"say who is in good health; {ALLOWED}"
            )
        health = as_float(data[name])
        known = health[~np.isnan(health)]
        binary = set(np.unique(known)) <= {0.0, 1.0}
        if name == "chronic":
            if self.good_from is not None:
                raise DataError(
                    "health-selection tests: chronic is 0/1 and good health is its absence; "
                    "--good-from (good_from) is for an ordinal outcome such as srh"
                )
            return np.where(np.isnan(health), np.nan, health == 0), "no chronic disease"
        cut = self.good_from
        if name == "srh" and cut is None:
            cut = SRH_GOOD_FROM
        if cut is None:
            if not binary:
                raise DataError(
                    f"health-selection tests: '{name}' is not 0/1, so say from which value "
                    f"health is good with --good-from (good_from=; higher must be better), or "
                    f"{ALLOWED}"
                )
            return health, f"{name} = 1"
        if known.size and not known.min() < cut <= known.max():
            raise DataError(
                f"health-selection tests: --good-from {cut:g} leaves every respondent on one "
                f"side ('{name}' runs from {known.min():g} to {known.max():g}); choose a value "
                f"above {known.min():g} and at most {known.max():g}"
            )
        return np.where(np.isnan(health), np.nan, health >= cut), f"{name} >= {cut:g}"

    def extra_tables(self) -> dict[str, pd.DataFrame]:
        """The one-sided tests and their verdicts (the table's stars are two-sided)."""
        self._check_fitted()
        columns = ["term", "expected_sign", "estimate", "p_one_sided", "supported", "hypothesis"]
        title = (
            f"One-sided tests of the expected signs (good health: {self.good_health_}; "
            "the stars above are two-sided)"
        )
        return {title: self.coef_table_.loc[:, [*columns, "n"]]}

    def to_dict(self) -> dict[str, Any]:
        """Both tests with their one-sided p-values and verdicts."""
        out = super().to_dict()
        out["good_health"] = self.good_health_
        out["tests"] = {
            str(r["term"]): {
                "supported": bool(r["supported"]),
                "p_one_sided": float(r["p_one_sided"]),
                "expected_sign": str(r["expected_sign"]),
                "n": int(r["n"]),
            }
            for _, r in self.coef_table_.iterrows()
        }
        return out
