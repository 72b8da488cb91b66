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
        # Any object is true or false to Python: frozen="no" had run a frozen model.
        ({"frozen": "no"}, "frozen must be True or False"),
        ({"snapshot_years": 2010}, r"snapshot_years must be a tuple of whole years, such as"),
        ({"snapshot_years": ("2010",)}, "snapshot_years must be a tuple of whole years"),
        ({"snapshot_fraction": "0.1"}, r"snapshot_fraction must be a share in \(0, 1\]"),
        ({"urban_scale": "x"}, "urban_scale must be a number of persons per agent, or None"),
        ({"community_size": "100"}, "community_size must be a whole number, not str"),
        ({"communities_per_chunk": 1.5}, "communities_per_chunk must be a whole number"),
        ({"chunks": (0,)}, r"chunks must be None or a pair \(first, stop\)"),
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


def test_snapshot_years_and_chunks_given_as_lists_are_kept_as_tuples() -> None:
    config = RunConfig(snapshot_years=[2009, np.int64(2010)], chunks=[0, 2])  # type: ignore[arg-type]
    assert config.snapshot_years == (2009, 2010) and config.chunks == (0, 2)
    assert hash(config) == hash(RunConfig(snapshot_years=(2009, 2010), chunks=(0, 2)))
