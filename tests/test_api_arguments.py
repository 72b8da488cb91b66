"""The Python API answers arguments of the wrong kind with one clear message.

The command line types its own options; a Python caller can pass a single name where a list is
expected (a string is a sequence of letters: ``compare("fair_employment")`` once compared the
scenarios 'f', 'a', ...), a count as text or a fraction, or a dictionary for the settings.
Nothing here runs a simulation: the plans are checked before any run.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, simulate
from migrant_health.errors import RunConfigError, ScenarioError
from migrant_health.experiments.compare import plan_comparison
from migrant_health.experiments.sensitivity import plan_sensitivity
from migrant_health.experiments.sensitivity_design import SensitivityError

SMALL = {"end": 2010, "scale": 50_000}


def test_one_scenario_name_is_a_comparison_of_that_scenario() -> None:
    plan = plan_comparison("fair_employment", 2, **SMALL)
    assert [s.name for s in plan.scenarios] == ["baseline", "fair_employment"]


def test_any_collection_of_names_is_a_list_of_them() -> None:
    names = pd.Series(["fair_employment"])
    for given in (names, names.to_numpy(), (n for n in names), {"fair_employment": 1}.keys()):
        plan = plan_comparison(given, 2, **SMALL)  # type: ignore[arg-type]
        assert [s.name for s in plan.scenarios] == ["baseline", "fair_employment"]


@pytest.mark.parametrize("scenarios", [5, None, {"fair_employment": 1}, b"fair_employment"])
def test_scenarios_that_are_no_list_are_refused(scenarios: object) -> None:
    with pytest.raises(ScenarioError, match=r"scenarios=.*give a list"):
        plan_comparison(scenarios, 2, **SMALL)  # type: ignore[arg-type]


@pytest.mark.parametrize("replicates", ["2", 2.5, True])
def test_replicates_must_be_a_whole_number(replicates: object) -> None:
    with pytest.raises(RunConfigError, match=r"replicates=.*give a whole number"):
        plan_comparison(["fair_employment"], replicates, **SMALL)  # type: ignore[arg-type]


def test_a_numpy_count_is_a_whole_number() -> None:
    plan = plan_comparison(["fair_employment"], np.int64(2), workers=np.int32(1), **SMALL)
    assert len(plan.draws) == 2


def test_one_parameter_and_one_output_are_a_study_of_them() -> None:
    plan = plan_sensitivity("morris", "health.mental.base", "depression_share:2010", 2, **SMALL)
    assert [p.name for p in plan.parameters] == ["health.mental.base"]


def test_samples_as_text_are_refused() -> None:
    with pytest.raises(SensitivityError, match=r"samples='2': give a whole number"):
        plan_sensitivity(
            "morris",
            ["health.mental.base"],
            ["depression_share:2010"],
            "2",  # type: ignore[arg-type]
            **SMALL,
        )


@pytest.mark.parametrize("config", ["fair_employment", {"end": 2010}])
def test_simulate_takes_a_run_config(config: object) -> None:
    with pytest.raises(RunConfigError, match=r"give a RunConfig"):
        simulate(config)  # type: ignore[arg-type]


def test_a_scenario_name_given_to_simulate_says_where_it_goes() -> None:
    with pytest.raises(RunConfigError, match=r"RunConfig\(scenario=resolve_scenario"):
        simulate("fair_employment")  # type: ignore[arg-type]
    assert RunConfig().scenario is None


def test_a_run_prints_as_a_line_of_its_settings_and_size() -> None:
    run = simulate(RunConfig(end=2009, scale=200_000, seed=3))
    text = repr(run)
    assert text.startswith("RunResult(baseline, 2008-2009, scale 200000, seed 3: ")
    assert f"{run.agent_years:,} agent-years" in text and len(text) < 300


def test_no_workers_in_python_says_how_to_ask_for_every_core() -> None:
    with pytest.raises(RunConfigError, match=r"default_workers\(\) gives every available core"):
        simulate(RunConfig(end=2009, scale=200_000, workers=0))


PLAIN_LEVER = {"policy.public_services.portability": 0.8}  # no year: from 2008 on


def test_a_lever_from_2008_draws_one_warning_in_python() -> None:
    from migrant_health import compare
    from migrant_health.params import Scenario
    from migrant_health.scenarios.levers import LeverTimingWarning

    scenario = Scenario.from_dict(PLAIN_LEVER, origin="mine.yaml")
    with pytest.warns(LeverTimingWarning, match=r"mine.yaml: 'policy.public_services"):
        simulate(RunConfig(end=2009, scale=200_000, scenario=scenario))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compare([scenario], replicates=2, end=2009, scale=200_000)
    timing = [w for w in caught if issubclass(w.category, LeverTimingWarning)]
    assert len(timing) == 1  # for the comparison, not again for each of its four runs
    later = Scenario.from_dict({"policy.public_services.portability": {2025: 0.8}})
    # A first year written out is a choice: from 2008 on purpose is not warned about either.
    on_purpose = Scenario.from_dict({"policy.public_services.portability": {2008: 0.8}})
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeverTimingWarning)
        simulate(RunConfig(end=2009, scale=200_000, scenario=later))
        simulate(RunConfig(end=2009, scale=200_000, scenario=on_purpose))


def test_a_reform_whose_levers_start_after_the_run_says_it_is_the_baseline() -> None:
    """Every shipped lever starts in 2025: a short run of one had equalled the baseline with
    no word in Python, where the command line warned."""
    from migrant_health import compare
    from migrant_health.scenarios import resolve_scenario
    from migrant_health.scenarios.levers import IdleLeverWarning

    reform = resolve_scenario("fair_employment")
    with pytest.warns(IdleLeverWarning, match=r"this run equals the baseline\. Use end=2025"):
        simulate(RunConfig(end=2009, scale=200_000, scenario=reform))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compare([reform], replicates=2, end=2009, scale=200_000)
    idle = [w for w in caught if issubclass(w.category, IdleLeverWarning)]
    assert len(idle) == 1 and "fair_employment: every key takes effect after end=2009" in str(
        idle[0].message
    )


def test_a_reform_written_in_python_is_not_named_baseline() -> None:
    from migrant_health.params import Scenario

    assert Scenario(overrides=PLAIN_LEVER).name == "custom"
    assert Scenario().name == "baseline"
    assert Scenario(name="mine", overrides=PLAIN_LEVER).name == "mine"


def test_results_are_asked_for_by_name_and_year() -> None:
    run = simulate(RunConfig(end=2009, scale=200_000))
    with pytest.raises(TypeError, match=r"group=None: give the group by name"):
        run.series("depression_share", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"year='2009': give a whole number, not str"):
        run.value("depression_share", "2009")  # type: ignore[arg-type]
    assert run.value("depression_share", np.int64(2009)) == run.series("depression_share")[2009]


def test_a_bound_that_is_no_pair_is_named() -> None:
    with pytest.raises(SensitivityError, match=r"bounds=\{'health.mental.base': 0.5\}: a bound"):
        plan_sensitivity(
            "morris",
            ["health.mental.base"],
            ["depression_share:2010"],
            2,
            bounds={"health.mental.base": 0.5},  # type: ignore[dict-item]
            **SMALL,
        )


def test_a_synthetic_survey_takes_counts_and_a_scenario_by_name() -> None:
    from migrant_health.experiments.synthetic_survey import synthesize_survey

    with pytest.raises(RunConfigError, match=r"n='100': give a whole number, not str"):
        synthesize_survey(2010, "100")  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match=r"did you mean 'fair_employment'"):
        synthesize_survey(2010, 100, scenario="fair_employmnt")


def test_numpy_bounds_and_a_range_of_snapshot_years_are_welcome() -> None:
    plan = plan_sensitivity(
        "morris",
        ["health.mental.base"],
        ["depression_share:2010"],
        2,
        bounds={"health.mental.base": np.array([0.5, 0.75])},  # type: ignore[dict-item]
        **SMALL,
    )
    assert (plan.parameters[0].low, plan.parameters[0].high) == (0.5, 0.75)
    config = RunConfig(snapshot_years=range(2010, 2021, 5))  # type: ignore[arg-type]
    assert config.snapshot_years == (2010, 2015, 2020)


def test_two_unnamed_python_scenarios_are_told_to_take_names() -> None:
    from migrant_health.params import Scenario

    one = Scenario(overrides={"policy.public_services.portability": {2025: 0.8}})
    two = Scenario(overrides={"policy.public_services.portability": {2025: 0.9}})
    with pytest.raises(ScenarioError, match=r"give each its own name, Scenario\(name=\.\.\."):
        plan_comparison([one, two], 2, **SMALL)
