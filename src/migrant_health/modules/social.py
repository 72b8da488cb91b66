"""Social networks and support (seed section 3.1).

Out-migrants build ties with locals slowly (faster with more education, slower when old, helped
by support-network policies) while the origin network they left fades with time away and is
harder to reach from the city. At departure the origin network reachable for support drops at
once, so support dips in the first years in the city before local ties make up for it.
"""

from __future__ import annotations

from migrant_health.engine.codes import (
    DEAD,
    FAMILY_APART,
    FAMILY_SINGLE,
    NOT_ENTERED,
    OUT_MIGRANT,
    URBAN_HUKOU,
    URBAN_LOCAL,
)
from migrant_health.engine.context import Params
from migrant_health.engine.jit import init_kernel, inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.population import StateSpec
from migrant_health.engine.random import clip01


@inline
def social_support(
    p: Params, local_ties: float, origin_network: float, family: int, in_city: bool
) -> float:
    """Support from local ties, the reachable origin network and a spouse nearby."""
    reach = p.social__support__origin_reach_away if in_city else 1.0
    family_near = family != FAMILY_SINGLE and not (in_city and family == FAMILY_APART)
    return clip01(
        p.social__support__weight_local * local_ties
        + p.social__support__weight_origin * origin_network * reach
        + p.social__support__weight_family * family_near
    )


@inline
def home_support(p: Params) -> float:
    """Support of a married person at home: the origin network within reach, a spouse nearby.

    The reference of support's effects on physical health (``health.recovery.support``,
    ``health.chronic.support``), at which both vanish: people with more support recover faster
    and fall ill less often, people with less (the unmarried, the isolated old, out-migrants
    far from their networks) recover slower and fall ill more often.
    """
    return clip01(p.social__support__weight_origin + p.social__support__weight_family)


@inline
def typical_support(p: Params, age: int, urban: bool) -> float:
    """Expected support of a person of this age who has always lived in their place.

    At origin the origin network, in the city (urban locals) ties with locals and their own
    network at
    ``social.ties.urban_local``, both thinned by old-age isolation as :func:`_init` starts the
    base-year stock, and a spouse nearby with the chance of being married by this age that the
    demography module's yearly marriage hazard gives. The base-year steady states of health and
    chronic illness, and the health of entrants at 16, are those of this support
    (``health.initial_steady_state``, ``health.typical_onset``).
    """
    isolation = p.social__ties__isolation_loss
    years = max(0, max(16, age) - p.social__ties__isolation_age)
    if urban:
        level = p.social__ties__urban_local
        ties = network_in_old_age(level, p.social__ties__growth, isolation, years)
        origin = network_in_old_age(level, p.social__origin__recovery, isolation, years)
    else:
        ties = 0.0
        origin = network_in_old_age(1.0, p.social__origin__recovery, isolation, years)
    single_years = max(0.0, age - p.demography__marriage__min_age)
    married = 1.0 - (1.0 - p.demography__marriage__hazard) ** single_years
    return clip01(
        p.social__support__weight_local * ties
        + p.social__support__weight_origin * origin
        + p.social__support__weight_family * married
    )


@inline
def out_migrant_ties(
    p: Params, local_ties: float, education: int, cultural: float, age: int
) -> float:
    """An out-migrant's ties with locals after a year's growth and decay, before old-age
    isolation: growth faster with education and cultural integration (dialect), slower from
    50, raised by community support networks (seed 4.3: share reached x effect)."""
    growth = p.social__ties__growth * (
        1.0 + p.social__ties__education * (education - 2) + p.social__ties__dialect * cultural
    )
    if age >= 50:
        growth *= 1.0 - p.social__ties__old_age_penalty
    growth += p.policy__management__support_networks * p.policy__management__support_networks_effect
    return local_ties + (max(0.0, growth) * (1.0 - local_ties) - p.social__ties__decay * local_ties)


@inline
def networks_after_year(  # type: ignore[no-untyped-def]
    p, status, ties, network, education, cultural, cross_province, age
):  # fmt: skip
    """Ties with locals and origin network after a year of a person of ``status`` and ``age``.

    Out-migrants build ties (:func:`out_migrant_ties`) while their origin network fades, faster
    across a provincial border; urban locals keep both at their own level and converts move to
    it; everyone at origin loses ties with city people and regains their network. Old age
    then thins every network (seed 3.3). The yearly step, and the start's histories of
    base-year returnees (``city_history.returnee_networks``).

    Returns:
        Ties with locals and origin network, each in [0, 1].
    """
    lt = ties
    on = network
    if status == OUT_MIGRANT:
        lt = out_migrant_ties(p, lt, education, cultural, age)
        fade = p.social__origin__fade * (
            1.0 + p.social__origin__cross_province_extra * cross_province
        )
        on *= 1.0 - fade
    elif status == URBAN_LOCAL or status == URBAN_HUKOU:
        # Urban locals keep ties at their own level (their networks are not being built), and
        # converts, urban residents now, move to it: ties with locals at the ties' pace, their
        # own network (the origin's, or what is left of it in the city) at the network's.
        # Before calibration step 50 converts built ties toward 1 and kept their origin
        # network as it was, fully within reach, so that by 2035 converts of 31-60 held ties of 0.93
        # and support of 0.86 against the urban locals' 0.80 and 0.84 (seeds 2-3).
        lt += p.social__ties__growth * (p.social__ties__urban_local - lt)
        on += p.social__origin__recovery * (p.social__ties__urban_local - on)
    else:
        lt *= 1.0 - p.social__ties__decay_at_origin
        on += p.social__origin__recovery * (1.0 - on)
    if age >= p.social__ties__isolation_age:
        # Old age brings isolation (seed 3.3): limited mobility shrinks every network.
        lt *= 1.0 - p.social__ties__isolation_loss
        on *= 1.0 - p.social__ties__isolation_loss
    return clip01(lt), clip01(on)


@kernel
def _step(  # type: ignore[no-untyped-def]
    year, p, birth_year, education, status, family, cross_province, local_ties, origin_network,
    cultural, support,
):  # fmt: skip
    for i in range(status.size):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD:
            continue
        local_ties[i], origin_network[i] = networks_after_year(
            p, s, local_ties[i], origin_network[i], education[i], cultural[i],
            cross_province[i], year - birth_year[i],
        )  # fmt: skip
        support[i] = social_support(
            p, local_ties[i], origin_network[i], family[i], s == OUT_MIGRANT
        )


@inline
def settled_network(level: float, rate: float, isolation: float) -> float:
    """Where a network that moves toward ``level`` at ``rate`` a year settles under isolation.

    The yearly step is ``x += rate (level - x)`` and then ``x *= 1 - isolation``; its fixed point
    is ``(1 - isolation) rate level / (1 - (1 - isolation)(1 - rate))`` (``level`` without
    isolation).
    """
    keep = 1.0 - isolation
    return keep * rate * level / (1.0 - keep * (1.0 - rate))


@inline
def network_in_old_age(level: float, rate: float, isolation: float, years: int) -> float:
    """A network that stood at ``level`` when isolation began, ``years`` yearly steps ago.

    Each step closes the distance to :func:`settled_network` by the share
    ``1 - (1 - isolation)(1 - rate)``: a 65-year-old urban local still has nearly all the ties
    of a 64-year-old, a 90-year-old has settled. Settling everyone past the isolation age at
    once put 65-69-year-olds below where the steps take them, and their local ties, support
    and health rose year after year under frozen conditions.
    """
    settled = settled_network(level, rate, isolation)
    return settled + (level - settled) * ((1.0 - isolation) * (1.0 - rate)) ** years


@init_kernel
def _init(  # type: ignore[no-untyped-def]
    start, p, birth_year, status, years_in_city, local_ties, origin_network, support, family,
):  # fmt: skip
    for i in range(status.size):
        s = status[i]
        if s == DEAD:
            continue
        # The base-year stock's old people have lived with isolation since the isolation
        # age: start them where that many yearly steps took them, not where the young are.
        isolated_years = max(0, max(16, start - birth_year[i]) - p.social__ties__isolation_age)
        isolation = p.social__ties__isolation_loss
        if s == OUT_MIGRANT:
            # Ties with locals are built over the years in the city by the steady start, with
            # this module's own yearly step; they stand at their value of departure until then.
            y = years_in_city[i]
            origin_network[i] = (1.0 - p.migration__departure__network_loss) * (
                1.0 - p.social__origin__fade
            ) ** y
        elif s == URBAN_LOCAL:
            local_ties[i] = network_in_old_age(
                p.social__ties__urban_local, p.social__ties__growth, isolation, isolated_years
            )
            origin_network[i] = network_in_old_age(
                p.social__ties__urban_local, p.social__origin__recovery, isolation, isolated_years
            )
        else:
            origin_network[i] = network_in_old_age(
                1.0, p.social__origin__recovery, isolation, isolated_years
            )
        support[i] = social_support(
            p, local_ties[i], origin_network[i], family[i], s == OUT_MIGRANT
        )


class Social(Module):
    """Local ties, the fading origin network, and social support."""

    name = "social"
    seed_sections = ("3.1", "3.3", "4.3")
    summary = (
        "grow ties with locals (education, dialect, age, support-network policy); fade "
        "the origin network with time away; compute social support"
    )
    states = (
        StateSpec(
            "local_ties", "float32", "social", "ties with locals in the destination", "index 0-1"
        ),
        StateSpec(
            "origin_network",
            "float32",
            "social",
            "strength of the origin (kin and village) network reachable for support",
            "index 0-1",
        ),
    )
    scratch = (StateSpec("support", "float32", "social", "social support this year", "index 0-1"),)
    init_kernels = (_init,)
    step_kernels = (_step,)
    writes = ("local_ties", "origin_network", "support")
    parameters = (
        "social",
        "demography.marriage",
        "migration.departure.network_loss",
        "policy.management",
    )
