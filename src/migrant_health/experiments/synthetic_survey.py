"""Synthetic surveys: respondents drawn from a simulated population, measured like a CMDS wave.

:func:`synthesize_survey` runs the national microsimulation to the survey year
(:func:`draw_survey` takes a finished run instead), draws a cross-section of out-migrants living
in destination cities (and, on request, returnees and never-migrated people at origin for the
selection tests) and turns each respondent's latent states into the answers of the survey schema
(:data:`~migrant_health.survey.schema.SCHEMA`) through the measurement model below. The table
passes :func:`~migrant_health.survey.validate.validate_survey`, so the index and every estimator
of :mod:`migrant_health.analysis` run on it unchanged: this closes the loop between the
simulation's mechanisms and what an analyst would estimate from a survey.

Population and sample
    The simulation runs with ``snapshot_years=(year,)`` and ``snapshot_fraction=1.0`` (every
    living person). Its scale (persons per agent) is chosen so that about three out-migrant agents
    exist per respondent: ``scale = clip(floor(E / (3 n)), 1_000, 20_000)`` where ``E`` is the NBS
    count of out-migrant workers of the survey year (the calibration target
    ``nbs.outmigrant_workers (waichu)``, the nearest year outside 2008-2022). Out-migrants
    (``status == out_migrant``) are drawn with probability proportional to their agent weight,
    without replacement. With ``include_origin`` two more groups are drawn the same way among
    people aged 16-64 at origin: returnees (``status == returned``) and people who never migrated
    (``rural_stayer`` or ``local_migrant``); ``migration_status`` is ``current``, ``returned`` or
    ``never``. ``weight`` is the agent weight scaled so that each group's weights sum to that
    group's simulated population. Sampling units: ``strata`` is the destination tier
    (``tier1`` ... ``tier4``) for out-migrants and the origin region (``origin_east`` ...) for
    origin respondents; ``psu`` is the destination city, or the origin village (community).

Measurement model (latent state -> item; ``N(0, s)`` is independent normal noise per respondent
and item; the defaults are the fields of :class:`MeasurementModel`)
    * ``age``, ``sex``, ``education``, ``chronic``, ``years_in_city``, ``dest_city_tier``,
      ``cross_province``: as simulated (exact answers). ``dest_city``: a synthetic city code
      ``t{tier}_c{k}`` drawn uniformly among ``cities_per_tier`` cities of the tier (no
      geography: a code does not lie in a province). ``origin_province``: a synthetic code of
      the origin region, ``east_01`` ... (10 east, 8 central, 12 west provinces), fixed per
      origin village.
    * The :data:`LATENT_ITEMS`, ``speaks_local_dialect`` (0-3), ``follows_local_customs``
      (1-4), ``feels_local`` and ``locals_accept_me`` (1-4): the simulated score that the
      index's item-to-dimension map (:data:`~migrant_health.analysis.indicators.INDICATORS`)
      names for the item (cultural or identity) plus ``N(0, item_noise_sd)``, answered with the
      nearest level of the item's scale (:func:`nearest_level`, the inverse of the index's
      min-max scaling, so the scaled answer measures the score without bias on average; at a
      given score the steps of the scale leave a ripple of at most 0.02 with the default noise).
    * ``willing_to_stay``: the simulated stay intention of the year (the draw of the migration
      module; false in the year of arrival, when it is not drawn). An outcome of integration,
      outside the index.
    * ``residence_permit``: exactly the model's rule,
      :func:`migrant_health.modules.integration.holds_residence_permit`, with the survey year's
      coverage and the respondent's current years in the city (the permit queue is a fixed
      per-person draw, so this is the permit that raised the simulated identity target).
    * ``med_insurance``: the simulated scheme and place (same codes). ``pension_insurance``:
      true with probability ``pension_formal`` for a formal job (the simulation counts a formal
      job as pension enrolment), ``pension_other`` otherwise.
    * ``health_record``: the simulated health record (the care module's draw).
    * ``local_friends``: true with the simulated local ties as probability.
      ``community_participation``: true with the simulation's participation intensity,
      :func:`migrant_health.engine.derived.participation` (local ties x education), as
      probability. (Both are the items of the simulation's social score, which they thus
      measure without bias.)
    * ``social_support``: an SSRS-like total on 12-66, ``round(12 + 54 * clip01(support +
      N(0, support_noise_sd)))``.
    * ``srh``: the simulated self-rated health (1-5, already with the model's report noise). With
      ``srh_levels=4`` it is collapsed to the CMDS item: 1 and 2 as they are, 3 "basically
      healthy", 4 and 5 "healthy".
    * ``depression_score``: a PHQ-9-like 0-27 score,
      ``min(27, floor(10 * exp(phq_slope * (threshold - screen))))``, where ``screen`` is mental
      health plus the simulation's own screening noise (the draw the model uses for
      ``depressed``) and ``threshold`` the model's screening cut-off. The score is right-skewed,
      and ``depression_score >= 10`` equals the simulated ``depressed`` for every respondent.
    * ``bmi``: the simulated BMI plus ``N(0, bmi_noise_sd)`` (self-reported height and weight),
      rounded to 0.1 and kept within 10-70.
    * ``employed``: any job (formal, informal, or farming at origin). ``employment_type``:
      ``employee`` for formal jobs; informal workers are self-employed with probability
      ``logistic((savings - self_employed_center) / self_employed_spread)`` (savings in months
      of the wage index: business capital), ``employer`` if their economic integration is at
      least ``employer_economic``, else ``own_account``; other informal workers are employees;
      farmers are ``own_account``. ``labor_contract``: employees in formal jobs. ``sector``: a
      draw from :data:`FORMAL_SECTORS` or :data:`INFORMAL_SECTORS` (``agriculture`` for farmers).
      Items of the non-employed are missing.
    * ``monthly_income``: the simulated monthly income times ``exp(N(0, income_noise_sd))``,
      rounded to 10 CNY (0 without work; farmers: ``labor.origin.farm_income_share`` x the wage
      index, the model's farm income, with the same noise). ``weekly_hours``: simulated hours
      rounded to whole hours (0 without work).
    * ``housing`` (destination only): with ``security = clip01(savings /
      labor.economic.housing_months[tier]) + N(0, housing_noise_sd)``: ``owned`` if security >=
      ``own_cut``; else ``employer_provided`` with probability ``employer_housing_formal``
      (formal job) or ``employer_housing_informal``; else ``public_rental`` with probability
      ``public_rental_insured`` for holders of destination insurance; else ``informal`` when
      savings are negative (debt); else ``private_rental``.
    * Item non-response: a share ``nonresponse`` (2 % by default) of ``monthly_income`` and,
      independently, of ``depression_score`` is set missing completely at random.

    Origin respondents (returnees, never-migrated) answer the person-level items; destination
    items (city, tier, years in the city, housing, pension, health record, residence permit,
    local ties, participation, dialect, customs, belonging, stay intention) are missing.
    ``cross_province`` of a returnee describes the last migration.

Simulated index and stage
    Beside the answers, :data:`SIM_COLUMNS`: ``sim_economic_integration``,
    ``sim_social_integration``, ``sim_cultural_integration`` and ``sim_identity_integration``
    (the respondent's simulated dimension scores), ``sim_integration_index`` (the simulated
    composite index, ``integration_index`` of the snapshot) and ``sim_stage`` (the simulated
    stage: embedding, drifting or integration), for current out-migrants (missing for origin
    respondents). They are not survey answers: they let the survey's index and stage be
    compared with the simulation's person by person (``docs/survey.md`` section 7). The
    validator keeps them as columns outside the schema.

The scales are declared in the table's :class:`~migrant_health.survey.meta.SurveyMeta`:
``srh_levels``, ``depression_scale`` (PHQ-9-like, 0-27), ``social_support_scale`` (SSRS-like,
12-66) and ``source`` (year, seed, scenario, scale).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba as nb
import numpy as np
import pandas as pd

from migrant_health import small_runs
from migrant_health.analysis.indicators import DIMENSIONS, indicator_of
from migrant_health.arguments import whole_number
from migrant_health.data import load_calibration_targets, load_demography
from migrant_health.engine.context import compile_parameters
from migrant_health.engine.derived import report_noise
from migrant_health.engine.run import RunResult
from migrant_health.engine.run_config import RunConfig
from migrant_health.errors import DataError, RunConfigError
from migrant_health.model import simulate
from migrant_health.modules.integration import holds_residence_permit
from migrant_health.params import ParameterTree, Scenario
from migrant_health.setting_names import setting
from migrant_health.survey.meta import SurveyMeta, set_meta
from migrant_health.survey.schema import SCHEMA
from migrant_health.survey.validate import validate_survey

#: Calibration target giving the number of out-migrant workers (10k persons) in a year.
OUT_MIGRANT_TARGET = "nbs.outmigrant_workers (waichu)"
#: Out-migrant agents simulated per requested respondent.
HEADROOM = 3
#: Bounds of the automatic scale (persons per agent).
MIN_SCALE = 1_000.0
MAX_SCALE = 20_000.0
#: Ages of the origin respondents (the working-age population at origin).
ORIGIN_AGES = (16, 64)

#: Synthetic provinces per origin region.
PROVINCES_PER_REGION = {"east": 10, "central": 8, "west": 12}
#: Industries of formal and informal jobs, with their shares.
FORMAL_SECTORS = {
    "manufacturing": 0.45,
    "construction": 0.15,
    "transport_logistics": 0.10,
    "wholesale_retail": 0.10,
    "other_services": 0.20,
}
INFORMAL_SECTORS = {
    "construction": 0.25,
    "wholesale_retail": 0.25,
    "accommodation_catering": 0.20,
    "household_services": 0.15,
    "manufacturing": 0.15,
}
#: Items answered from a simulated dimension score (the index's map names the score).
LATENT_ITEMS = ("speaks_local_dialect", "follows_local_customs", "feels_local", "locals_accept_me")
#: Columns written beside the answers: the respondent's simulated dimension scores, index and
#: stage (current out-migrants; missing for origin respondents).
SIM_COLUMNS = (
    *(f"sim_{d}_integration" for d in DIMENSIONS),
    "sim_integration_index",
    "sim_stage",
)
DEPRESSION_SCALE = "PHQ-9-like (synthetic, 0-27; >= 10 screens positive)"
SUPPORT_SCALE = "SSRS-like total (synthetic, 12-66)"


@dataclass(frozen=True)
class MeasurementModel:
    """How latent states become answers (see the module docstring for each item).

    Attributes:
        item_noise_sd: SD of the normal noise added to a latent score before it is answered.
        pension_formal: Pension enrolment with a formal job (the simulation's pension).
        pension_other: Pension enrolment otherwise.
        support_noise_sd: SD of the noise of the latent support before scoring.
        phq_slope: Steepness of the depression score in the screening latent.
        bmi_noise_sd: SD of the reporting noise of BMI (kg/m2).
        income_noise_sd: SD of the log reporting noise of income.
        self_employed_center: Savings (months of wage index) at which half of informal
            workers are self-employed.
        self_employed_spread: Logistic scale of that probability.
        employer_economic: Economic integration from which a self-employed person is an
            employer.
        housing_noise_sd: SD of the noise of housing security.
        own_cut: Housing security from which a respondent owns the home.
        employer_housing_formal: Chance of employer-provided housing with a formal job.
        employer_housing_informal: Same with another job.
        public_rental_insured: Chance of public rental housing with destination insurance.
        cities_per_tier: Synthetic destination cities per tier (tier 1 first).
        nonresponse: Share of income and of depression answers missing at random.
        srh_levels: 5 (as simulated) or 4 (the CMDS item).
    """

    item_noise_sd: float = 0.10
    pension_formal: float = 0.9
    pension_other: float = 0.05
    support_noise_sd: float = 0.05
    phq_slope: float = 8.5
    bmi_noise_sd: float = 0.3
    income_noise_sd: float = 0.10
    self_employed_center: float = 36.0
    self_employed_spread: float = 12.0
    employer_economic: float = 0.5
    housing_noise_sd: float = 0.10
    own_cut: float = 0.6
    employer_housing_formal: float = 0.3
    employer_housing_informal: float = 0.15
    public_rental_insured: float = 0.05
    cities_per_tier: tuple[int, int, int, int] = (4, 15, 30, 50)
    nonresponse: float = 0.02
    srh_levels: int = 5

    def check(self) -> None:
        """Raise :class:`DataError` for impossible settings."""
        if not 0.0 <= self.nonresponse < 1.0:
            raise DataError(f"non-response share {self.nonresponse} must lie in [0, 1)")
        if self.srh_levels not in (4, 5):
            raise DataError(
                f"srh levels must be 5 (as simulated) or 4 (CMDS), not {self.srh_levels}"
            )


# The two kernels below are not cached on disk: Numba keys its cache on this file alone, so a
# cached copy would keep an outdated version of the model functions they inline.
@nb.njit(cache=False)
def _screen_latent(
    seed: np.uint64, year: int, pids: np.ndarray, mental: np.ndarray, sd: float
) -> np.ndarray:
    """Mental health plus the simulation's own screening noise of each person."""
    out = np.empty(pids.size)
    for j in range(pids.size):
        _, n_dep = report_noise(seed, year, pids[j])
        out[j] = mental[j] + sd * n_dep
    return out


@nb.njit(cache=False)
def _permits(p: Any, seed: np.uint64, pids: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The model's residence-permit rule for each person."""
    out = np.zeros(pids.size, dtype=np.bool_)
    for j in range(pids.size):
        out[j] = holds_residence_permit(p, seed, pids[j], years[j])
    return out


def expected_out_migrants(year: int) -> float:
    """Out-migrant workers (persons) in ``year`` by the NBS calibration target (nearest year)."""
    targets = load_calibration_targets()
    rows = targets[(targets["key"] == OUT_MIGRANT_TARGET) & targets["year"].notna()]
    years = rows["year"].astype(int).to_numpy()
    nearest = int(np.argmin(np.abs(years - year)))
    return float(rows["value"].to_numpy(dtype=float)[nearest]) * 10_000.0


def choose_scale(year: int, n: int) -> float:
    """Persons per agent giving about :data:`HEADROOM` out-migrant agents per respondent."""
    raw = math.floor(expected_out_migrants(year) / (HEADROOM * n))
    return float(min(MAX_SCALE, max(MIN_SCALE, raw)))


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def nearest_level(latent: np.ndarray, low: float, high: float) -> np.ndarray:
    """The answer on a ``low``-``high`` scale nearest to a latent score on [0, 1].

    The inverse of the index's min-max scaling of the item, so the scaled answer measures the
    latent without bias on average over latent scores (with noise of SD 0.1 on a four-level
    scale, within 0.02 at any one score).
    """
    steps = high - low
    return (low + np.clip(np.rint(latent * steps), 0, steps)).astype(np.int64)


def latent_answers(
    rows: pd.DataFrame, noise: Callable[[float], np.ndarray], sd: float
) -> dict[str, np.ndarray]:
    """Answers to the :data:`LATENT_ITEMS`, each from the snapshot column the index's map names."""
    answers = {}
    for item in LATENT_ITEMS:
        ind = indicator_of(item)
        latent = rows[ind.simulated].to_numpy(dtype=float) + noise(sd)
        answers[item] = nearest_level(latent, ind.low, ind.high)
    return answers


def _draw(
    rows: pd.DataFrame, n: int, rng: np.random.Generator, what: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` rows drawn with probability proportional to weight, without replacement.

    Returns:
        The drawn rows and their weights scaled to sum to the group's population.
    """
    if len(rows) < n:
        raise DataError(
            f"the simulation has only {len(rows):,} {what} agents, fewer than the {n:,} "
            "requested; ask for fewer respondents (from Python, synthesize_survey's scale "
            "argument can also give each agent fewer persons)"
        )
    w = rows["weight"].to_numpy(dtype=float)
    pick = rng.choice(len(rows), size=n, replace=False, p=w / w.sum())
    drawn = rows.iloc[np.sort(pick)].reset_index(drop=True)
    dw = drawn["weight"].to_numpy(dtype=float)
    return drawn, dw * (w.sum() / dw.sum())


def _province(region: pd.Series, community: pd.Series) -> np.ndarray:
    """A synthetic province code, fixed per origin village."""
    region_text = region.astype(str).to_numpy()
    count = np.array([PROVINCES_PER_REGION.get(r, 10) for r in region_text])
    k = (community.to_numpy(dtype=np.int64) * 2_654_435_761) % 1_000_003 % count + 1
    return np.array([f"{r}_{i:02d}" for r, i in zip(region_text, k, strict=True)], dtype=object)


def _choice(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    p = np.asarray(list(shares.values()))
    return rng.choice(np.asarray(list(shares), dtype=object), size=size, p=p / p.sum())


def measure(
    rows: pd.DataFrame,
    *,
    year: int,
    tree: ParameterTree,
    seed: int,
    status: str,
    rng: np.random.Generator,
    model: MeasurementModel | None = None,
) -> pd.DataFrame:
    """Turn snapshot rows into survey answers (schema columns, unvalidated).

    Args:
        rows: Snapshot rows (:mod:`migrant_health.engine.snapshot` columns) of one group.
        year: Survey year (the snapshot year).
        tree: The run's parameter tree (scenario applied).
        seed: The run's seed (the simulation's own report noise is recomputed from it).
        status: ``current`` (out-migrants in cities), ``returned`` or ``never``.
        rng: Generator of the measurement noise.
        model: The measurement model (defaults of :class:`MeasurementModel`).

    Returns:
        One row per respondent, aligned with ``rows``; ``weight``, ``id`` and ``survey_year`` are
        added by the caller.
    """
    m = model or MeasurementModel()
    n = len(rows)
    seed64 = np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    record = compile_parameters(tree, range(year, year + 1))[0]
    in_city = status == "current"
    pid = rows["pid"].to_numpy(dtype=np.int64)
    job = rows["job"].astype(str).to_numpy()
    formal = job == "formal"
    informal = job == "informal"
    farm = job == "farm"
    employed = formal | informal | farm
    savings = rows["savings"].to_numpy(dtype=float)
    economic = rows["integration_economic"].to_numpy(dtype=float)
    insurance = rows["insurance"].astype(str).to_numpy()
    dest_insured = np.isin(insurance, ["urban_resident_dest", "urban_employee_dest"])
    ties = rows["local_ties"].to_numpy(dtype=float)
    education = rows["education"].to_numpy(dtype=np.int64)
    tier = rows["city_tier"].to_numpy(dtype=np.int64)

    def noise(sd: float) -> np.ndarray:
        return rng.normal(0.0, sd, n)

    def bernoulli(prob: np.ndarray) -> np.ndarray:
        return rng.random(n) < prob

    # Employment: type, contract, sector.
    self_employed = informal & bernoulli(
        _logistic((savings - m.self_employed_center) / m.self_employed_spread)
    )
    employment_type = np.where(
        self_employed,
        np.where(economic >= m.employer_economic, "employer", "own_account"),
        np.where(farm, "own_account", "employee"),
    ).astype(object)
    employment_type[~employed] = None
    contract = pd.array(formal, dtype="boolean")
    contract[~employed] = pd.NA
    sector = np.where(
        formal,
        _choice(rng, FORMAL_SECTORS, n),
        np.where(farm, "agriculture", _choice(rng, INFORMAL_SECTORS, n)),
    ).astype(object)
    sector[~employed] = None
    # Income and hours.
    wage_index = float(tree.value_at("labor.wage_index", year))
    farm_income = float(tree.value_at("labor.origin.farm_income_share", year)) * wage_index
    income = np.where(farm, farm_income, rows["income"].to_numpy(dtype=float))
    income = np.round(income * np.exp(noise(m.income_noise_sd)) / 10.0) * 10.0
    income = np.where(employed, income, 0.0)
    hours = np.where(employed & ~farm, np.round(rows["hours"].to_numpy(dtype=float)), 0.0)
    hours = np.where(farm, np.nan, hours)  # farming hours are not simulated
    # Health items.
    threshold = float(tree.value_at("health.depression.threshold", year))
    screen_sd = float(tree.value_at("health.depression.screen_noise_sd", year))
    screen = _screen_latent(seed64, year, pid, rows["mental"].to_numpy(dtype=float), screen_sd)
    depression = np.minimum(27.0, np.floor(10.0 * np.exp(m.phq_slope * (threshold - screen))))
    srh = rows["srh"].to_numpy(dtype=np.int64)
    if m.srh_levels == 4:
        srh = np.minimum(srh, 4)
    bmi = np.clip(np.round(rows["bmi"].to_numpy(dtype=float) + noise(m.bmi_noise_sd), 1), 10, 70)
    support = np.clip(
        rows["social_support"].to_numpy(dtype=float) + noise(m.support_noise_sd), 0, 1
    )
    support_score = np.round(12.0 + 54.0 * support)
    # Non-response.
    income_missing = bernoulli(np.full(n, m.nonresponse))
    depression_missing = bernoulli(np.full(n, m.nonresponse))
    monthly_income = np.where(income_missing, np.nan, income)
    depression_score = np.where(depression_missing, np.nan, depression)

    out = pd.DataFrame(
        {
            "strata": [f"tier{t}" for t in tier]
            if in_city
            else [f"origin_{r}" for r in rows["origin_region"].astype(str)],
            "age": rows["age"].to_numpy(dtype=np.int64),
            "sex": rows["sex"].astype(str).to_numpy(dtype=object),
            "education": education,
            "origin_province": _province(rows["origin_region"], rows["community"]),
            "employed": employed,
            "employment_type": employment_type,
            "labor_contract": contract,
            "sector": sector,
            "monthly_income": monthly_income,
            "weekly_hours": hours,
            "med_insurance": insurance.astype(object),
            "social_support": support_score,
            "srh": srh,
            "depression_score": depression_score,
            "bmi": bmi,
            "chronic": rows["chronic"].to_numpy(dtype=bool),
            "migration_status": status,
        }
    )
    if status == "returned":
        out["cross_province"] = pd.array(rows["cross_province"].to_numpy(dtype=bool), "boolean")
    if not in_city:
        out["psu"] = [f"village{c}" for c in rows["community"].to_numpy(dtype=np.int64)]
        return out

    # Destination items of out-migrants.
    cities = np.asarray(m.cities_per_tier)[tier - 1]
    city = np.array(
        [f"t{t}_c{k + 1:02d}" for t, k in zip(tier, rng.integers(0, cities), strict=True)],
        dtype=object,
    )
    years_in_city = rows["years_in_city"].to_numpy(dtype=np.int64)
    housing_months = np.asarray(tree.value_at("labor.economic.housing_months", year), float)
    security = np.clip(savings / housing_months[tier - 1], 0, 1) + noise(m.housing_noise_sd)
    employer_housing = bernoulli(
        np.where(formal, m.employer_housing_formal, m.employer_housing_informal)
    )
    public = dest_insured & bernoulli(np.full(n, m.public_rental_insured))
    housing = np.select(
        [security >= m.own_cut, employer_housing, public, savings < 0],
        ["owned", "employer_provided", "public_rental", "informal"],
        default="private_rental",
    ).astype(object)
    participation_base = float(tree.value_at("integration.social.participation_base", year))
    participation_edu = float(tree.value_at("integration.social.participation_per_education", year))
    participation = np.clip(ties * (participation_base + participation_edu * education), 0, 1)
    out = out.assign(
        dest_city=city,
        psu=city,
        dest_city_tier=tier,
        cross_province=rows["cross_province"].to_numpy(dtype=bool),
        years_in_city=years_in_city.astype(float),
        housing=housing,
        pension_insurance=bernoulli(np.where(formal, m.pension_formal, m.pension_other)),
        health_record=rows["health_record"].to_numpy(dtype=bool),
        residence_permit=_permits(record, seed64, pid, years_in_city),
        local_friends=bernoulli(ties),
        community_participation=bernoulli(participation),
        **latent_answers(rows, noise, m.item_noise_sd),
        willing_to_stay=rows["stay_intention"].to_numpy(dtype=bool),
        **_simulated_scores(rows),
    )
    return out


def _simulated_scores(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """The :data:`SIM_COLUMNS` of each respondent, from the snapshot."""
    scores: dict[str, np.ndarray] = {
        f"sim_{d}_integration": rows[f"integration_{d}"].to_numpy(dtype=float) for d in DIMENSIONS
    }
    scores["sim_integration_index"] = rows["integration_index"].to_numpy(dtype=float)
    scores["sim_stage"] = rows["stage"].to_numpy(dtype=object)
    return scores


def check_survey_request(
    year: int,
    n: int,
    origin_n: int | None = None,
    include_origin: bool = False,
    model: MeasurementModel | None = None,
) -> None:
    """Check what :func:`synthesize_survey` is asked for, before anything is simulated (or
    compiled).

    Raises:
        RunConfigError: If ``year`` is outside the simulation's years or a size is not positive.
        DataError: For a bad measurement model.
    """
    year = whole_number(year, what="year", error=RunConfigError)
    whole_number(n, what="n", error=RunConfigError)
    if origin_n is not None:
        whole_number(origin_n, what="origin_n", error=RunConfigError)
    (model or MeasurementModel()).check()
    demo = load_demography()
    if not demo.first_year <= year <= demo.last_year:
        raise RunConfigError(
            f"{setting('year', year)} is outside the simulation's years "
            f"[{demo.first_year}, {demo.last_year}]"
        )
    _check_sizes(n, origin_n, include_origin)


def synthesize_survey(
    year: int,
    n: int,
    *,
    seed: int = 1,
    scenario: Scenario | str | Path | None = None,
    include_origin: bool = False,
    origin_n: int | None = None,
    model: MeasurementModel | None = None,
    scale: float | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """Simulate to ``year`` and draw a synthetic survey in the schema (validated).

    Args:
        year: Survey year; the simulation runs from the data's first year to it.
        n: Out-migrants to draw (``migration_status == "current"``).
        seed: Seed of the simulation and of the draw and measurement noise.
        scenario: Parameter overrides of the simulation: a :class:`Scenario`, a shipped
            scenario's name or a YAML file (``None`` for the baseline).
        include_origin: Also draw returnees and never-migrated people aged 16-64 at origin.
        origin_n: Respondents of each origin group (default ``n // 2``).
        model: The measurement model (see :class:`MeasurementModel`).
        scale: Persons per agent; by default :func:`choose_scale`.
        workers: Processes of the simulation (results do not depend on it).

    Returns:
        The validated table (schema columns, ``migration_status`` included, then the
        :data:`SIM_COLUMNS`: each respondent's simulated dimension scores, index and stage), with
        its :class:`~migrant_health.survey.meta.SurveyMeta` in
        ``attrs``.

    Raises:
        RunConfigError: If ``year`` is outside the simulation's years or a size is not positive.
        DataError: If the simulation holds too few people of a group, or for a bad model.
        ScenarioError: For a scenario that does not fit the parameter tree.
    """
    check_survey_request(year, n, origin_n, include_origin, model)
    if isinstance(scenario, str | Path):
        from migrant_health.scenarios import resolve_scenario

        scenario = resolve_scenario(scenario)  # a misspelt name gets its did-you-mean
    n = small_runs.shrink_count(n, small_runs.RESPONDENTS)
    if origin_n is not None:
        origin_n = small_runs.shrink_count(origin_n, small_runs.RESPONDENTS)
    result = simulate(
        RunConfig(
            end=year,
            scale=choose_scale(year, n) if scale is None else float(scale),
            seed=seed,
            snapshot_years=(year,),
            snapshot_fraction=1.0,
            workers=workers,
            scenario=scenario,
        )
    )
    return draw_survey(
        result, n, year=year, include_origin=include_origin, origin_n=origin_n, model=model
    )


def _check_sizes(n: int, origin_n: int | None, include_origin: bool) -> None:
    if n < 1:
        raise RunConfigError(f"{setting('n', n)} must be at least 1 respondent")
    if include_origin and origin_n is not None and origin_n < 1:
        raise RunConfigError(f"{setting('origin_n', origin_n)} must be at least 1 respondent")


def draw_survey(
    result: RunResult,
    n: int,
    *,
    year: int | None = None,
    include_origin: bool = False,
    origin_n: int | None = None,
    model: MeasurementModel | None = None,
    sample_seed: int | None = None,
) -> pd.DataFrame:
    """Draw a synthetic survey from a finished run whose snapshot holds every person.

    Args:
        result: A run with ``snapshot_fraction=1.0`` and ``year`` among its snapshot years.
        n: Out-migrants to draw.
        year: Survey year (default: the run's only snapshot year).
        include_origin: Also draw returnees and never-migrated people aged 16-64 at origin.
        origin_n: Respondents of each origin group (default ``n // 2``).
        model: The measurement model.
        sample_seed: Seed of the draw and the measurement noise (default: the run's seed).

    Returns:
        The validated survey table with its metadata (see :func:`synthesize_survey`).

    Raises:
        DataError: If the run has no full snapshot of ``year`` or too few people of a group.
    """
    m = model or MeasurementModel()
    m.check()
    _check_sizes(n, origin_n, include_origin)
    config = result.config
    if year is None:
        if not config.snapshot_years:
            raise DataError(
                "the run has no snapshot to draw from: simulate with snapshot_years=(YEAR,) "
                "and snapshot_fraction=1.0"
            )
        if len(config.snapshot_years) != 1:
            raise DataError("pass the survey year: the run has several snapshot years")
        year = config.snapshot_years[0]
    if year not in config.snapshot_years or config.snapshot_fraction < 1.0:
        raise DataError(
            f"the run needs a full snapshot of {year} (snapshot_years including it and "
            "snapshot_fraction=1.0) to draw a survey"
        )
    snap = result.snapshots
    snap = snap[snap["year"] == year]
    seed = config.seed if sample_seed is None else sample_seed
    rng = np.random.default_rng([seed, year])
    n_origin = n // 2 if origin_n is None else origin_n
    status = snap["status"].astype(str)
    groups: list[tuple[str, pd.Series, int, str]] = [
        ("current", status == "out_migrant", n, "out-migrant")
    ]
    if include_origin:
        working = snap["age"].between(*ORIGIN_AGES)
        groups += [
            ("returned", (status == "returned") & working, n_origin, "returnee"),
            (
                "never",
                status.isin(["rural_stayer", "local_migrant"]) & working,
                n_origin,
                "never-migrated",
            ),
        ]
    parts = []
    for label, mask, size, what in groups:
        drawn, weight = _draw(snap.loc[mask.to_numpy()], size, rng, what)
        part = measure(
            drawn, year=year, tree=result.tree, seed=config.seed, status=label, rng=rng, model=m
        )
        part.insert(0, "weight", weight)
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "survey_year", year)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    frame = frame[[c for c in (*SCHEMA, *SIM_COLUMNS) if c in frame.columns]]
    name = config.scenario.name if config.scenario is not None else "baseline"
    meta = SurveyMeta(
        srh_levels=m.srh_levels,
        depression_scale=DEPRESSION_SCALE,
        depression_min=0.0,
        depression_max=27.0,
        social_support_scale=SUPPORT_SCALE,
        source=(
            f"migrant_health synthetic survey: year {year}, seed {seed}, scenario {name}, "
            f"{config.scale:g} persons per agent"
        ),
    )
    set_meta(frame, meta)
    return validate_survey(frame, source="synthetic survey")
