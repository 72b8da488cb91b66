"""Every example scenario validates and runs, and moves what its policy acts on."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrant_health import RunConfig, RunResult, Scenario, simulate

EXAMPLES = Path(__file__).parents[1] / "examples" / "scenarios"
CONFIG = dict(end=2028, scale=40_000, seed=2, communities_per_chunk=100)
# (file, metric, group, direction of the effect by 2028)
EXPECTED = {
    "fair_employment.yaml": ("share_over_44h", "all", -1),
    "equal_public_services.yaml": ("insured_destination_share", "all", +1),
    "migrant_management.yaml": ("integration_identity", "all", +1),
    "return_entrepreneurship.yaml": ("migrant_workers_local", "all", +1),
}


@pytest.fixture(scope="module")
def baseline() -> RunResult:
    return simulate(RunConfig(**CONFIG))  # type: ignore[arg-type]


def test_every_example_is_listed() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_scenario_runs_and_acts(name: str, baseline: RunResult) -> None:
    scenario = Scenario.from_yaml(EXAMPLES / name)
    result = simulate(RunConfig(**CONFIG, scenario=scenario))  # type: ignore[arg-type]
    metric, group, direction = EXPECTED[name]
    before = baseline.value(metric, 2024, group)
    assert result.value(metric, 2024, group) == before  # common random numbers until 2025
    change = result.value(metric, 2028, group) - baseline.value(metric, 2028, group)
    assert direction * change > 0
