"""The parameter tree is auditable data, and scenarios are validated before anything runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from migrant_health import ParameterTree, Scenario, ScenarioError
from migrant_health.scenarios.levers import LEVERS


@pytest.fixture(scope="module")
def tree() -> ParameterTree:
    return ParameterTree.load()


def test_every_parameter_has_unit_range_and_source(tree: ParameterTree) -> None:
    assert len(tree.paths()) > 150
    for path in tree.paths():
        spec = tree.spec(path)
        assert spec.unit and spec.description and spec.source, path
        low, high = spec.range
        assert low <= high, path
        if spec.is_assumption:
            assert len(spec.source) > len("assumption: "), f"{path}: assumption gives no reason"


def test_every_assumption_says_why(tree: ParameterTree) -> None:
    """An assumption carries its reasoning: what the value implies and why that size, in a
    sentence at least, never a placeholder."""
    for path in tree.paths():
        spec = tree.spec(path)
        if not spec.is_assumption:
            continue
        reasoning = spec.source.split(":", 1)[1]
        assert "no further reasoning" not in reasoning, f"{path}: {spec.source!r}"
        assert len(reasoning.split()) >= 8, f"{path}: the reasoning is too short: {spec.source!r}"


def test_every_policy_lever_is_neutral_at_baseline(tree: ParameterTree) -> None:
    # Levers; their effects per unit and unit costs (policy.costs.*) are not 0.
    levers = [item.path for item in LEVERS]
    assert levers
    for path in levers:
        assert tree.scalar(path) == 0.0, path


def test_the_seed_headline_parameters_exist(tree: ParameterTree) -> None:
    # Cut-points shared with the survey toolkit, and the seed's switchable BMI hypothesis.
    assert tree.scalar("integration.stage.cut_drifting") < tree.scalar(
        "integration.stage.cut_integration"
    )
    assert tree.scalar("health.bmi.integration_effect_women_only") == 1.0


def test_year_valued_override_holds_from_its_year_until_the_next(tree: ParameterTree) -> None:
    path = "policy.public_services.resident_scheme_access"
    reformed = Scenario.from_dict({path: {2025: 0.5, 2030: 1.0}}).apply(tree)
    values = reformed.resolve(path, range(2023, 2033))
    np.testing.assert_array_equal(values, [0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 1, 1])


def test_unknown_path_names_the_file_and_suggests(tmp_path: Path, tree: ParameterTree) -> None:
    file = tmp_path / "typo.yaml"
    file.write_text("health.mental.suport: 0.4\n")
    with pytest.raises(ScenarioError) as err:
        Scenario.from_yaml(file).apply(tree)
    message = str(err.value)
    assert str(file) in message and "health.mental.suport" in message
    assert "health.mental.support" in message  # the suggestion


def test_out_of_range_value_names_key_and_allowed_range(
    tmp_path: Path, tree: ParameterTree
) -> None:
    file = tmp_path / "range.yaml"
    file.write_text("policy.public_services.portability: {2025: 1.7}\n")
    with pytest.raises(ScenarioError, match=r"portability.*1\.7.*allowed range \[0, 1\]"):
        Scenario.from_yaml(file).apply(tree)


def test_wrong_type_and_bad_year_are_both_reported(tmp_path: Path, tree: ParameterTree) -> None:
    file = tmp_path / "types.yaml"
    file.write_text("health.mental.support: high\nlabor.hours.informal: {next year: 50}\n")
    with pytest.raises(ScenarioError) as err:
        Scenario.from_yaml(file).apply(tree)
    assert "'high' is not a number" in str(err.value)
    assert "year key 'next year'" in str(err.value)


def test_vector_parameter_needs_the_right_length(tree: ParameterTree) -> None:
    with pytest.raises(ScenarioError, match="expected a list of 4 numbers"):
        Scenario.from_dict({"labor.income.tier_premium": [0.1, 0.2]}).apply(tree)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text("name: broken\nhealth.mental.support: [0.4\n")
    with pytest.raises(ScenarioError, match=r"broken\.yaml: line \d+"):
        Scenario.from_yaml(file)


def test_switch_takes_only_zero_or_one(tree: ParameterTree) -> None:
    with pytest.raises(ScenarioError, match="a switch takes 0 or 1"):
        Scenario.from_dict({"health.bmi.integration_effect_women_only": 0.4}).apply(tree)


def test_year_keys_outside_the_simulated_years_are_rejected(tree: ParameterTree) -> None:
    scenario = Scenario.from_dict({"policy.management.support_networks": {2050: 0.05}})
    with pytest.raises(ScenarioError, match=r"year 2050 lies outside .*\[2008, 2035\]"):
        scenario.apply(tree, years=range(2008, 2036))


def test_duplicate_keys_are_rejected(tmp_path: Path) -> None:
    file = tmp_path / "twice.yaml"
    file.write_text("health.mental.support: 0.3\nhealth.mental.support: 0.5\n")
    with pytest.raises(ScenarioError, match="given twice"):
        Scenario.from_yaml(file)


def test_a_key_written_as_a_list_or_a_mapping_is_named_with_its_line(tmp_path: Path) -> None:
    """``{[2025]: 0.5}`` is not a year: it is answered, not a TypeError from inside PyYAML."""
    file = tmp_path / "listed.yaml"
    file.write_text("name: x\npolicy.public_services.portability: {[2025]: 0.5}\n")
    with pytest.raises(ScenarioError, match=r"line 2.*not a list: \[2025\]"):
        Scenario.from_yaml(file)
    file.write_text("name: x\n{a: 1}: 0.5\n")
    with pytest.raises(ScenarioError, match=r"line 2.*not a mapping"):
        Scenario.from_yaml(file)


def test_a_merge_key_is_not_a_key_given_twice(tmp_path: Path) -> None:
    """YAML's ``<<: *base`` merges a mapping in, and a key after it overrides the merged one."""
    file = tmp_path / "merged.yaml"
    file.write_text(
        "name: x\nbase: &b {2025: 0.5, 2030: 0.8}\n"
        "policy.public_services.portability:\n  <<: *b\n  2030: 1.0\n"
    )
    merged = Scenario.from_yaml(file).overrides["policy.public_services.portability"]
    assert merged == {2025: 0.5, 2030: 1.0}


def test_a_directory_is_not_a_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a directory"):
        Scenario.from_yaml(tmp_path)


def test_cross_parameter_conditions_are_checked(tree: ParameterTree) -> None:
    from migrant_health.params.constraints import check_constraints

    check_constraints(tree, range(2008, 2036))  # the defaults satisfy every condition
    broken = Scenario.from_dict(
        {
            "integration.composite_weights": [0, 0, 0, 0],
            "integration.stage.cut_drifting": {2020: 0.9},
        }
    ).apply(tree)
    with pytest.raises(ScenarioError) as err:
        check_constraints(broken, range(2008, 2036), "reform.yaml")
    assert "composite weights must not all be zero" in str(err.value)
    assert "cut_drifting <= cut_integration" in str(err.value) and "from 2020" in str(err.value)


def test_true_is_not_a_number_of_hours_but_a_switch_takes_it(tree: ParameterTree) -> None:
    # YAML reads true/yes/on as a boolean; for a number it is a slip, not the value 1.
    with pytest.raises(ScenarioError) as err:
        Scenario.from_dict({"policy.fair_employment.hours_reduction": {2025: True}}).apply(tree)
    assert "policy.fair_employment.hours_reduction" in str(err.value)
    assert "true is a yes/no value but this parameter is a number" in str(err.value)
    switched = Scenario.from_dict({"health.bmi.integration_effect_women_only": False}).apply(tree)
    assert switched.scalar("health.bmi.integration_effect_women_only") == 0.0


@pytest.mark.parametrize("content", ["", "# nothing yet\n", "name: reform\ndescription: later\n"])
def test_a_scenario_file_that_sets_nothing_is_refused(tmp_path: Path, content: str) -> None:
    file = tmp_path / "empty.yaml"
    file.write_text(content)
    with pytest.raises(ScenarioError, match=r"empty\.yaml: the scenario sets no parameter"):
        Scenario.from_yaml(file)


def test_keys_after_the_last_simulated_year_are_idle() -> None:
    scenario = Scenario.from_dict(
        {
            "policy.public_services.portability": 0.8,  # every year
            "policy.management.support_networks": {2020: 0.05, 2030: 0.1},
            "policy.fair_employment.hours_reduction": {2030: 4.0},
        }
    )
    assert scenario.idle_paths(end=2035) == {}
    assert scenario.idle_paths(end=2025) == {"policy.fair_employment.hours_reduction": 2030}
    assert set(scenario.idle_paths(end=2015)) == {
        "policy.management.support_networks",
        "policy.fair_employment.hours_reduction",
    }
