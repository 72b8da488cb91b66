"""Published associations estimated again on the simulated people (pattern-oriented validation).

The calibration fits levels: shares, means, counts. The literature also reports associations
from regressions on survey microdata, which no target fits. Five of them have a counterpart in
the model's snapshots; each is estimated here with the design of its study as far as the study
states it, on the simulated people the study's population corresponds to:

========================================  ==========================================  =========
association                               reference                                   kind
========================================  ==========================================  =========
high social support and depressive        Ye et al. 2025 (BMJ Open), migrant workers,   emergent
symptoms (odds ratio)                     PHQ-9: 0.102 (95 % CI 0.086-0.121)
good mental health and annual income      He & Tan 2019 (CGSS 2015, OLS): +12.3 %       emergent
good physical health and annual income    He & Tan 2019 (CGSS 2015, OLS): +7.1 %        emergent
destination employee insurance (UEBMI)    Li et al. 2021 (CMDS 2017): +23.2 %           input
and the intention to settle
cross-province migration and the          Chen & Qin 2014 (2005 data), healthy          emergent
earnings of healthy migrants              migrants: +26-49 % against within-province
========================================  ==========================================  =========

The published figures are read from the package's targets file (:data:`REFERENCE_KEYS`), where
each has its source and confidence. *Emergent* associations come out of several mechanisms
together (no parameter is set to them); *input* means a parameter was set from the study
(``migration.stay.insurance``), so the check is that the model's cross-section gives the
study's figure back, confounding included.

**The rule, fixed before anything was estimated.** The studies' exposures are not defined
exactly as the model's (Ye et al.'s "high support" is a band of a 10-item scale; CGSS's
"good health" is a self-rating), so an association is *consistent* when it has the reference's
sign and its point estimate lies within a factor of two of the reference's (of the odds
ratio, or of the percentage effect; for a reported range, from half its lower end to twice
its upper end), and *not reproduced* otherwise. The model's own exposures:

- high social support: the top third of out-migrants' ``social_support`` in the year against
  the bottom third (the scale's usual high and low bands; ties broken at random with a fixed
  seed, so that the order of person ids does not place them); the odds ratio from a logit of
  the depressive-symptom screen on it with age, age squared, sex and education;
- good mental health: no positive depressive-symptom screen; good physical health: self-rated
  health good or very good (4-5 of 5); both in one OLS of log annual income of everyone with
  an income (rural-hukou people and the urban-local sample, weighted by the persons each agent
  stands for, as CGSS is a national sample) with age, age squared, sex, education and whether
  the person lives in a city; the study's percentages are read as ``exp(b) - 1`` of its
  log-income coefficients;
- settlement intention: the share of out-migrants intending to stay with destination employee
  insurance against those without destination insurance, adjusted for age, sex, education and
  years in the city in a linear probability model, as a percentage of the uninsured's share
  (the study's +23.2 % read as a relative rise of the share; the interval takes that share as
  known);
- cross-province earnings: log annual income of employed out-migrants in good health (self-rated
  4-5) on moving across a provincial border, with age, age squared, sex and education, in the
  model's first year (the study's data are of 2005).

Standard errors are clustered by person (a person appears once per snapshot year).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from migrant_health.data import load_calibration_targets
from migrant_health.engine.run_config import RunConfig
from migrant_health.errors import DataError
from migrant_health.model import simulate

#: Snapshot columns the estimates read.
REQUIRED_COLUMNS = (
    "pid",
    "year",
    "weight",
    "age",
    "sex",
    "education",
    "status",
    "insurance",
    "job",
    "srh",
    "depressed",
    "income",
    "social_support",
    "stay_intention",
    "cross_province",
    "years_in_city",
)

#: Person ids of different seeds are kept apart by this offset per seed.
SEED_OFFSET = 10**9

#: Seed of the random order that breaks ties in social support (fixed: the same snapshots give
#: the same thirds).
TIE_SEED = 20261202

#: Statuses of people living in a city.
IN_CITY = ("out_migrant", "urban_hukou", "urban_local")


@dataclass(frozen=True)
class Association:
    """One published association and the model's estimate of it.

    Attributes:
        key: Short name (``support_depression``).
        label: What is associated with what, in words.
        reference: The published figure, as the source states it.
        source: Who found it, where and on what data.
        kind: ``emergent`` (no parameter set to it) or ``input`` (a parameter set from it).
        scale: ``odds ratio`` or ``percent``.
        low: Lower end of the published figure (the point estimate when it is a point).
        high: Upper end (equal to ``low`` for a point).
        estimate: The model's point estimate on the same scale.
        ci_low: Lower end of the model's 95 % confidence interval.
        ci_high: Upper end.
        n: Simulated person-years used.
    """

    key: str
    label: str
    reference: str
    source: str
    kind: str
    scale: str
    low: float
    high: float
    estimate: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def same_sign(self) -> bool:
        """Whether the model's association points the reference's way."""
        if self.scale == "odds ratio":
            return (self.estimate < 1.0) == (self.low < 1.0)
        return (self.estimate > 0.0) == (self.low > 0.0)

    @property
    def consistent(self) -> bool:
        """The rule of the module: same sign, and within a factor of two of the reference
        (from half its end nearer zero to twice its end farther from it)."""
        if not self.same_sign:
            return False
        near, far = sorted((abs(self.low), abs(self.high)))
        return 0.5 * near <= abs(self.estimate) <= 2.0 * far

    @property
    def verdict(self) -> str:
        """``consistent`` or ``not reproduced``."""
        return "consistent" if self.consistent else "not reproduced"


#: The targets-file key of each association's published figure.
REFERENCE_KEYS = {
    "support_depression": "lit.OR_high_social_support_on_depressive_symptoms",
    "income_good_mental": "lit.income_effect_good_mental_health_general_pop",
    "income_good_physical": "lit.income_effect_good_physical_health_general_pop",
    "uebmi_settlement": "lit.settlement_intention_increase_with_UEBMI",
    "cross_province_earnings": "lit.earnings_premium_healthy_cross_province_migrant",
}


def reference(key: str) -> tuple[float, float, str]:
    """The published figure of association ``key`` from the package's targets file.

    Returns:
        The figure's lower and upper end (equal for a point; a range is written ``26-49``) and
        the figure with its unit as the file gives them.
    """
    targets = load_calibration_targets()
    row = targets[targets["key"] == REFERENCE_KEYS[key]].iloc[0]
    text = str(row["value_text"])
    ends = [float(part) for part in text.split("-")] if "-" in text[1:] else [float(text)]
    return min(ends), max(ends), f"{text} {row['unit']}"


def _check(snapshots: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in snapshots.columns]
    if missing:
        raise DataError(
            f"the snapshots lack the column(s) {', '.join(missing)}: simulate with snapshot_years "
            "and snapshot_fraction=1.0 (RunConfig) so that every person's state is recorded"
        )


def _design(frame: pd.DataFrame) -> pd.DataFrame:
    """The controls every model shares: age (centred, in decades) and its square, sex and
    years of schooling's level."""
    return frame.assign(
        age10=(frame["age"] - 40.0) / 10.0,
        female=(frame["sex"] == "female").astype(float),
        edu=frame["education"].astype(float),
    )


def _clustered(frame: pd.DataFrame) -> dict[str, object]:
    return {"cov_type": "cluster", "cov_kwds": {"groups": frame["pid"].to_numpy()}}


def _percent(coefficient: float) -> float:
    """A log-scale coefficient as a percentage difference."""
    return 100.0 * (np.exp(coefficient) - 1.0)


def _from_fit(
    key: str,
    fit: Any,
    term: str,
    n: int,
    to_scale: Callable[[float], float],
    **described: str,
) -> Association:
    """The association ``key`` from a fitted model's ``term``: the published figure from the
    targets file, the estimate and its 95 % interval carried to the figure's scale by
    ``to_scale``; ``described`` gives the label, source, kind and scale."""
    low, high = fit.conf_int().loc[term]
    ref_low, ref_high, figure = reference(key)
    return Association(
        key=key,
        reference=figure,
        low=ref_low,
        high=ref_high,
        estimate=to_scale(float(fit.params[term])),
        ci_low=to_scale(float(low)),
        ci_high=to_scale(float(high)),
        n=n,
        **described,
    )


def support_and_depression(snapshots: pd.DataFrame) -> Association:
    """Odds ratio of the depressive-symptom screen, out-migrants with high against low support."""
    out = _design(snapshots[snapshots["status"] == "out_migrant"])
    # Ties in support (people at the same clipped value) go to a third at random, not by the
    # order of their person ids, which follows cohort and place.
    jitter = np.random.default_rng(TIE_SEED).random(len(out))
    order = out.assign(jitter=jitter).sort_values(["year", "social_support", "jitter"])
    position = order.groupby("year").cumcount()
    size = order.groupby("year")["year"].transform("size")
    thirds = (3 * position // size).reindex(out.index)
    rows = out[thirds != 1].assign(
        high=(thirds[thirds != 1] == 2).astype(float),
        dep=lambda f: f["depressed"].astype(float),
    )
    fit = smf.logit("dep ~ high + age10 + I(age10**2) + female + edu + C(year)", rows).fit(
        disp=0, **_clustered(rows)
    )
    return _from_fit(
        "support_depression", fit, "high", len(rows), lambda b: float(np.exp(b)),
        label="high social support and depressive symptoms, out-migrant workers",
        source="Ye et al. 2025, BMJ Open (migrant workers, PHQ-9 >= 10)",
        kind="emergent",
        scale="odds ratio",
    )  # fmt: skip


def health_and_income(snapshots: pd.DataFrame) -> tuple[Association, Association]:
    """Percentage more annual income with good mental health (no depressive symptoms) and
    with good self-rated health, from one weighted regression."""
    earners = _design(snapshots[snapshots["income"] > 0.0])
    rows = earners.assign(
        log_income=np.log(earners["income"].astype(float)),
        good_mental=(~earners["depressed"]).astype(float),
        good_physical=(earners["srh"] >= 4).astype(float),
        in_city=earners["status"].isin(IN_CITY).astype(float),
    )
    formula = (
        "log_income ~ good_mental + good_physical + age10 + I(age10**2) + female + edu + in_city"
        " + C(year)"
    )
    fit = smf.wls(formula, rows, weights=rows["weight"].astype(float)).fit(**_clustered(rows))
    source = "He & Tan 2019, Chinese J Health Policy (CGSS 2015, adults)"
    return (
        _from_fit(
            "income_good_mental", fit, "good_mental", len(rows), _percent,
            label="good mental health and annual income", source=source, kind="emergent",
            scale="percent",
        ),
        _from_fit(
            "income_good_physical", fit, "good_physical", len(rows), _percent,
            label="good physical health and annual income", source=source, kind="emergent",
            scale="percent",
        ),
    )  # fmt: skip


def insurance_and_settlement(snapshots: pd.DataFrame) -> Association:
    """Relative rise of out-migrants' intention to stay with destination employee insurance."""
    out = _design(snapshots[snapshots["status"] == "out_migrant"])
    rows = out[out["insurance"].isin(["urban_employee_dest", "rural_origin", "none"])].assign(
        uebmi=lambda f: (f["insurance"] == "urban_employee_dest").astype(float),
        stay=lambda f: f["stay_intention"].astype(float),
        tenure=lambda f: f["years_in_city"].clip(upper=20).astype(float),
    )
    fit = smf.ols("stay ~ uebmi + age10 + female + edu + tenure + C(year)", rows).fit(
        **_clustered(rows)
    )
    base = float(rows.loc[rows["uebmi"] == 0.0, "stay"].mean())
    return _from_fit(
        "uebmi_settlement", fit, "uebmi", len(rows), lambda b: 100.0 * b / base,
        label="destination employee insurance (UEBMI) and the intention to settle",
        source="Li, Huang, Xiang & Dou 2021, Cost Eff Resour Alloc (CMDS 2017)",
        kind="input",
        scale="percent",
    )  # fmt: skip


def cross_province_earnings(snapshots: pd.DataFrame) -> Association:
    """Earnings premium of healthy out-migrants who crossed a provincial border."""
    first = snapshots[snapshots["year"] == snapshots["year"].min()]
    out = _design(
        first[(first["status"] == "out_migrant") & (first["income"] > 0.0) & (first["srh"] >= 4)]
    )
    rows = out.assign(
        log_income=np.log(out["income"].astype(float)),
        cross=out["cross_province"].astype(float),
    )
    fit = smf.ols("log_income ~ cross + age10 + I(age10**2) + female + edu", rows).fit(
        **_clustered(rows)
    )
    return _from_fit(
        "cross_province_earnings", fit, "cross", len(rows), _percent,
        label="crossing a provincial border and the earnings of healthy out-migrants",
        source="Chen & Qin 2014, IAES conference abstract (2005 data)",
        kind="emergent",
        scale="percent",
    )  # fmt: skip


#: Every estimator, in the order of the module's table (health and income gives two).
ESTIMATORS: tuple[Callable[[pd.DataFrame], Association | tuple[Association, ...]], ...] = (
    support_and_depression,
    health_and_income,
    insurance_and_settlement,
    cross_province_earnings,
)


def estimate_associations(snapshots: pd.DataFrame) -> list[Association]:
    """Estimate every association of the module on full snapshots.

    Args:
        snapshots: ``RunResult.snapshots`` of a run with ``snapshot_fraction=1.0``, one or more
            years (and seeds: person ids repeat across seeds, so give each seed's ids an offset
            or pass one seed at a time).

    Returns:
        One :class:`Association` per published figure, in the order of the module's table.

    Raises:
        DataError: A column the estimates need is missing.
    """
    _check(snapshots)
    found: list[Association] = []
    for estimator in ESTIMATORS:
        result = estimator(snapshots)
        found.extend(result if isinstance(result, tuple) else (result,))
    return found


def associations_table(associations: list[Association]) -> pd.DataFrame:
    """The associations as a table: reference, model estimate with its interval, verdict."""
    return pd.DataFrame(
        {
            "association": [a.label for a in associations],
            "reference": [a.reference for a in associations],
            "source": [a.source for a in associations],
            "kind": [a.kind for a in associations],
            "model": [a.estimate for a in associations],
            "ci_low": [a.ci_low for a in associations],
            "ci_high": [a.ci_high for a in associations],
            "scale": [a.scale for a in associations],
            "n": [a.n for a in associations],
            "verdict": [a.verdict for a in associations],
        }
    )


def pooled_snapshots(seeds: list[int], end: int = 2017, scale: float = 20_000.0) -> pd.DataFrame:
    """Full snapshots of 2008, 2012, 2015 and ``end`` for each seed, pooled.

    Person ids are offset by :data:`SEED_OFFSET` per seed, so that the standard errors, clustered
    by person, do not join different seeds' people.
    """
    years = tuple(sorted({2008, 2012, 2015, end}))
    frames = []
    for seed in seeds:
        config = RunConfig(
            end=end, scale=scale, seed=seed, snapshot_years=years, snapshot_fraction=1.0
        )
        people = simulate(config).snapshots
        frames.append(people.assign(pid=people["pid"] + seed * SEED_OFFSET))
    return pd.concat(frames, ignore_index=True)
