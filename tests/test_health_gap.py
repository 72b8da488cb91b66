"""The urban-rural health gap by place of residence shows health selection (seed 3.2).

By hukou, the gap compares rural-hukou people wherever they live with urban locals, so moving
people between village and city cannot change it. By residence, the healthy who leave for a
city (healthy-migrant selection) and the sick who come back (salmon-bias return) both widen
it. Switching both off must shrink the residence gap by more than its Monte Carlo noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from migrant_health import RunConfig, Scenario, simulate

NO_SELECTION = Scenario.from_dict(
    {
        "migration.first.health_selection": 0.0,  # no healthy-migrant selection
        "migration.return.health": 0.0,  # no salmon bias of poor health...
        "migration.return.chronic": 0.0,  # ...or of chronic illness
    }
)
SEEDS = (1, 2, 3)
YEAR = 2025


@pytest.fixture(scope="module")
def gaps() -> dict[str, np.ndarray]:
    """Residence and hukou gaps with and without selection, one pair of runs per seed."""
    out: dict[str, list[float]] = {"residence": [], "hukou": []}
    for seed in SEEDS:
        runs = [
            simulate(RunConfig(start=YEAR, end=YEAR, scale=40_000, seed=seed, scenario=scenario))
            for scenario in (None, NO_SELECTION)
        ]
        # Common random numbers: the pair differs by the selection, not by the draws.
        out["residence"].append(
            runs[0].value("health_gap_residence", YEAR)
            - runs[1].value("health_gap_residence", YEAR)
        )
        out["hukou"].append(
            runs[0].value("health_gap_urban_rural", YEAR)
            - runs[1].value("health_gap_urban_rural", YEAR)
        )
    return {key: np.asarray(values) for key, values in out.items()}


def test_selection_widens_the_gap_by_residence_beyond_noise(gaps: dict[str, np.ndarray]) -> None:
    shrink = gaps["residence"]
    standard_error = shrink.std(ddof=1) / np.sqrt(len(shrink))
    assert shrink.mean() > 2 * standard_error
    assert shrink.mean() > 0.005  # at least half a point of poor self-rated health


def test_the_gap_by_hukou_barely_sees_selection(gaps: dict[str, np.ndarray]) -> None:
    assert abs(gaps["hukou"].mean()) < 0.5 * gaps["residence"].mean()
