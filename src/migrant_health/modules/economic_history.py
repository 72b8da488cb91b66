"""A base-year out-migrant's economic integration from their own years in the city (part of the
steady start, :mod:`migrant_health.modules.steady_start`).

Each year the labour step moves an out-migrant's economic integration by
``labor.economic.adjustment`` of the way toward that year's target
(:func:`labor.economic_target`: holding a job, a formal one, income, housing from savings,
destination insurance). The migration module's start moves every base-year out-migrant from
the arrival level toward one common level (``migration.initial.settled_economic``), so people
with the same years in the city started alike whatever their job, pay, savings and insurance:
the out-migrants of ten years or more held 0.39-0.40, above the 0.35 cut of a moderately
prosperous living type, and 10 % of them lived at subsistence in 2008, 20 % in 2009 and 26 %
after five years under frozen 2008 conditions (eight seeds, scale 10,000), as the yearly steps
spread them toward their own targets.
"""

from __future__ import annotations

from migrant_health.engine.codes import JOB_FORMAL
from migrant_health.engine.fast_exp import exp
from migrant_health.engine.jit import init_kernel
from migrant_health.modules.labor import base_year_step_chances, economic_target
from migrant_health.modules.pay import experience_log_pay
from migrant_health.modules.spell_employment import employed_in_spell_year


@init_kernel
def own_economic_integration(  # type: ignore[no-untyped-def]
    p, age, years, education, health, chronic, mental, job, income, savings, arrival_savings,
    city_tier, insured,
):  # fmt: skip
    """Economic integration of a base-year out-migrant after ``years`` yearly labour steps in
    the city, each moving it from the arrival level (``labor.economic.initial``) toward that
    year's own target by ``labor.economic.adjustment``.

    Each past year's target is the expected one, at the chances the start gives that year:
    a job held with the chance of a year the person stayed on after
    (:func:`spell_employment.employed_in_spell_year`); a formal one among the employed with
    the chance the start's formal draw reads after that many steps
    (:func:`labor.base_year_formal_chance`, whose chain this repeats), and today's job in the
    last year; today's pay at the experience of the time; savings on the way from those they
    left home with (``arrival_savings``) to today's, as savings kept at ``1 -
    labor.savings.spending_rate`` a year with the same yearly saving build up; today's
    destination insurance. From today's target alone, the out-migrants of 2-9 years started
    more integrated than the steps keep them (at 5-9 years, 51.5 % at subsistence rising to
    58.4 % in five frozen years).
    """
    adjustment = p.labor__economic__adjustment
    keep = 1.0 - p.labor__savings__spending_rate
    economic = p.labor__economic__initial
    experience_now = experience_log_pay(p, age, education)
    # Savings after k years: arrival * keep^k + built * (1 - keep^k), with ``built`` what the
    # yearly saving adds up to, from today's savings after ``years``. With nothing spent
    # (keep 1) the same yearly saving adds up in a straight line instead.
    kept_now = keep**years
    straight = 1.0 - kept_now < 1e-9
    built = 0.0 if straight else (savings - arrival_savings * kept_now) / (1.0 - kept_now)
    formal = 0.0  # the unconditional share formal after each step (arrivals are informal)
    kept = 1.0
    for k in range(1, years + 1):
        # The start's state is that of the end of the year before the base year: the k-th
        # step ran at age - 1 - years + k, as in labor.base_year_formal_chance and the savings
        # history (which pays that year at its experience against today's).
        a = age - 1 - years + k
        chance, from_formal, from_informal = base_year_step_chances(
            p, k, a, education, health, chronic, mental, city_tier
        )
        among_employed = formal * from_formal + (1.0 - formal) * from_informal
        formal = chance * among_employed
        held = employed_in_spell_year(p, a, chance, health, mental, chronic, False)
        if k == years:
            among_employed = 1.0 if job == JOB_FORMAL else 0.0
        kept *= keep
        if straight:
            saved = arrival_savings + (savings - arrival_savings) * k / years
        else:
            saved = arrival_savings * kept + built * (1.0 - kept)
        pay = income * exp(experience_log_pay(p, a, education) - experience_now)
        at_work = (1.0 - among_employed) * economic_target(
            p, True, False, pay, saved, city_tier, insured
        ) + among_employed * economic_target(p, True, True, pay, saved, city_tier, insured)
        without = economic_target(p, False, False, 0.0, saved, city_tier, insured)
        economic += adjustment * (held * at_work + (1.0 - held) * without - economic)
    return economic
