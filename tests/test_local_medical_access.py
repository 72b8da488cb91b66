"""Integration opens the city's medical resources to out-migrants (seed 3.4, calibration step 56).

Seed 3.4: migrant workers with stronger integration gain easier access to local medical
resources, which improves their health. An out-migrant reaches the share
``1 - care.access.integration_barrier x (1 - index)`` of the city's care: in the access that
speeds recovery and in the share of needed care they use. Without it out-migrants used as much
of the care they needed as urban locals and spent the most of any group out of pocket per
head, younger and healthier as they are (docs/calibration.md, section 10).
"""

from __future__ import annotations

import numpy as np
import pytest

from migrant_health import RunConfig, RunResult, Scenario, simulate
from migrant_health.engine.codes import INS_RURAL, OUT_MIGRANT, RURAL_STAYER
from migrant_health.experiments.quantity import Quantity
from migrant_health.modules.care import care_access, local_medical_access
from migrant_health.params import ParameterTree

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

YEAR = 2014
CONFIG = dict(
    end=YEAR,
    scale=20_000,
    workers=1,
    snapshot_years=(YEAR,),
    snapshot_fraction=1.0,
)
NO_BARRIER = {"care.access.integration_barrier": {2008: 0.0}}


def _run(seed: int, scenario: dict[str, dict[int, float]] | None = None) -> RunResult:
    parsed = Scenario.from_dict(scenario) if scenario is not None else None  # type: ignore[arg-type]
    return simulate(RunConfig(seed=seed, scenario=parsed, **CONFIG))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def runs() -> dict[str, RunResult]:
    return {"shipped": _run(6), "no_barrier": _run(6, NO_BARRIER)}


def _yearly(run: RunResult, metric: str, status: str) -> float:
    return float(Quantity(metric, f"status={status}").evaluate(run)["value"].loc[YEAR])


def test_out_migrants_use_less_of_the_care_they_need_than_urban_locals(
    runs: dict[str, RunResult],
) -> None:
    """Seed 3.4 and 4.2: out-migrants under-use care. With the barrier they use a clearly
    smaller share of the care they need than urban locals (about 0.71 against 0.88); without
    it they used as much (0.90 against 0.88-0.89 before calibration step 56)."""
    shipped, free = runs["shipped"], runs["no_barrier"]
    locals_ = _yearly(shipped, "care_use_mean", "urban_local")
    assert _yearly(shipped, "care_use_mean", "out_migrant") < locals_ - 0.1
    assert _yearly(free, "care_use_mean", "out_migrant") > locals_ - 0.02


def test_the_barrier_lowers_what_out_migrants_spend(runs: dict[str, RunResult]) -> None:
    """Out-migrants pay less out of pocket per head when they reach less of the city's care,
    by about a fifth (two runs with the same seed; who is an out-migrant differs a little
    between them, as returns do)."""
    shipped = _yearly(runs["shipped"], "medical_spending_per_capita", "out_migrant")
    free = _yearly(runs["no_barrier"], "medical_spending_per_capita", "out_migrant")
    assert shipped < 0.85 * free


def test_the_barrier_costs_out_migrants_health(runs: dict[str, RunResult]) -> None:
    """Less of the city's care reached, less recovery: the same out-migrants (same seed, same
    draws) are less healthy with the barrier than without it."""
    shipped = runs["shipped"].snapshots
    free = runs["no_barrier"].snapshots
    health = {
        name: people.loc[people["status"] == "out_migrant", ["pid", "health"]].set_index("pid")
        for name, people in (("shipped", shipped), ("free", free))
    }
    both = health["shipped"].join(health["free"], how="inner", suffixes=("_shipped", "_free"))
    assert len(both) > 2_000
    assert (both["health_shipped"] - both["health_free"]).mean() < -0.002


def test_better_integrated_out_migrants_reach_more_of_the_citys_care(
    base_year_params: np.void,
) -> None:
    """The access rises with the integration index, reaches the full access only at an index
    of 1, and leaves everyone at origin untouched."""
    p = base_year_params
    barrier = ParameterTree.load().scalar("care.access.integration_barrier")
    assert 0.0 < barrier < 1.0
    low, mid, high = (local_medical_access(p, OUT_MIGRANT, index) for index in (0.2, 0.4, 0.8))
    assert low < mid < high < 1.0
    assert mid == pytest.approx(1.0 - barrier * 0.6)
    assert local_medical_access(p, OUT_MIGRANT, 1.0) == pytest.approx(1.0)
    assert local_medical_access(p, RURAL_STAYER, 0.0) == 1.0
    assert care_access(p, INS_RURAL, OUT_MIGRANT, 0.4) < care_access(p, INS_RURAL, OUT_MIGRANT, 0.8)
