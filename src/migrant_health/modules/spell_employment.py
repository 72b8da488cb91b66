"""Whether a past year of a city spell was a year in work, given how the spell went on (part of
the steady start, :mod:`migrant_health.modules.steady_start`)."""

from __future__ import annotations

from migrant_health.engine.jit import history_kernel
from migrant_health.engine.random import logistic
from migrant_health.modules.migration_decisions import return_health_terms, return_logit


@history_kernel
def employed_in_spell_year(  # type: ignore[no-untyped-def]
    p, age, chance, health, mental, chronic, went_home
):  # fmt: skip
    """Chance that a past year of a returnee's city spell was a year in work.

    The labour module draws a job with ``chance`` every year, and the migration module sends
    an out-migrant without one home more often (``migration.return.unemployed``, from a return
    equation at its reference levels with the person's health of the time). A year after which
    the person stayed on in the city was therefore more often a year in work than ``chance``
    says, and the year they went home (``went_home``) more often one without: the draws of a
    spell that ended in a return, conditioned on how it ended. The yearly steps' returnees show
    it: under frozen 2008 conditions men aged 40-59 held 12.5 months of savings the year
    before coming home and 9.6 at the end of the year they came home (seed 3). The
    history's returnee men aged 40-54 home up to five years come home with 0.4-1.1 months less
    than drawn at ``chance`` alone, the last year costing more than the years before it gain.
    """
    x = return_logit(
        p, age, p.migration__reference__integration, p.migration__reference__living_cost_ratio,
        False, True, False, False, False,
    ) + return_health_terms(p, health, mental, chronic)  # fmt: skip
    home_in_work = logistic(x)
    home_without = logistic(x + p.migration__return__unemployed)
    if went_home:
        in_work, without = chance * home_in_work, (1.0 - chance) * home_without
    else:
        in_work, without = chance * (1.0 - home_in_work), (1.0 - chance) * (1.0 - home_without)
    return in_work / (in_work + without) if in_work + without > 0.0 else chance


@history_kernel
def spell_year_work_chance(  # type: ignore[no-untyped-def]
    p, age, chance, health, mental, chronic, last, for_age
):  # fmt: skip
    """Chance that a past year of a returnee's city spell was a year in work, given whether it
    was the ``last`` year of the spell and whether the return was made ``for_age``.

    A return at the age of leaving non-farm work (``labor.nonfarm_retirement_age``) sends
    everyone of that age home, in work or not, so its last year is drawn at ``chance`` itself;
    the years before it, after which the person stayed on, and the last year of any other
    return are conditioned on how the spell went on (:func:`employed_in_spell_year`).
    Every last year conditioned as a return for want of work, the base-year returnees' last
    city years at 50-64 were in work with a chance of 0.69 where the labour module's is 0.86
    (seeds 3 and 4), those who came home for their age too.
    """
    if last and for_age:
        return chance
    return employed_in_spell_year(p, age, chance, health, mental, chronic, last)
