"""The base-year stock's years in the city: ties, integration and mental health (part of the
steady start).

A base-year out-migrant's ties with locals, cultural and identity integration are built with
the social and integration modules' own yearly steps, one of each for each year in the city,
and their mental health moves toward each year's target; a returnee carries the ties, network
and mental health of their city years home (:mod:`migrant_health.modules.steady_start`).
"""

from __future__ import annotations

from migrant_health.engine.codes import (
    FAMILY_APART,
    FAMILY_SINGLE,
    INS_NONE,
    JOB_FARM,
    JOB_INFORMAL,
    OUT_MIGRANT,
    RETURNED,
    RURAL_STAYER,
)
from migrant_health.engine.derived import (
    destination_insured,
)
from migrant_health.engine.jit import history_kernel, init_kernel
from migrant_health.engine.random import (
    clip01,
)
from migrant_health.modules.integration import (
    cultural_growth,
    holds_residence_permit,
    identity_target,
)
from migrant_health.modules.mental_target import (
    mental_stationary_sd,
    mental_target,
    mental_target_of,
    mental_trait,
)
from migrant_health.modules.returnee_spell import returnee_past
from migrant_health.modules.social import (
    networks_after_year,
    out_migrant_ties,
    social_support,
)


@init_kernel
def city_year_of_integration(  # type: ignore[no-untyped-def]
    p, seed, pid, k, age, education, insured, ties, cultural, identity
):  # fmt: skip
    """One year of an out-migrant's ties with locals, cultural and identity integration.

    The social module's step (growth with education and dialect, slower from 50, decay,
    isolation from ``social.ties.isolation_age``), then the integration module's (cultural
    growth with education and the new ties, identity toward the target of the residence
    permit, destination insurance, ``k`` years in the city, ties, education and ``age``), in
    the yearly order.

    Returns:
        Ties, cultural and identity integration after the year.
    """
    ties = out_migrant_ties(p, ties, education, cultural, age)
    if age >= p.social__ties__isolation_age:
        ties *= 1.0 - p.social__ties__isolation_loss
    ties = clip01(ties)
    cultural = clip01(cultural + cultural_growth(p, education, ties, age) * (1.0 - cultural))
    belonging = identity_target(
        p, holds_residence_permit(p, seed, pid, k), insured, k, ties, education, age
    )
    identity = clip01(identity + p.integration__identity__rate * (belonging - identity))
    return ties, cultural, identity


@history_kernel
def city_integration(  # type: ignore[no-untyped-def]
    p, seed, pid, age, years, education, insured, departure_cultural
):  # fmt: skip
    """An out-migrant's ties with locals, cultural and identity integration after ``years`` in
    the city: :func:`city_year_of_integration` once for each year, from the values of
    departure (``social.ties.initial``, ``departure_cultural``, ``migration.departure.identity``).

    Built with the modules' own steps. Before, the start grew ties at the bare rate
    ``social.ties.growth`` without decay or the slower growth from 50, so out-migrants aged
    50+ with 2-4 years in the city started at 0.47 and fell to 0.30 in the first year of a
    run, and identity moved toward the base of its target only (out-migrants with 10-19 years
    gained 0.011-0.013 a year within their band under frozen conditions).
    """
    ties = p.social__ties__initial
    cultural = departure_cultural
    identity = p.migration__departure__identity
    for k in range(years):
        ties, cultural, identity = city_year_of_integration(
            p, seed, pid, k, age - years + k, education, insured, ties, cultural, identity
        )
    return ties, cultural, identity


@history_kernel
def city_mental_health(  # type: ignore[no-untyped-def]
    p, seed, pid, trait, female, age, years, arrived, family, arrival_savings, savings, health,
    chronic, insurance, job, origin_network, education, economic, departure_cultural,
):  # fmt: skip
    """An out-migrant's mental health after ``years`` yearly adjustments in the city.

    From ``arrived``, each year moves it toward that year's target
    (:func:`mental_target.mental_target_of`): with that year's years in the city (the first years'
    stress), and that year's ties with locals, cultural and identity integration
    (:func:`city_year_of_integration`, the path :func:`city_integration` builds), origin
    network and economic integration, which the base-year stock has moved toward their own
    levels at their own rates (docs/model.md section 5, steps 3 and 6) and which are traced
    back from where they are now; savings run in a straight line from what the person
    arrived with to what they hold now. Physical health, chronic illness, job, insurance and
    family are taken as now. With every year's target taken as now, newcomers missed the
    stress of their first years and longer-settled migrants the discrimination of theirs.
    """
    rate = p.health__mental__adjustment
    economic_level = p.migration__initial__settled_economic
    insured = destination_insured(insurance)
    m = arrived
    ties = p.social__ties__initial
    c = departure_cultural
    d = p.migration__departure__identity
    for k in range(years):
        back = float(k - years)  # years before now, as a negative power of the keep rates
        e = clip01(
            economic_level
            + (economic - economic_level) * (1.0 - p.labor__economic__adjustment) ** back
        )
        network = clip01(origin_network * (1.0 - p.social__origin__fade) ** back)
        support = social_support(p, ties, network, family, True)
        saved = arrival_savings + (savings - arrival_savings) * k / years
        then = age - years + k
        # An out-migrant's money worries are their savings' (the household's income is not
        # read; 1.0 stands for it).
        target, _ = mental_target_of(
            p, trait, female, then, OUT_MIGRANT, k, family, saved, 1.0, support, health,
            chronic, insurance, job, ties, education, e, c, d,
        )  # fmt: skip
        m += rate * (target - m)
        # The year's social and integration steps come after health's.
        ties, c, d = city_year_of_integration(p, seed, pid, k, then, education, insured, ties, c, d)
    return m


@init_kernel
def stayer_target(  # type: ignore[no-untyped-def]
    p, seed, pid, female, age, family, savings, health, chronic, insurance, education
):  # fmt: skip
    """The mental-health target of a rural stayer's life at ``age``: farming, the whole origin
    network and a spouse nearby, ``savings``."""
    target, _ = mental_target(
        p, seed, pid, female, age, RURAL_STAYER, 0, family, savings,
        social_support(p, 0.0, 1.0, family, False), health, chronic, insurance, JOB_FARM, 0.0,
        education, 0.0, 0.0, 0.0,
    )  # fmt: skip
    return target


@init_kernel
def departure_target(  # type: ignore[no-untyped-def]
    p, seed, pid, female, departed_at, returnee_at, spells, family, origin_savings, health,
    chronic, insurance, education, cross_province, departure_cultural,
):  # fmt: skip
    """The mental-health target a base-year out-migrant or returnee left home with for their
    last city spell, which began at ``departed_at`` and was their ``spells``-th.

    A first migrant left the life of a rural stayer (:func:`stayer_target`, with the savings
    of their years at origin); one on a second spell left as the returnee they were at
    ``returnee_at`` (:func:`second_spell_arrival`; for an out-migrant the age the migration
    module's start selected them at, :func:`migration_start.base_year_arrival_age`).
    """
    stayer = stayer_target(
        p, seed, pid, female, departed_at, family, origin_savings, health, chronic, insurance,
        education,
    )  # fmt: skip
    if spells < 2:
        return stayer
    return second_spell_arrival(
        p, seed, pid, female, returnee_at, family, origin_savings, health, chronic, insurance,
        education, cross_province, departure_cultural, stayer,
    )  # fmt: skip


@init_kernel
def mental_health_home_from_city(  # type: ignore[no-untyped-def]
    p, seed, pid, female, age, city, back, family, origin_savings, savings, health, chronic,
    education, network_away, departure_cultural, origin_target, target,
):  # fmt: skip
    """A returnee's mental health ``back`` years after coming home from ``city`` years in the
    city, at ``age``, without the spread of the yearly shocks around it.

    The returnee came home with the mental health of their years in the city
    (:func:`city_mental_health`, from ``origin_target``, the target they left home with, with
    the origin network of the spell ``network_away``), tilted by the return's selection on
    distress, and has made one yearly adjustment toward ``target``, the target at home, for
    each year since.
    """
    in_city = city_mental_health(
        p, seed, pid, mental_trait(seed, pid), female, age - back, city, origin_target,
        family_in_city(family), origin_savings, savings, health, chronic, INS_NONE,
        JOB_INFORMAL, network_away, education, p.migration__initial__settled_economic,
        departure_cultural,
    )  # fmt: skip
    # The return itself selected on mental health (the salmon bias of distress,
    # ``migration.return.mental``): a logistic selection of rare events on a Gaussian spread
    # tilts its mean by the slope times the variance.
    in_city -= p.migration__return__mental / 0.1 * mental_stationary_sd(p) ** 2
    return target + (in_city - target) * (1.0 - p.health__mental__adjustment) ** back


@init_kernel
def second_spell_arrival(  # type: ignore[no-untyped-def]
    p, seed, pid, female, arrived_at, family, origin_savings, health, chronic, insurance,
    education, cross_province, departure_cultural, origin_target,
):  # fmt: skip
    """The mental health a base-year out-migrant or returnee on a second spell left home with.

    At ``arrived_at`` they were a returnee of that age: a first spell and years home since as
    :func:`returnee_spell.returnee_past` draws the spell before the last
    (``earlier`` 1), with the ties, network and mental health that history leaves
    (:func:`mental_health_home_from_city`). That spell began from a rural stayer's target at
    the age it began (:func:`stayer_target`; the spells before it are not traced); their
    savings are taken as those they left with. A returnee drawn without a city spell keeps
    ``origin_target``.
    """
    _, city, _, back = returnee_past(p, seed, pid, arrived_at, education, female, 1)
    if city <= 0:
        return origin_target
    returned_at = arrived_at - back
    began = stayer_target(
        p, seed, pid, female, returned_at - city, family, origin_savings, health, chronic,
        insurance, education,
    )  # fmt: skip
    _, cultural_back, _, network_away, ties, network = returnee_ties(
        p, seed, pid, returned_at, city, back, education, cross_province, departure_cultural
    )
    home_target, _ = mental_target(
        p, seed, pid, female, arrived_at, RETURNED, 0, family, origin_savings,
        social_support(p, ties, network, family, False), health, chronic, insurance, JOB_FARM,
        ties, education, 0.0, cultural_back, 0.0,
    )  # fmt: skip
    return mental_health_home_from_city(
        p, seed, pid, female, arrived_at, city, back, family, origin_savings, origin_savings,
        health, chronic, education, network_away, departure_cultural, began, home_target,
    )  # fmt: skip


@init_kernel
def returnee_ties(  # type: ignore[no-untyped-def]
    p, seed, pid, returned_at, city, back, education, cross_province, departure_cultural
):  # fmt: skip
    """A returnee's ties and networks from a city spell of ``city`` years that ended at
    ``returned_at``, ``back`` years ago: the ties with locals, cultural and identity
    integration on coming home (:func:`city_integration`; the yearly steps leave a returnee's
    cultural and identity integration where the city left them), the origin network at the
    spell's end (:func:`spell_network`), and the ties with locals and origin network now
    (:func:`returnee_networks`).

    Returns:
        ``(ties_back, cultural_back, identity_back, network_away, ties, network)``.
    """
    ties_back, cultural_back, identity_back = city_integration(
        p, seed, pid, returned_at, city, education, False, departure_cultural
    )
    network_away = spell_network(p, cultural_back, returned_at, city, education, cross_province)
    ties, network = returnee_networks(
        p, ties_back, network_away, cultural_back, returned_at, back, education, cross_province
    )
    return ties_back, cultural_back, identity_back, network_away, ties, network


@init_kernel
def spell_network(  # type: ignore[no-untyped-def]
    p, cultural, returned_at, city, education, cross_province
):  # fmt: skip
    """Origin network of a base-year returnee at the end of a city spell of ``city`` years
    that ended at ``returned_at``: thinned on departure (``migration.departure.network_loss``),
    then each year away the social module's own step (:func:`social.networks_after_year`: the
    network fades, faster across a provincial border, and old age thins it). The start's
    histories of the spell (health, mental health) and of the years home since read it alike.
    """
    network = 1.0 - p.migration__departure__network_loss
    for k in range(city):
        _, network = networks_after_year(
            p, OUT_MIGRANT, 0.0, network, education, cultural, cross_province,
            returned_at - city + k,
        )  # fmt: skip
    return network


@init_kernel
def returnee_networks(  # type: ignore[no-untyped-def]
    p, ties, network, cultural, returned_at, back, education, cross_province
):  # fmt: skip
    """A base-year returnee's ties with locals and origin network, ``back`` years after coming
    home at ``returned_at``.

    The yearly steps' path: ties with locals and cultural integration built as out-migrants
    build them (``ties`` and ``cultural`` on the return, from :func:`city_integration`), the
    origin network of the spell's end (``network``, :func:`spell_network`); on the return half
    the missing network regained (``migration.return.network_regain``), then each year at home
    the social module's own step (:func:`social.networks_after_year`: the network recovers,
    ties decay, old age thins both). Started with no ties and the full network of people who
    never left, base-year returnees stood apart from those the steps send home, and their
    support rose from 0.518 to 0.548 in four years as the steps' returnees filled the stock.

    Returns:
        Ties with locals and origin network now.
    """
    network += p.migration__return__network_regain * (1.0 - network)
    for k in range(back):
        ties, network = networks_after_year(
            p, RETURNED, ties, network, education, cultural, cross_province, returned_at + k
        )
    return ties, network


@init_kernel
def family_in_city(family: int) -> int:
    """Family arrangement of a returnee's years in the city: apart from a spouse left at home
    (the single stay single)."""
    return FAMILY_APART if family != FAMILY_SINGLE else FAMILY_SINGLE
