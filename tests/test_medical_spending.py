"""Medical spending in the units of the household surveys (issue 9, deliverable 4).

Out-of-pocket spending is priced where people live and paid from their own income, so it can
be compared with the NBS per-capita health-care consumption of rural and urban residents, and
catastrophic spending with the CFPS rural and urban shares.
"""

from __future__ import annotations

import pytest

from migrant_health import RunConfig, Scenario
from migrant_health.engine.context import compile_parameters
from migrant_health.experiments.quantity import ModelRun, Quantity, simulate_cells
from migrant_health.params import load_parameters

CONFIG = RunConfig(end=2018, scale=20_000, workers=1)
# NBS per-capita health-care consumption of rural residents (Statistical Yearbooks 2009 and
# 2011, table of rural household consumption; calibration_targets.csv exp.rural_pc_healthcare).
NBS_RURAL = {2008: 245.97, 2010: 326.04}


@pytest.fixture(scope="module")
def baseline() -> ModelRun:
    return simulate_cells(CONFIG)


def _with(lever: str, value: float) -> ModelRun:
    """The baseline's run to 2012 with one policy lever set from the start."""
    scenario = Scenario.from_dict({lever: value})
    return simulate_cells(RunConfig(end=2012, scale=CONFIG.scale, workers=1, scenario=scenario))


def _value(run: ModelRun, metric: str, group: str, year: int) -> float:
    return float(Quantity(metric, group).evaluate(run)["value"].loc[year])


def test_rural_residents_spend_what_the_nbs_household_survey_records(baseline: ModelRun) -> None:
    # Within the 5 % band of a confirmed mean target; the model counts people aged 16+, the
    # NBS all ages, so this is the level, not a tight identity.
    for year, nbs in NBS_RURAL.items():
        model = _value(baseline, "medical_spending_per_capita", "residence=rural", year)
        assert abs(model - nbs) <= 0.05 * nbs, (year, model, nbs)
    # The aggregate at origin is then of the order of 100 bn CNY, a fraction of China's
    # 588 bn CNY of out-of-pocket health spending in 2008 (exp.oop_total), not more than it.
    at_origin = float(Quantity("rural_medical_spending").evaluate(baseline)["value"].loc[2008])
    assert 50e9 < at_origin < 0.5 * 587.6e9


def test_city_dwellers_spend_more_than_rural_residents(baseline: ModelRun) -> None:
    # NBS: 786 vs 246 CNY per head in 2008 (urban 3.2 times rural), 1064 vs 514 in 2012 (2.1
    # times), 2046 vs 1240 in 2018 (1.65 times): in the model, as in the data, care in cities
    # is dearer and city incomes pay for more of it, and the gap narrows as rural incomes and
    # reimbursement catch up.
    ratios = []
    for year in (2008, 2012, 2018):
        rural = _value(baseline, "medical_spending_per_capita", "residence=rural", year)
        urban = _value(baseline, "medical_spending_per_capita", "residence=urban", year)
        assert urban > 1.5 * rural, (year, rural, urban)
        ratios.append(urban / rural)
        # Out-migrants pay city prices: they spend more than the rural stayers they left.
        out = _value(baseline, "medical_spending_per_capita", "status=out_migrant", year)
        stayers = _value(baseline, "medical_spending_per_capita", "status=rural_stayer", year)
        assert out > stayers, (year, out, stayers)
    assert ratios[0] > ratios[-1], ratios


def test_catastrophic_spending_is_commoner_in_rural_areas(baseline: ModelRun) -> None:
    # CFPS 2012 and 2018: about 18 % of rural and 11-12 % of urban households.
    for year in (2012, 2018):
        rural = _value(baseline, "catastrophic_spending_share", "residence=rural", year)
        urban = _value(baseline, "catastrophic_spending_share", "residence=urban", year)
        assert rural > urban + 0.03, (year, rural, urban)
        assert 0.12 < rural < 0.25 and 0.05 < urban < 0.16, (year, rural, urban)


def test_reimbursement_lowers_the_price_of_care_and_the_poor_use_more_of_it(
    baseline: ModelRun,
) -> None:
    # Raising the rural scheme's reimbursement by 30 points (seed 4.2: broader scope of
    # payments) lowers what rural residents pay per unit of care they use and brings forgone
    # care back.
    raised = _with("policy.public_services.reimbursement_raise", 0.3)
    for year in (2010, 2012):
        share_before = _value(baseline, "out_of_pocket_share", "residence=rural", year)
        share_after = _value(raised, "out_of_pocket_share", "residence=rural", year)
        assert share_after < share_before - 0.2, (year, share_before, share_after)
        use_before = _value(baseline, "care_use_mean", "residence=rural", year)
        use_after = _value(raised, "care_use_mean", "residence=rural", year)
        assert use_after > use_before + 0.02, (year, use_before, use_after)

    # Person by person: the same need and the same rise in reimbursement bring back more care
    # to the poor, who forgo most (a poor rural dependant vs a migrant worker's earnings).
    from migrant_health.modules.care import use_of_care

    p = compile_parameters(load_parameters(), range(2008, 2009))[0]
    price = 2_000.0  # CNY: a year's need well above the average
    poor, rich = 800.0, 15_000.0  # capacity to pay, CNY/year
    gains = {}
    for label, capacity in (("poor", poor), ("rich", rich)):
        before = use_of_care(p, price, 0.35, capacity)
        after = use_of_care(p, price, 0.65, capacity)
        assert after > before
        gains[label] = after - before
    assert gains["poor"] > 3 * gains["rich"], gains


def test_duplicate_enrolment_ends_under_a_unified_scheme(baseline: ModelRun) -> None:
    # Seed 4.2: redundant enrolment in the rural and an urban scheme; a unified urban-rural
    # scheme (the portability lever set to 1) merges the rolls.
    unified = _with("policy.public_services.portability", 1.0)
    before = Quantity("duplicate_enrolment_share", "status=out_migrant").evaluate(baseline)
    after = Quantity("duplicate_enrolment_share", "status=out_migrant").evaluate(unified)
    assert float(before["value"].loc[2012]) > 0.05
    assert float(after["value"].loc[2012]) == 0.0
