"""Converts to urban hukou become urban residents: their networks move to the locals' level.

Ties with locals and their own network move toward ``social.ties.urban_local``, where the
urban locals keep theirs, at the paces the yearly steps use (``social.ties.growth``,
``social.origin.recovery``). Before calibration step 50 converts built ties toward 1 and kept
their origin network as it was, fully within reach, so they ended better embedded than the
natives: by 2035 converts of 31-60 held ties of 0.93 and support of 0.86 against the urban
locals' 0.80 and 0.84, and the converts who never migrated had the highest support of any
group (0.95; seeds 2-3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, simulate
from migrant_health.engine.codes import URBAN_HUKOU
from migrant_health.modules.social import networks_after_year


@pytest.fixture(scope="module")
def p(base_year_params: np.void) -> np.void:
    """The parameter record of the base year (conftest)."""
    return base_year_params


@pytest.mark.parametrize("ties, network", [(0.3, 1.0), (0.6, 0.2), (0.95, 0.95)])
def test_a_converts_networks_settle_at_the_urban_locals_level(
    p: np.void, ties: float, network: float
) -> None:
    """From a migrant's ties and a faded network, or a villager's whole one, alike."""
    level = float(p["social__ties__urban_local"])
    for _ in range(200):
        ties, network = networks_after_year(p, URBAN_HUKOU, ties, network, 2, 0.5, False, 40)
    assert ties == pytest.approx(level, abs=1e-6)
    assert network == pytest.approx(level, abs=1e-6)


@pytest.fixture(scope="module")
def late_panel() -> pd.DataFrame:
    """Everyone in 2030, when many converts have been urban residents for years."""
    run = simulate(
        RunConfig(end=2030, scale=20_000, seed=4, snapshot_years=(2030,), snapshot_fraction=1.0)
    )
    snapshot: pd.DataFrame = run.snapshots
    return snapshot[snapshot["age"].between(31, 60)]


def test_converts_are_no_better_embedded_than_urban_locals(late_panel: pd.DataFrame) -> None:
    converts = late_panel[late_panel["status"] == "urban_hukou"]
    locals_ = late_panel[late_panel["status"] == "urban_local"]
    assert len(converts) > 300
    # Ties are built up to the locals' level (a village's own network comes down to it).
    assert converts["local_ties"].mean() <= locals_["local_ties"].mean() + 0.005
    # Support also counts a spouse nearby: compare within the marital situations both hold
    # (urban locals are never apart from a spouse).
    compared = 0
    for family, group in converts.groupby("family"):
        natives = locals_[locals_["family"] == family]
        if len(group) < 20 or len(natives) < 20:
            continue
        assert group["social_support"].mean() <= natives["social_support"].mean() + 0.01, family
        compared += 1
    assert compared >= 2
