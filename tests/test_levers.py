"""Policy levers in real units: documented, neutral by default, acting in the seed's direction.

Every ``policy.*`` lever is set in a unit a policy maker sets, with its effect per unit, its
cost, its source and its seed section (docs/policy.md). Each run here differs from the
baseline run in one lever only, with the same seed: every draw is a function of (seed, stream,
year, person), so the difference is the lever's effect (common random numbers).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, Scenario, simulate
from migrant_health.params import ParameterTree
from migrant_health.scenarios import phase_in, resolve_scenario, shipped_names
from migrant_health.scenarios.levers import LEVERS, lever

CONFIG = dict(end=2014, scale=50_000, seed=3, workers=2)
START = 2010  # the levers' start year in these tests
LATE = range(2012, 2015)  # years in which a lever's effect has built up


@pytest.fixture(scope="module")
def tree() -> ParameterTree:
    return ParameterTree.load()


_RUNS: dict[str, RunResult] = {}


def _run(overrides: dict[str, object] | None = None, scale: float | None = None) -> RunResult:
    """A short run with ``overrides`` (at ``scale`` persons per agent, CONFIG's by default);
    each distinct scenario and scale runs once per test session."""
    config = {**CONFIG, "scale": scale or CONFIG["scale"]}
    key = json.dumps([overrides or {}, config["scale"]], sort_keys=True)
    if key not in _RUNS:
        scenario = Scenario.from_dict(overrides) if overrides else None
        _RUNS[key] = simulate(RunConfig(scenario=scenario, **config))  # type: ignore[arg-type]
    return _RUNS[key]


@pytest.fixture(scope="module")
def baseline() -> RunResult:
    return _run()


def _late(result: RunResult, metric: str, group: str = "all") -> float:
    return sum(result.value(metric, year, group) for year in LATE)


# -- documentation ------------------------------------------------------------------------------


@pytest.mark.parametrize("item", LEVERS, ids=lambda item: item.name)
def test_each_lever_has_unit_range_source_seed_effect_and_cost(item, tree) -> None:  # type: ignore[no-untyped-def]
    spec = tree.spec(item.path)
    assert spec.unit and spec.source and spec.seed and spec.seed.startswith("4.")
    # Neutral by default: the lowest value of its range, which the shipped baseline holds.
    assert spec.value == 0.0 == spec.range[0]
    for effect in item.effects:
        effect_spec = tree.spec(effect)
        assert effect_spec.unit and effect_spec.seed == spec.seed
        assert effect_spec.source.lower().startswith("assumption") or len(effect_spec.source) > 20
    cost = tree.spec(item.cost)
    assert cost.unit.startswith("CNY") and cost.value > 0 and cost.source


def test_every_policy_parameter_is_a_lever_an_effect_or_a_cost(tree) -> None:  # type: ignore[no-untyped-def]
    known = {item.path for item in LEVERS}
    known |= {effect for item in LEVERS for effect in item.effects}
    known |= {item.cost for item in LEVERS} | {"policy.costs.discount_rate"}
    assert set(tree.paths("policy")) == known
    assert lever("policy.costs.discount_rate") is None


def test_shipped_scenarios_set_levers_only_and_the_4_4_one_no_reimbursement(tree) -> None:  # type: ignore[no-untyped-def]
    levers = {item.path for item in LEVERS}
    for name in shipped_names():
        assert set(resolve_scenario(name).overrides) <= levers, name
    entrepreneurship = resolve_scenario("return_entrepreneurship").overrides
    assert "policy.public_services.reimbursement_raise" not in entrepreneurship


def test_phase_in_reaches_the_target_in_equal_steps() -> None:
    assert phase_in(1.0, 2025, 5) == {2025: 0.2, 2026: 0.4, 2027: 0.6, 2028: 0.8, 2029: 1.0}
    assert phase_in(0.7, 2030, 1) == {2030: 0.7}
    shipped = resolve_scenario("equal_public_services").overrides
    assert shipped["policy.public_services.resident_scheme_access"] == phase_in(1.0, 2025, 5)


# -- neutrality ---------------------------------------------------------------------------------


def test_levers_at_their_neutral_value_leave_the_run_bit_identical(baseline) -> None:  # type: ignore[no-untyped-def]
    # Every lever explicitly at 0 from the start year: nothing may move.
    neutral = {item.path: {START: 0.0} for item in LEVERS}
    pd.testing.assert_frame_equal(_run(neutral).aggregates, baseline.aggregates)


def test_a_lever_is_zero_before_its_start_year(baseline) -> None:  # type: ignore[no-untyped-def]
    result = _run({"policy.fair_employment.hours_reduction": {2012: 6.0}})
    before = result.aggregates[result.aggregates["year"] < 2012].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        before, baseline.aggregates[baseline.aggregates["year"] < 2012].reset_index(drop=True)
    )
    assert result.value("weekly_hours_mean", 2012) < baseline.value("weekly_hours_mean", 2012)


# -- directions ---------------------------------------------------------------------------------


def test_fewer_hours_lower_earnings_and_raise_physical_health(baseline) -> None:  # type: ignore[no-untyped-def]
    result = _run({"policy.fair_employment.hours_reduction": {START: 10.0}})
    assert _late(result, "weekly_hours_mean") < _late(baseline, "weekly_hours_mean")
    assert _late(result, "monthly_income_mean") < _late(baseline, "monthly_income_mean")
    out = "status=out_migrant"
    assert _late(result, "health_capital_mean", out) > _late(baseline, "health_capital_mean", out)


def test_without_an_earnings_response_the_hours_cut_keeps_pay(baseline) -> None:  # type: ignore[no-untyped-def]
    # The elasticity is what makes pay fall: at 0 the cut changes pay only through health.
    cut = {"policy.fair_employment.hours_reduction": {START: 10.0}}
    free = _run({**cut, "policy.fair_employment.hours_earnings_elasticity": 0.0})
    paid = _run(cut)
    assert _late(paid, "monthly_income_mean") < _late(free, "monthly_income_mean")


def test_returnees_with_local_jobs_re_migrate_less(baseline) -> None:  # type: ignore[no-untyped-def]
    # The calibrated model anchors every returnee with a local job (seed 4.4); unanchored, they
    # leave again as often as other returnees.
    result = _run({"migration.remigration.local_job_anchoring": {START: 0.0}})
    assert _late(result, "remigrations") > _late(baseline, "remigrations")


@pytest.mark.parametrize(
    ("overrides", "metric", "group", "direction", "scale"),
    [
        # 4.1 workplace safety: less depletion in hazardous jobs, better physical health.
        (
            {"policy.fair_employment.workplace_safety": {START: 1.0}},
            "health_capital_mean",
            "status=out_migrant",
            +1,
            None,
        ),
        # 4.1 equal pay regardless of hukou: higher earnings.
        (
            {"policy.fair_employment.equal_pay": {START: 1.0}},
            "monthly_income_mean",
            "all",
            +1,
            None,
        ),
        # 4.2 employment services: out-migrants find work again sooner. They reach the few
        # without a job (about 3 %): the rate moves by about 0.0001 a year, which the noise of
        # a run at 50,000 persons per agent can hide (seed 3: +0.00007 over 2012-2014, and
        # -0.0002 once support reached physical health); at 10,000, +0.0003 to +0.0004 on
        # seeds 3-5.
        (
            {"policy.public_services.employment_services": {START: 1.0}},
            "employment_rate_out_migrants",
            "all",
            +1,
            10_000,
        ),
        # 4.3 residence permits open the resident scheme: more destination insurance.
        (
            {"policy.management.residence_permit_coverage": {START: 1.0}},
            "insured_destination_share",
            "all",
            +1,
            None,
        ),
        # 4.4 rural service access: better health of people at origin.
        (
            {"policy.return_entrepreneurship.rural_service_access": {START: 1.0}},
            "health_capital_mean",
            "residence=rural",
            +1,
            None,
        ),
    ],
    ids=["workplace_safety", "equal_pay", "employment_services", "permit", "rural_services"],
)
def test_new_levers_move_their_mechanism_in_the_seed_direction(  # type: ignore[no-untyped-def]
    overrides, metric, group, direction, scale
) -> None:
    result, reference = _run(overrides, scale), _run(None, scale)
    assert direction * (_late(result, metric, group) - _late(reference, metric, group)) > 0


@pytest.mark.parametrize(
    "path",
    [
        "policy.fair_employment.wage_protection",
        "policy.fair_employment.workplace_safety",
        "policy.public_services.medical_assistance",
    ],
    ids=["wage_protection", "workplace_safety", "medical_assistance"],
)
def test_levers_for_the_rural_hukou_population_leave_the_urban_reference_sample_alone(  # type: ignore[no-untyped-def]
    baseline, path
) -> None:
    """Wage guarantees and safety inspection cover migrant workers' jobs, medical assistance the
    rural-hukou-origin population: the urban locals, against whom every gap is measured, are
    not reached, so every number of theirs is the baseline's to the last digit. Before, all
    three reached urban locals in informal jobs or with catastrophic bills (in 2025, 0.5 % of
    them were paid more, 48 % had other health by 2030, 11 % got refunds; seeds 2-3)."""
    result = _run({path: {START: 1.0}})

    def urban_locals(run: RunResult) -> pd.DataFrame:
        rows = run.aggregates[run.aggregates["group"] == "status=urban_local"]
        return rows.reset_index(drop=True)

    reached = urban_locals(result)
    assert len(reached) > 100
    pd.testing.assert_frame_equal(reached, urban_locals(baseline))
    # ... while the lever does act on the population it is for.
    assert not result.aggregates.equals(baseline.aggregates)


def test_medical_assistance_refunds_the_catastrophic_part_of_a_bill(  # type: ignore[no-untyped-def]
    baseline, base_year_params
) -> None:
    """The refund stops at the catastrophic threshold: a bill just above it still leaves more
    to pay than one just below, and as many people spend catastrophically as without the
    assistance, less deeply. Before, the share of the whole bill came back once the bill
    crossed the threshold, so a bill just above it left less to pay than one just below."""
    from migrant_health.modules.care import after_medical_assistance

    records = np.array([base_year_params])
    records[0]["policy__public_services__medical_assistance"] = 0.5
    p = records[0]
    capacity = 10_000.0
    threshold = float(p["care__catastrophic__threshold"]) * capacity
    below, flagged_below = after_medical_assistance(p, threshold - 1.0, capacity, True)
    above, flagged_above = after_medical_assistance(p, threshold + 1.0, capacity, True)
    assert not flagged_below and flagged_above
    assert above == pytest.approx(threshold + 0.5)
    assert below < above
    # An urban local of the reference sample is not reached.
    assert after_medical_assistance(p, 2 * threshold, capacity, False) == (2 * threshold, True)

    result = _run({"policy.public_services.medical_assistance": {START: 0.5}})
    for year in LATE:
        assert result.value("catastrophic_spending_share", year) == pytest.approx(
            baseline.value("catastrophic_spending_share", year), abs=2e-3
        )
    spent, spent_before = (_late(run, "medical_spending_per_capita") for run in (result, baseline))
    assert spent < spent_before


def test_permits_open_services_only_through_their_service_access(baseline) -> None:  # type: ignore[no-untyped-def]
    permits = {"policy.management.residence_permit_coverage": {START: 1.0}}
    closed = _run({**permits, "policy.management.permit_service_access": 0.0})
    opened = _run(permits)
    for metric in ("insured_destination_share", "health_record_share"):
        assert _late(opened, metric) > _late(closed, metric)


@pytest.mark.parametrize(
    ("path", "value", "metric", "direction"),
    [
        ("policy.fair_employment.hours_reduction", 10.0, "weekly_hours_mean", -1),
        ("policy.fair_employment.wage_protection", 1.0, "wage_arrears_share", -1),
        ("policy.fair_employment.workplace_safety", 1.0, "health_capital_mean", +1),
    ],
    ids=["hours_reduction", "wage_protection", "workplace_safety"],
)
def test_levers_that_reach_local_migrant_workers_are_costed_on_them(  # type: ignore[no-untyped-def]
    baseline, path, value, metric, direction
) -> None:
    """The working-time cut, wage guarantees and safety inspection act on the jobs of local
    migrant workers as well as out-migrants' (seed 4.1 speaks of migrant workers), so their
    cost counts every migrant worker, not employed out-migrants only."""
    result = _run({path: {START: value}})
    local = "status=local_migrant"
    assert direction * (_late(result, metric, local) - _late(baseline, metric, local)) > 0
    reached = lever(path)
    assert reached is not None and reached.eligible == "migrant_workers"
