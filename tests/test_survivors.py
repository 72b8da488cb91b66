"""The base-year stock are survivors: less frail, and healthier than the living were at 16.

The yearly deaths take the frail and the unwell first (demography.mortality.health_log_rr), so
a cohort's survivors at 85 are not a random draw of what it was at 16. The start gives the
base-year stock the frailty and the health deviation of the survivors of their age
(docs/model.md section 5, step 1).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from migrant_health import RunConfig
from migrant_health.engine.binding import kernel_record
from migrant_health.engine.run_context import build_context
from migrant_health.modules.health import (
    FRAILTY_GRID,
    _survivors_frailty_cdfs,
    _survivors_health_shifts,
    surviving_frailty,
)

RURAL, FEMALE = 0, 1


@pytest.fixture(scope="module")
def tables() -> tuple[np.ndarray, np.ndarray]:
    ctx, _ = build_context(RunConfig(end=2009, scale=200_000))
    p = kernel_record(ctx, ctx.start)
    year = ctx.demography.year_index(ctx.start)
    qx, qx_urban = ctx.demography.qx[year], ctx.demography.qx_national[year]
    first_age = int(ctx.demography.ages[0])
    return (
        _survivors_frailty_cdfs(p, qx, qx_urban, first_age, FRAILTY_GRID),
        _survivors_health_shifts(p, qx, qx_urban, first_age),
    )


def mean_frailty(cdf: np.ndarray) -> float:
    return float(np.sum(np.diff(cdf, prepend=0.0) * FRAILTY_GRID))


def test_survivors_grow_less_frail_with_age(tables: tuple[np.ndarray, np.ndarray]) -> None:
    cdfs, _ = tables
    means = [mean_frailty(cdfs[RURAL, FEMALE, age]) for age in (16, 50, 70, 85, 95)]
    assert abs(means[0]) < 1e-3  # standard normal at 16
    assert all(later < earlier for earlier, later in itertools.pairwise(means))
    assert means[3] < -0.1  # by 85 the frail have gone first


def test_a_persons_place_among_the_survivors_keeps_their_rank(
    tables: tuple[np.ndarray, np.ndarray],
) -> None:
    cdfs, _ = tables
    draws = np.linspace(-3.0, 3.0, 25)
    at_85 = [surviving_frailty(z, 85, FEMALE, False, cdfs, FRAILTY_GRID) for z in draws]
    assert np.all(np.diff(at_85) > 0)  # the frailest draw stays the frailest survivor
    assert np.all(np.array(at_85) < draws + 1e-9)  # everyone moves toward less frailty
    # Entrants, 16 at most in the base year, keep their draw.
    assert [surviving_frailty(z, 16, FEMALE, False, cdfs, FRAILTY_GRID) for z in draws] == list(
        draws
    )


def test_survivors_stand_above_the_health_they_settle_on(
    tables: tuple[np.ndarray, np.ndarray],
) -> None:
    """The yearly shocks' share of the selection: nil at 16, growing as deaths mount; larger
    at origin, where more die at each age."""
    _, shifts = tables
    assert shifts[RURAL, FEMALE, 16] == 0.0
    assert 0.0 < shifts[RURAL, FEMALE, 50] < shifts[RURAL, FEMALE, 70] < shifts[RURAL, FEMALE, 85]
    assert shifts[RURAL, FEMALE, 85] > shifts[1, FEMALE, 85]
    assert shifts[RURAL, FEMALE, 85] < 0.05  # a few hundredths of health capital, not a leap
