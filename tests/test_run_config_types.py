"""Settings of the wrong kind given from Python are refused with a message saying what to give.

``RunConfig(scenario="fair_employment")`` failed deep in the run with an ``AttributeError``, and
``end="2020"`` with a ``TypeError`` (a review of 2026-12-05); numpy numbers are welcome.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from migrant_health import RunConfig, simulate
from migrant_health.errors import RunConfigError
from migrant_health.experiments.compare import plan_comparison
from migrant_health.scenarios import resolve_scenario


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"scenario": "fair_employment"}, r"scenario=resolve_scenario\('fair_employment'\)"),
        ({"end": "2020"}, "end must be a whole number, not str"),
        ({"seed": 1.5}, "seed must be a whole number, not float"),
        ({"workers": True}, "workers must be a whole number, not bool"),
        ({"scale": "20000"}, "scale must be a number of persons per agent"),
    ],
)
def test_a_setting_of_the_wrong_kind_is_named(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(RunConfigError, match=message):
        simulate(RunConfig(**settings))


def test_numpy_numbers_and_a_resolved_scenario_run() -> None:
    config = RunConfig(
        end=np.int64(2009),
        seed=np.uint64(3),
        scale=np.float64(100_000),
        scenario=resolve_scenario("fair_employment"),
    )
    assert simulate(config).value("population", 2009) > 0


def test_the_replicates_seeds_stay_within_64_bits() -> None:
    """Replicate ``r`` runs with ``seed + r``: a seed near the top left the range mid-way."""
    RunConfig(seed=2**64 - 3).check_seeds(3)
    with pytest.raises(RunConfigError, match=r"would use seeds .* give a seed of at most"):
        RunConfig(seed=2**64 - 2).check_seeds(3)
    with pytest.raises(RunConfigError, match="its 3 runs would use seeds"):
        plan_comparison(["fair_employment"], replicates=3, seed=2**64 - 2, scale=100_000, end=2009)


def test_a_numpy_seed_near_the_top_is_checked_as_a_number() -> None:
    """``np.uint64`` arithmetic wraps around instead of passing 2^64."""
    with pytest.raises(RunConfigError, match="would use seeds"):
        RunConfig(seed=np.uint64(2**64 - 2)).check_seeds(3)


def test_a_wrong_kind_is_refused_at_construction_even_for_small_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Small runs compare the scale before any validation: the check comes first."""
    monkeypatch.setenv("MIGRANT_HEALTH_SMALL_RUNS", "1")
    with pytest.raises(RunConfigError, match="scale must be a number"):
        RunConfig(scale="20000")  # type: ignore[arg-type]
