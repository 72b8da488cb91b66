"""The paired speed comparison (benchmarks/speed_vs_commit.py) recovers a known slowdown."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from speed_vs_commit import paired_ratio


def test_a_slowdown_hidden_in_the_machine_s_own_drift_is_recovered() -> None:
    """Thirteen pairs of a code 20 % slower, on a machine whose speed moves by a third between
    pairs and by 5 % between the two runs of a pair: the ratio comes back near 1.20, and its
    interval holds it and excludes parity. Unpaired, the machine's drift alone would spread
    single runs over 0.8-1.2."""
    rng = np.random.default_rng(9)
    machine = rng.uniform(0.8, 1.2, size=13)  # each pair's machine speed
    old = 3.5 * machine * rng.lognormal(0.0, 0.05, size=13)
    new = 1.20 * 3.5 * machine * rng.lognormal(0.0, 0.05, size=13)
    ratio, low, high = paired_ratio(list(new), list(old))
    assert ratio == pytest.approx(1.20, abs=0.06)  # about 2.5 standard errors
    assert low < 1.20 < high
    assert low > 1.0


def test_equal_codes_give_an_interval_around_parity() -> None:
    rng = np.random.default_rng(3)
    machine = rng.uniform(0.8, 1.2, size=8)
    old = machine * rng.lognormal(0.0, 0.05, size=8)
    new = machine * rng.lognormal(0.0, 0.05, size=8)
    _, low, high = paired_ratio(list(new), list(old))
    assert low < 1.0 < high


def test_one_pair_has_no_interval_and_unequal_sides_are_refused() -> None:
    ratio, low, high = paired_ratio([2.0], [1.0])
    assert ratio == pytest.approx(2.0) and math.isnan(low) and math.isnan(high)
    with pytest.raises(ValueError, match="per pair"):
        paired_ratio([1.0, 2.0], [1.0])
