"""The city spell of a returnee's past: its length, its city's tier and the years home since.

The 2008 stock holds returnees (``migration.initial.returned_share``) whose past the synthesis
does not know, and out-migrants on a second spell, who were such returnees when they left
again. The migration module's start selects returnees on a second return, and out-migrants on
a third spell, on the spell before (:func:`migration_start.repeat_spell_share`); the steady start
settles health, mental health, ties and savings on the history
(:mod:`migrant_health.modules.steady_start`, :mod:`migrant_health.modules.returnee_history`).
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.context import Params
from migrant_health.engine.jit import init_kernel
from migrant_health.engine.random import permanent_key, stream, uniform
from migrant_health.modules.labor import first_age_without_nonfarm_work, nonfarm_retirement_age
from migrant_health.modules.schooling import school_end_age

# The names keep the streams of the steady start, where these draws were first made; the
# spell before the last has its own.
STREAM_RETURNEE_CITY_YEARS = stream("steady_start.returnee_city_years")
STREAM_RETURNEE_TIER = stream("steady_start.returnee_tier")
STREAM_YEARS_SINCE_RETURN = stream("steady_start.years_since_return")
STREAM_EARLIER_CITY_YEARS = stream("steady_start.earlier_returnee_city_years")
STREAM_EARLIER_TIER = stream("steady_start.earlier_returnee_tier")
STREAM_EARLIER_YEARS_SINCE_RETURN = stream("steady_start.earlier_years_since_return")


@init_kernel
def returnee_city_spell(
    p: Params, seed: np.uint64, pid: int, most: int, earlier: int
) -> tuple[int, int]:
    """Years a base-year returnee spent in the city, and the tier of that city.

    Geometric on 1, 2, ... with mean ``migration.initial.returned_city_years`` (at most
    ``most``), in a city drawn from ``migration.destination.tier_share`` as departures draw
    it. The yearly steps bring no one home before a year in the city (an arrival spends its
    arrival year there, and the return is decided from the next year on); drawn from 0, a
    seventh of the base-year returnees had never lived in the city and came home without its
    mark on their health, mental health, ties and savings.
    """
    mean = p.migration__initial__returned_city_years
    years = 0
    if mean >= 1.0 and most >= 1:
        leave = 1.0 / mean
        key = permanent_key(seed, STREAM_RETURNEE_CITY_YEARS)
        if earlier > 0:
            key = permanent_key(seed, STREAM_EARLIER_CITY_YEARS)
        u = uniform(key, pid)
        years = 1 + int(min(float(most - 1), np.log(1.0 - u) / np.log(1.0 - leave)))
    shares = p.migration__destination__tier_share
    key = permanent_key(seed, STREAM_RETURNEE_TIER)
    if earlier > 0:
        key = permanent_key(seed, STREAM_EARLIER_TIER)
    draw = uniform(key, pid) * shares.sum()
    tier = shares.size
    cumulative = 0.0
    for t in range(shares.size):
        cumulative += shares[t]
        if draw < cumulative:
            tier = t + 1
            break
    return years, tier


@init_kernel
def age_coming_home_for_age(p: Params, seed: np.uint64, pid: int, female: np.int64) -> int:
    """The age at which a rural-hukou person goes home for their age: the first whole age past
    their age of leaving non-farm work (:func:`labor.nonfarm_retirement_age`). A return at it
    or later was made for the age, whatever the person's health or work."""
    return first_age_without_nonfarm_work(nonfarm_retirement_age(p, seed, pid, female))


@init_kernel
def returnee_past(  # type: ignore[no-untyped-def]
    p, seed, pid, age, education, female, earlier
):  # fmt: skip
    """A base-year returnee's working years, city spell, its city's tier and years home since.

    Farmed (or did local work), spent some years in the city, and came home some years ago:
    the city spell about as long as the yearly steps' spells that end in a return
    (:func:`returnee_city_spell`), the years since uniform over what is left of the working
    life, or, for a returnee past the age of leaving non-farm work, since that age (the
    migration module's start chose them as having come home then).

    ``earlier`` is 0 for a base-year returnee's last spell; 1 for the spell before it, of a
    returnee on their second return or of an out-migrant on a second spell, at the age of that
    return or departure (its own draws).

    Returns:
        ``(working_years, city, tier, back)``: years since leaving school, years in the city,
        that city's tier, years home since.
    """
    working_years = max(0, age - school_end_age(p, education))
    city, tier = returnee_city_spell(p, seed, pid, working_years, earlier)
    key = permanent_key(seed, STREAM_YEARS_SINCE_RETURN)
    if earlier > 0:
        key = permanent_key(seed, STREAM_EARLIER_YEARS_SINCE_RETURN)
    home = uniform(key, pid)
    back = int(home * (working_years - city + 1))
    returned_at = age_coming_home_for_age(p, seed, pid, female)
    if age >= returned_at:
        back = max(0, min(working_years - city, age - returned_at))
    return working_years, city, tier, back
