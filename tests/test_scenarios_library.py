"""The shipped scenario library: every scenario loads, validates and acts; scenarios stack.

A stack ``a+b`` applies ``b`` on ``a`` path by path and year by year, the way the parameter
tree layers overrides; two scenarios that set the same lever in the same year to different
values are refused unless the later one is allowed to win.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from migrant_health import RunConfig, RunResult, Scenario, ScenarioError, simulate
from migrant_health.cli.main import app
from migrant_health.data import load_demography
from migrant_health.params import ParameterTree
from migrant_health.params.scenario import FIRST_YEAR, stack_scenarios
from migrant_health.scenarios import (
    baseline_scenario,
    check_scenario,
    resolve_scenario,
    resolve_stack,
    shipped_names,
)

STRATEGIES = {
    "fair_employment": "4.1",
    "equal_public_services": "4.2",
    "migrant_management": "4.3",
    "return_entrepreneurship": "4.4",
}
CONFIG = dict(end=2028, scale=50_000, seed=2)
# (metric, group, direction of the effect by 2028): what each strategy's mechanism fixes
EXPECTED = {
    "fair_employment": ("share_over_44h", "all", -1),
    "equal_public_services": ("insured_destination_share", "all", +1),
    "migrant_management": ("integration_identity", "all", +1),
    "return_entrepreneurship": ("migrant_workers_local", "all", +1),
}
runner = CliRunner()


def _write(path: Path, content: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(content), encoding="utf-8")
    return path


# -- the library --------------------------------------------------------------------------------


def test_one_scenario_per_strategy_and_combined_are_shipped() -> None:
    assert shipped_names() == sorted([*STRATEGIES, "combined"])


@pytest.mark.parametrize("name", sorted([*STRATEGIES, "combined"]))
def test_every_shipped_scenario_loads_validates_and_says_what_it_stands_for(name: str) -> None:
    scenario = resolve_scenario(name)
    check_scenario(scenario)  # raises for an unknown path or an out-of-range value
    assert scenario.name == name
    assert scenario.origin == f"shipped:{name}"
    assert all(path.startswith("policy.") for path in scenario.overrides)
    assert "Stands for" in scenario.description or name == "combined"
    if name in STRATEGIES:
        assert f"Seed section {STRATEGIES[name]}" in scenario.description


def test_combined_is_the_four_strategies_stacked() -> None:
    four = [resolve_scenario(name) for name in STRATEGIES]
    assert stack_scenarios(four).overrides == resolve_scenario("combined").overrides


def test_first_year_is_the_base_year_of_the_data() -> None:
    assert load_demography().first_year == FIRST_YEAR


@pytest.fixture(scope="module")
def baseline() -> RunResult:
    return simulate(RunConfig(**CONFIG))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_strategy_moves_what_its_mechanism_fixes(name: str, baseline: RunResult) -> None:
    result = simulate(RunConfig(**CONFIG, scenario=resolve_scenario(name)))  # type: ignore[arg-type]
    metric, group, direction = EXPECTED[name]
    # Levers start in 2025; with common random numbers nothing differs before.
    assert result.value(metric, 2024, group) == baseline.value(metric, 2024, group)
    change = result.value(metric, 2028, group) - baseline.value(metric, 2028, group)
    assert direction * change > 0


# -- stacking -----------------------------------------------------------------------------------

A = Scenario("a", {"policy.management.support_networks": {2025: 0.01, 2030: 0.02}}, origin="a.yaml")
B = Scenario("b", {"policy.management.support_networks": {2028: 0.05}}, origin="b.yaml")


def test_a_later_scenario_wins_from_its_first_year_when_allowed() -> None:
    stacked = A.stack(B, later_wins=True)
    assert stacked.name == "a+b"
    assert stacked.overrides == {"policy.management.support_networks": {2025: 0.01, 2028: 0.05}}
    # the order matters: a on b keeps a's values from 2025 on
    assert B.stack(A, later_wins=True).overrides == A.overrides


def test_stacking_refuses_a_conflict_naming_both_files_the_key_and_the_year() -> None:
    with pytest.raises(ScenarioError) as error:
        A.stack(B)
    message = str(error.value)
    assert "b.yaml" in message and "a.yaml" in message
    assert "policy.management.support_networks" in message and "2028" in message
    assert "--later-wins" in message


def test_agreeing_values_and_separate_paths_are_no_conflict() -> None:
    same = Scenario("c", {"policy.management.support_networks": {2030: 0.02}}, origin="c.yaml")
    other = Scenario("d", {"policy.management.hukou_openness": 1.0}, origin="d.yaml")
    stacked = stack_scenarios([A, same, other])
    assert stacked.overrides["policy.management.support_networks"] == {2025: 0.01, 2030: 0.02}
    assert stacked.overrides["policy.management.hukou_openness"] == 1.0


PAIRS = [
    ({2025: 0.01, 2030: 0.02}, {2028: 0.05}),
    (0.01, {2028: 0.05}),
    ({2028: 0.05}, 0.01),
    ({2030: 0.02}, {2025: 0.01}),
    (0.01, 0.03),
]


@pytest.mark.parametrize(("below", "above"), PAIRS)
def test_a_stack_sets_every_year_as_the_tree_layers_the_two_scenarios(
    below: object, above: object
) -> None:
    path = "policy.management.support_networks"
    tree = ParameterTree.load()
    layered = Scenario(overrides={path: above}).apply(Scenario(overrides={path: below}).apply(tree))
    stacked = Scenario(overrides={path: below}).stack(
        Scenario(overrides={path: above}), later_wins=True
    )
    merged = stacked.apply(tree)
    years = range(FIRST_YEAR, 2036)
    assert [merged.value_at(path, y) for y in years] == [layered.value_at(path, y) for y in years]


# -- the resolver -------------------------------------------------------------------------------


def test_an_unknown_name_lists_the_shipped_scenarios_and_the_closest() -> None:
    with pytest.raises(ScenarioError) as error:
        resolve_scenario("fair_employmnt")
    message = str(error.value)
    assert "did you mean 'fair_employment'" in message
    assert all(name in message for name in shipped_names())


def test_names_files_and_stacks_resolve(tmp_path: Path) -> None:
    own = _write(
        tmp_path / "stronger.yaml",
        {"name": "stronger", "policy.management.mental_health_services": {2025: 0.06}},
    )
    assert resolve_scenario(own).overrides == {
        "policy.management.mental_health_services": {2025: 0.06}
    }
    assert resolve_scenario("baseline").overrides == {}
    assert resolve_stack(["baseline"]) is None
    stacked = resolve_scenario(f"migrant_management+{own}", later_wins=True)
    assert stacked.name == "migrant_management+stronger"
    assert stacked.overrides["policy.management.mental_health_services"] == {2025: 0.06}
    with pytest.raises(ScenarioError, match="disagree"):
        resolve_stack(["migrant_management", str(own)])


def test_a_bad_value_is_reported_against_its_own_file(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.yaml", {"policy.management.support_networks": {2025: 9.0}})
    with pytest.raises(ScenarioError, match=r"bad\.yaml.*out of range"):
        resolve_scenario(f"fair_employment+{bad}")


def test_the_baseline_scenario_sets_nothing() -> None:
    assert baseline_scenario().overrides == {}


# -- the commands -------------------------------------------------------------------------------


def test_scenarios_list_names_every_shipped_scenario() -> None:
    result = runner.invoke(app, ["scenarios", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["scenarios"]
    assert [row["name"] for row in rows] == shipped_names()
    assert {row["name"]: row["levers"] for row in rows}["combined"] == 20


def test_scenarios_show_gives_each_lever_its_baseline_unit_and_meaning() -> None:
    result = runner.invoke(app, ["scenarios", "show", "fair_employment", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["name"] == "fair_employment"
    hours = next(
        r for r in shown["overrides"] if r["path"] == "policy.fair_employment.hours_reduction"
    )
    assert hours["value"] == {"2025": 6.0}
    assert hours["baseline"] == 0.0 and hours["unit"] == "hours/week"
    assert "hours" in hours["description"]
    assert "log earnings per log hours" in hours["effect_per_unit"]
    assert hours["cost_per_unit"] == "60 CNY/person/year"
    text = runner.invoke(app, ["scenarios", "show", "combined"])
    assert text.exit_code == 0 and "policy.return_entrepreneurship.nonfarm_boost" in text.stdout


def test_an_unknown_scenario_exits_2_with_the_list(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenarios", "show", "equal_services"])
    assert result.exit_code == 2
    assert "equal_public_services" in result.output


def test_simulate_refuses_a_conflicting_stack_and_writes_nothing(tmp_path: Path) -> None:
    own = _write(tmp_path / "more.yaml", {"policy.management.mental_health_services": 0.06})
    out = tmp_path / "run"
    args = ["simulate", "--scenario", "migrant_management", "--scenario", str(own)]
    result = runner.invoke(app, [*args, "--end", "2009", "--scale", "50000", "--out", str(out)])
    assert result.exit_code == 2
    assert "disagree" in result.output and "--later-wins" in result.output
    assert not out.exists()


def test_a_misspelled_name_key_is_told_it_is_the_scenarios_name() -> None:
    """'nmae: my reform' was read as a parameter path and answered with parameter paths."""
    scenario = Scenario.from_dict({"nmae": "mine", "policy.public_services.portability": 0.5})
    with pytest.raises(ScenarioError, match=r"unknown key 'nmae'; did you mean 'name'\?"):
        scenario.apply(ParameterTree.load())


def test_showing_a_scenario_warns_of_a_lever_without_a_year(tmp_path: Path) -> None:
    """As simulate and compare would: the reform rewrites the calibrated years since 2008."""
    path = tmp_path / "always.yaml"
    path.write_text("policy.public_services.portability: 0.8\n")
    result = CliRunner().invoke(app, ["scenarios", "show", str(path)])
    assert result.exit_code == 0, result.output
    assert "'policy.public_services.portability' holds from 2008" in result.output
    path.write_text("policy.public_services.portability: {2025: 0.8}\n")
    assert "holds from" not in CliRunner().invoke(app, ["scenarios", "show", str(path)]).output
