"""The rules of the yearly migration decisions: leaving, returning, the intention to stay, and
whether a spell lies in another province (seed sections 3.2 and 3.4).

Shared by the yearly steps (:mod:`migrant_health.modules.migration`) and the selection of the
base-year stock (:mod:`migrant_health.modules.migration_start`), so that the start selects as
the steps do.
"""

from __future__ import annotations

import math

import numpy as np

from migrant_health.engine.context import Params
from migrant_health.engine.jit import inline
from migrant_health.engine.random import (
    logistic,
    stream,
    uniform,
)
from migrant_health.modules.trends import decades_since_base

STREAM_COMMUNITY = stream("migration.community_propensity")


@inline
def migration_logit(
    p: Params,
    age: int,
    female: np.int64,
    married: bool,
    education: int,
    health: float,
    community_share: float,
    community_effect: float,
) -> float:
    """Log-odds of leaving for a city this year (first migration)."""
    band = min(5, max(0, (age - 11) // 10))
    return (
        p.migration__first__intercept
        + p.migration__first__trend * decades_since_base(p.conditions_year)
        + p.migration__first__age[band]
        + p.migration__first__health_selection * (health - p.migration__reference__health) / 0.1
        + p.migration__first__education * (education - 2)
        + p.migration__first__female * female
        + p.migration__first__married_female * (female and married)
        + p.migration__first__chain
        * (community_share - p.migration__reference__community_share)
        / 0.1
        + p.migration__first__community_sd * community_effect
    )


@inline
def return_logit(
    p: Params,
    age: int,
    index: float,
    living_cost_ratio: float,
    insured: bool,
    employed: bool,
    apart: bool,
    catastrophic: bool,
    intends_to_stay: bool,
) -> float:
    """Log-odds that an out-migrant in good health returns to origin this year.

    Add :func:`return_health_terms` for the person's own health (salmon bias). The intention
    to stay is the proximate cause of staying; integration and destination insurance also act
    directly, with coefficients net of what they already do through the intention (their total
    effect is that of the calibration before the intention entered).
    """
    x = (
        p.migration__return__intercept
        + p.migration__return__integration * (p.migration__reference__integration - index) / 0.1
        + p.migration__return__living_cost
        * (living_cost_ratio - p.migration__reference__living_cost_ratio)
        + p.migration__return__age * max(0, age - 45) / 10.0
        - p.migration__return__insured * insured
        + p.migration__return__unemployed * (not employed)
        + p.migration__return__family_apart * apart
        + p.migration__return__catastrophic * catastrophic
        - p.migration__return__stay_intention * intends_to_stay
    )
    if age >= p.migration__return__forced_age:
        x += 5.0
    return x


@inline
def return_health_terms(p: Params, health: float, mental: float, chronic: int) -> float:
    """What poor physical and mental health and chronic illness add to the log-odds of return.

    The salmon bias of seed 3.2 is about health broadly: distress, like illness, sends
    out-migrants home, and good mental health helps them stay.
    """
    x = (
        p.migration__return__health * (p.migration__reference__health - health) / 0.1
        + p.migration__return__mental * (p.migration__reference__mental - mental) / 0.1
        + p.migration__return__chronic * chronic
    )
    if health < p.migration__reference__vulnerable_health or chronic:
        # Protection of the vulnerable from illness-driven return (seed 4.1).
        x -= (
            p.policy__fair_employment__vulnerable_protection
            * p.policy__fair_employment__vulnerable_protection_effect
        )
    return x


@inline
def stay_probability(
    p: Params, index: float, insured: bool, education: int, together: bool, health: float, age: int
) -> float:
    """Chance that an out-migrant intends to stay in the city for the long term."""
    return logistic(
        p.migration__stay__intercept
        + p.migration__stay__integration * (index - p.migration__reference__integration) / 0.1
        + p.migration__stay__insurance * insured
        + p.migration__stay__education * (education - 2)
        + p.migration__stay__family_together * together
        + p.migration__stay__health * (health - p.migration__reference__health) / 0.1
        - p.migration__stay__old_age * (age >= 50)
    )


@inline
def returnee_anchoring(p: Params) -> float:
    """Share of returnees with a local non-farm job whose job keeps them at origin (seed 4.4).

    ``migration.remigration.local_job_anchoring`` of them (all in the calibrated baseline), and
    of the rest those reached by start-up support
    (``policy.return_entrepreneurship.nonfarm_boost``).
    """
    anchored = p.migration__remigration__local_job_anchoring
    return anchored + (1.0 - anchored) * p.policy__return_entrepreneurship__nonfarm_boost


@inline
def cross_province_chance(p: Params, region: int) -> float:
    """Chance that a departure from origin ``region`` goes to another province this year.

    The NBS 2008 shares by region, shifted on the log-odds scale by the trend since 2008: more
    out-migrants found work in their own province as jobs grew inland. In the base year, and
    under frozen conditions, the share itself (no round trip through the log-odds).
    """
    share: float = p.migration__destination__cross_province_share[region]
    shift = p.migration__destination__cross_province_trend * decades_since_base(p.conditions_year)
    if shift == 0.0 or share <= 0.0 or share >= 1.0:
        return share
    return logistic(math.log(share / (1.0 - share)) + shift)


@inline
def crosses_a_border(p: Params, key: np.uint64, pid: int, region: int) -> int:
    """Whether a spell from origin ``region`` lies in another province (1) or not (0): a
    departure's (``_departures``), and the last spell of a base-year returnee, drawn at the
    base year's share as the base-year out-migrants' own (``_init``; left at 0 until
    calibration step 54, every such history read as a spell within the province)."""
    return 1 if uniform(key, pid) < cross_province_chance(p, region) else 0
