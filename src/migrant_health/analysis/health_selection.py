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
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from migrant_health.analysis.base import SurveyEstimator
from migrant_health.analysis.frame import as_float, require_columns
from migrant_health.analysis.regression import BinaryModel
from migrant_health.errors import DataError


class HealthSelectionTests(SurveyEstimator):
    """Healthy-migrant and salmon-bias tests from data with origin and return respondents.

    Args:
        outcome: Health column (``srh`` by default; a 0/1 column is used as is).
        good_from: Health at or above this value counts as good (``srh >= 4``).
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
    """

    model_name = "health-selection"

    def __init__(
        self,
        outcome: str = "srh",
        good_from: float = 4,
        covariates: tuple[str, ...] | list[str] = ("age", "sex", "education"),
        status: str = "migration_status",
        migrants: Literal["ever", "current"] = "ever",
        fixed_effects: tuple[str, ...] | list[str] = (),
        weights: str | None = None,
        cluster: str | None = None,
        strata: str | None = None,
        alpha: float = 0.05,
    ) -> None:
        super().__init__(outcome, None, covariates, weights, cluster, strata, alpha)
        self.good_from = good_from
        self.status = status
        self.migrants = migrants
        self.fixed_effects = tuple(fixed_effects)

    def fit(self, data: pd.DataFrame) -> HealthSelectionTests:
        """Fit both logits and return ``self``."""
        require_columns(data, [self.outcome, self.status], "health-selection tests")
        status = data[self.status].astype("string").str.strip().str.lower()
        counts = status.value_counts()
        for needed in ("current", "returned", "never"):
            if counts.get(needed, 0) == 0:
                raise DataError(
                    f"health-selection tests need respondents with {self.status} = '{needed}' "
                    "(origin surveys for 'never' and 'returned', destination surveys for "
                    "'current')"
                )
        health = as_float(data[self.outcome])
        binary = set(np.unique(health[~np.isnan(health)])) <= {0.0, 1.0}
        good = health if binary else np.where(np.isnan(health), np.nan, health >= self.good_from)
        frame = data.assign(
            _good_health=good,
            _migrant=np.where(
                status.isna(),
                np.nan,
                status.isin(["current", "returned"] if self.migrants == "ever" else ["current"]),
            ),
            _returned=np.where(status.isna(), np.nan, status == "returned"),
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
        healthy = BinaryModel("_good_health", exposure="_migrant", **options).fit(
            frame.loc[compare.fillna(False).to_numpy(dtype=bool)]
        )
        ever = status.isin(["current", "returned"]).fillna(False).to_numpy(dtype=bool)
        salmon = BinaryModel("_returned", exposure="_good_health", **options).fit(frame.loc[ever])
        self.models_ = {"healthy_migrant": healthy, "salmon_bias": salmon}
        rows = []
        for name, model, term, sign, meaning in (
            ("healthy_migrant", healthy, "_migrant", 1, "migrants more often in good health"),
            ("salmon_bias", salmon, "_good_health", -1, "the healthy less often return"),
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
        return self

    def to_dict(self) -> dict[str, Any]:
        """Both tests with their one-sided p-values and verdicts."""
        out = super().to_dict()
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
