"""When a base-year person who is chronically ill now fell ill (part of the steady start).

The savings histories and the health of a person's past years read the chronic illness of the
time (:mod:`migrant_health.modules.savings_history`), so the start dates each illness: by the
rise of the prevalence with age, with a draw of the person's own, and for a person with a city
spell by how likely the spell's course (staying on, coming home) is had they fallen ill at each
age (:mod:`migrant_health.modules.steady_start`).
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.context import Params
from migrant_health.engine.jit import init_kernel
from migrant_health.engine.random import (
    permanent_key,
    stream,
    uniform,
)

STREAM_CHRONIC_ONSET = stream("steady_start.chronic_onset")


@init_kernel
def chronic_onset_age(  # type: ignore[no-untyped-def]
    seed, pid, age, chronic, prevalence
):  # fmt: skip
    """Age at which a base-year person who is chronically ill now fell ill (past ``age`` if
    they are not ill).

    Chronic illness does not remit, so of those ill at ``age`` the share already ill at ``x``
    is the prevalence at ``x`` over the prevalence now (``prevalence``: the base year's
    prevalence by age of the person's sex and place, ``health.chronic_prevalence_tables``;
    deaths that take the ill first are left out). Drawn as the first age at which that share
    reaches a uniform draw of the person's own.
    """
    if not chronic:
        return age + 1
    now = prevalence[min(age, prevalence.size - 1)]
    u = uniform(permanent_key(seed, STREAM_CHRONIC_ONSET), pid) * now
    for x in range(16, age):
        if prevalence[x] >= u:
            return x
    return age


@init_kernel
def chronic_return_ratios(p: Params, returns_by_age: np.ndarray) -> np.ndarray:
    """How much a chronic illness changes an out-migrant's year in the city, by age: row 0 the
    chance of staying on, row 1 the chance of going home, each ill over well.

    A chronic illness sends out-migrants home through every channel of the yearly steps: the
    return equation's own term (``migration.return.chronic``), the poorer health it settles
    them on, the jobs it costs. Together the ill leave about ``1 / migration.initial.
    chronic_tenure`` a year more often than others (17.4 % against 4.4 %, frozen 2008
    conditions), the rate at which the start builds the city stock's deficit of chronic
    illness; the well go home at the return equation's reference levels (``returns_by_age``,
    :func:`migration_start.typical_return_chances`). With the return equation's own term alone (an
    odds ratio of 1.8), the start's dating of illness barely moved: the chronically ill
    returnee men who came home at 55-59 came home with -1.4 months of savings against -2.2
    undated (seed 1, two chunks at scale 200).
    """
    extra = 1.0 / max(p.migration__initial__chronic_tenure, 1e-9)
    ratios = np.empty((2, returns_by_age.size))
    for a in range(returns_by_age.size):
        well = returns_by_age[a]
        ill = max(well, min(0.99, well + extra))  # the ill never go home less often
        ratios[0, a] = (1.0 - ill) / (1.0 - well)
        ratios[1, a] = ill / well
    return ratios


@init_kernel
def city_onset_likelihood(  # type: ignore[no-untyped-def]
    x, arrived_at, city, came_home, ratios
):  # fmt: skip
    """How much more (or less) likely a city spell's course is if the person fell chronically
    ill at ``x`` than if they fell ill after it.

    A spell of ``city`` years from ``arrived_at`` was a year of staying on for each year in the
    city, ill from ``x``, and, if the person ``came_home``, a return at the end of its last
    year (``ratios``: :func:`chronic_return_ratios`). First migration does not select on
    chronic illness, so an onset before arrival counts as one on arriving.
    """
    likelihood = 1.0
    last = arrived_at + city - 1
    oldest = ratios.shape[1] - 1
    for a in range(max(x, arrived_at), last + 1):
        if came_home and a == last:
            likelihood *= ratios[1, min(max(a, 0), oldest)]
        else:
            likelihood *= ratios[0, min(max(a, 0), oldest)]
    return likelihood


@init_kernel
def chronic_onset_after_city_years(  # type: ignore[no-untyped-def]
    seed, pid, age, chronic, prevalence, arrived_at, city, came_home, ratios
):  # fmt: skip
    """Age at which a base-year out-migrant or returnee who is chronically ill now fell ill,
    given the course of their city spell.

    :func:`chronic_onset_age`'s chances by age (the prevalence's rise, the same draw of the
    person's own), each weighted by :func:`city_onset_likelihood`: an out-migrant still in
    the city had stayed on every year since, which the ill do less often, so their illness
    is more likely recent; a returnee's spell ended in a return, which the ill make more often
    (:func:`chronic_return_ratios`: about five times as often at 30-45, 2.6 times at 55), so
    theirs more likely began during it than the prevalence alone says. The chronically ill
    returnee men who came home at 55-59 in the five years before the start came home with
    -1.5 months of savings before calibration step 39 (this dating, the health path after an
    onset and the years before the spell together) and 2.7 after it, the others with 9.4 and
    11.4 (seed 1, three chunks at scale 200); the yearly steps' chronically ill
    returnees of those ages come home with 9.2 (frozen 2008 conditions, seeds 3-7).
    """
    if not chronic:
        return age + 1
    now = prevalence[min(age, prevalence.size - 1)]
    if now <= 0.0 or age <= 16:
        return chronic_onset_age(seed, pid, age, chronic, prevalence)
    # The first-passage chances of chronic_onset_age (the share already ill by x is the
    # highest prevalence up to x over the prevalence now, 1 at ``age``), each weighted: summed
    # once for the total, then again up to the draw (no array per person).
    u = uniform(permanent_key(seed, STREAM_CHRONIC_ONSET), pid)
    for drawing in (False, True):
        total = 0.0
        reached = 0.0
        for x in range(16, age + 1):
            share = 1.0 if x == age else min(1.0, max(reached, prevalence[x] / now))
            total += (share - reached) * city_onset_likelihood(
                x, arrived_at, city, came_home, ratios
            )
            reached = share
            if drawing and total >= u and total > 0.0:
                return x
        u *= total
    return age
