"""Sensitivity analysis: known answers with common random numbers, determinism, clear refusals.

One small Morris study (two parameters, two trajectories, 2008-2013 at 50,000 persons per
agent: six runs) is shared by the tests of what the indices mean: every run has the same seed,
so a parameter that cannot move an output gets an elementary effect of exactly zero, while one
that drives it does not. The command line repeats the study on two workers and must write the
same numbers. The SALib wiring is checked on analytic functions whose indices are known.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami
from typer.testing import CliRunner

from cli_output import csv_table
from migrant_health.cli.main import app
from migrant_health.experiments import sensitivity as sensitivity_module
from migrant_health.experiments.salib_methods import analyze_outputs, problem, sample_inputs
from migrant_health.experiments.sensitivity import (
    SensitivityResult,
    plan_sensitivity,
    run_sensitivity,
)
from migrant_health.experiments.sensitivity_design import (
    SensitivityError,
    parse_parameters,
    sample_scenario,
)
from migrant_health.experiments.sensitivity_plot import plot_indices
from migrant_health.params import ParameterSpec, ParameterTree

runner = CliRunner()

BASE = "health.mental.base"
SERVICES = "policy.management.mental_health_services"  # raises out-migrants' mental health
BEFORE = "depression_share:status=out_migrant:2011"  # read before the sampled values hold
OUT_MIGRANTS = "depression_share:status=out_migrant:2013"
URBAN_LOCALS = "depression_share:status=urban_local:2013"  # the lever never reaches them
PARAMS = [BASE, SERVICES]
OUTPUTS = [BEFORE, OUT_MIGRANTS, URBAN_LOCALS]


@pytest.fixture(scope="module")
def study() -> SensitivityResult:
    """The shared study, on one worker, keeping no directory."""
    plan = plan_sensitivity(
        "morris", PARAMS, OUTPUTS, 2, end=2013, scale=50_000, seed=3, from_year=2012, workers=1
    )
    return run_sensitivity(plan, None, runs=None)


def _index(result: SensitivityResult, output: str, parameter: str, name: str) -> float:
    rows = result.indices.query("output == @output and parameter == @parameter and index == @name")
    assert len(rows) == 1
    return float(rows["value"].iloc[0])


def test_the_study_runs_one_simulation_per_sample_of_the_design(study: SensitivityResult) -> None:
    samples = study.samples
    assert len(samples) == 2 * (2 + 1)  # Morris: N (D + 1)
    assert list(samples.columns) == ["sample", BASE, SERVICES, BEFORE, OUT_MIGRANTS, URBAN_LOCALS]
    tree = ParameterTree.load()
    for parameter in PARAMS:  # several values, inside the documented range
        assert samples[parameter].between(*tree.spec(parameter).range).all()
        assert samples[parameter].nunique() > 1
    assert samples[OUT_MIGRANTS].nunique() > 1  # the outputs do move from sample to sample


def test_no_parameter_moves_an_output_read_before_the_values_hold(
    study: SensitivityResult,
) -> None:
    before = study.indices[study.indices["output"] == BEFORE]
    assert (before["value"] == 0.0).all()  # exactly: common random numbers, no noise
    assert study.samples[BEFORE].nunique() == 1


def test_a_lever_has_no_effect_on_people_its_mechanism_does_not_reach(
    study: SensitivityResult,
) -> None:
    assert _index(study, URBAN_LOCALS, SERVICES, "mu_star") == 0.0
    assert _index(study, URBAN_LOCALS, SERVICES, "sigma") == 0.0
    # The same output does respond to a parameter that acts on urban locals too.
    assert _index(study, URBAN_LOCALS, BASE, "mu_star") > 0.0


def test_better_baseline_mental_health_and_services_mean_less_depression(
    study: SensitivityResult,
) -> None:
    for parameter in (BASE, SERVICES):
        mu_star = _index(study, OUT_MIGRANTS, parameter, "mu_star")
        assert mu_star > 0.0
        # Every elementary effect has the same sign: mu = -mu_star.
        assert _index(study, OUT_MIGRANTS, parameter, "mu") == pytest.approx(-mu_star)


def test_the_command_on_two_workers_writes_the_same_study(
    study: SensitivityResult, tmp_path: Path
) -> None:
    out = tmp_path / "study"
    args = [
        "sensitivity",
        "--method",
        "morris",
        "--params",
        ",".join(PARAMS),
        "--outputs",
        ",".join(OUTPUTS),
        "--samples",
        "2",
        "--end",
        "2013",
        "--scale",
        "50000",
        "--seed",
        "3",
        "--from-year",
        "2012",
        "--workers",
        "2",
        "--out",
        str(out),
        "--format",
        "csv",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(sensitivity_module.FILES)
    indices = pd.read_parquet(out / "indices.parquet")
    pd.testing.assert_frame_equal(indices, study.indices)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "samples.parquet"), study.samples)
    printed = csv_table(result.stdout)
    assert list(printed.columns) == ["output", "parameter", "index", "value", "conf"]
    np.testing.assert_array_equal(printed["value"].to_numpy(), indices["value"].to_numpy())
    metadata = json.loads((out / "sensitivity.json").read_text(encoding="utf-8"))
    assert metadata["method"] == "morris" and metadata["runs"] == 6
    assert metadata["config"]["workers"] == 2 and metadata["config"]["from_year"] == 2012
    tree = ParameterTree.load()
    assert [p["bounds"] for p in metadata["parameters"]] == [
        list(tree.spec(p).range) for p in PARAMS
    ]
    assert [o["name"] for o in metadata["outputs"]] == OUTPUTS
    assert (out / "indices.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*"))  # no staging directory left behind


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    existing = tmp_path / "taken"
    existing.mkdir()
    good = ["--params", BASE, "--outputs", OUT_MIGRANTS, "--samples", "2"]
    return {
        "unknown parameter": (
            ["--params", "health.mental.bass", *good[2:]],
            "unknown parameter path 'health.mental.bass'; did you mean 'health.mental.base'",
        ),
        "vector without coordinate": (
            ["--params", "labor.income.tier_premium", *good[2:]],
            "name one coordinate, such as labor.income.tier_premium[0]",
        ),
        "coordinate out of range": (
            ["--params", "labor.income.tier_premium[4]", *good[2:]],
            "coordinate 4 is out of range",
        ),
        "switch": (
            ["--params", "health.bmi.integration_effect_women_only", *good[2:]],
            "on/off switch",
        ),
        "series by year": (["--params", "labor.wage_index", *good[2:]], "changes by year"),
        "bound outside the range": (
            [*good, "--bounds", f"{BASE}=0.5:1.5"],
            "leaves the documented range [0, 1]",
        ),
        "bound not in params": (
            [*good, "--bounds", f"{SERVICES}=0:0.1"],
            "which --params does not name",
        ),
        "malformed bound": ([*good, "--bounds", f"{BASE}=0.5"], "must be path=low:high"),
        "unknown metric": (
            ["--params", BASE, "--outputs", "depresion_share:2013", "--samples", "2"],
            "unknown metric 'depresion_share'; choose one of bmi_mean",
        ),
        "unknown group": (
            ["--params", BASE, "--outputs", "depression_share:colour=red:2013", "--samples", "2"],
            "must be key=value with a key among",
        ),
        # A known key with a misspelt value selected no cell: the study ran to the end and
        # reported nothing but missing values (2026-12-05).
        "unknown group value": (
            ["--params", BASE, "--outputs", "depression_share:status=foo:2013", "--samples", "2"],
            "unknown status value(s) foo; choose among rural_stayer",
        ),
        "output year outside the run": (
            ["--params", BASE, "--outputs", "depression_share:2020", "--samples", "2"],
            "year 2020 lies outside the run [2008, 2013]",
        ),
        "too few trajectories": ([*good[:4], "--samples", "1"], "at least 2 trajectories"),
        "sobol not a power of two": (
            ["--method", "sobol", *good[:4], "--samples", "12"],
            "must be a power of two",
        ),
        "unknown method": (["--method", "fast", *good], "unknown --method fast"),
        "broken condition": (
            ["--params", "integration.stage.cut_drifting", *good[2:]],
            "breaks a condition between parameters",
        ),
        "out exists": ([*good, "--out", str(existing)], "already exists"),
    }


CASES = [
    "unknown parameter",
    "vector without coordinate",
    "coordinate out of range",
    "switch",
    "series by year",
    "bound outside the range",
    "bound not in params",
    "malformed bound",
    "unknown metric",
    "unknown group",
    "unknown group value",
    "output year outside the run",
    "too few trajectories",
    "sobol not a power of two",
    "unknown method",
    "broken condition",
    "out exists",
]


@pytest.mark.parametrize("case", CASES)
def test_a_mistake_exits_2_before_any_run_and_writes_nothing(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, expected = _bad_inputs(tmp_path)[case]
    if "--method" not in args:
        args = ["--method", "morris", *args]
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    def no_run(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a run started")

    monkeypatch.setattr(sensitivity_module, "run_tasks", no_run)
    before = sorted(tmp_path.rglob("*"))
    result = runner.invoke(
        app, ["sensitivity", "--scale", "50000", "--end", "2013", "--workers", "1", *args]
    )
    assert result.exit_code == 2, result.output
    flat = " ".join(result.output.split())
    assert expected in flat
    assert "Traceback" not in result.output
    assert sorted(tmp_path.rglob("*")) == before  # not even an empty runs/ folder


def test_a_parameter_without_a_range_needs_bounds() -> None:
    spec = ParameterSpec(
        description="a fixed constant",
        unit="1",
        value=0.5,
        range=(0.5, 0.5),
        source="assumption: x",
    )
    tree = ParameterTree(specs={"x.fixed": spec})
    # From Python the bound to give is written as Python takes it.
    wanted = r"has no range to sample.*bounds=\{'x\.fixed': \(low, high\)\}"
    with pytest.raises(SensitivityError, match=wanted):
        parse_parameters(["x.fixed"], {}, tree)
    with pytest.raises(SensitivityError, match="leaves the documented range"):
        parse_parameters(["x.fixed"], {"x.fixed": (0.4, 0.6)}, tree)


def test_sobol_recovers_the_known_indices_of_the_ishigami_function(tmp_path: Path) -> None:
    # Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244.
    spec = problem(["x1", "x2", "x3"], [(-math.pi, math.pi)] * 3)
    inputs = sample_inputs("sobol", spec, 1024, seed=1)
    assert inputs.shape == (1024 * 5, 3)
    outputs = pd.DataFrame({"ishigami": Ishigami.evaluate(inputs)})
    indices = analyze_outputs("sobol", spec, inputs, outputs, seed=1).set_index(
        ["parameter", "index"]
    )
    known = {
        ("x1", "S1"): 0.314,
        ("x2", "S1"): 0.442,
        ("x3", "S1"): 0.0,
        ("x1", "ST"): 0.558,
        ("x2", "ST"): 0.442,
        ("x3", "ST"): 0.244,
    }
    for key, value in known.items():
        assert indices.at[key, "value"] == pytest.approx(value, abs=0.05), key
        assert indices.at[key, "conf"] < 0.1
    # The figure of a Sobol study: S1 and ST bars.
    figure = plot_indices(indices.reset_index(), "sobol", tmp_path / "sobol.png")
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_morris_mu_star_is_the_change_over_the_whole_range_of_a_linear_effect() -> None:
    spec = problem(["a", "b"], [(0.0, 2.0), (10.0, 20.0)])
    inputs = sample_inputs("morris", spec, 4, seed=1)
    outputs = pd.DataFrame({"f": 3.0 * inputs[:, 0], "g": np.full(len(inputs), 5.0)})
    indices = analyze_outputs("morris", spec, inputs, outputs, seed=1).set_index(
        ["output", "parameter", "index"]
    )
    assert indices.at[("f", "a", "mu_star"), "value"] == pytest.approx(6.0)  # 3 x (2 - 0)
    assert indices.at[("f", "a", "sigma"), "value"] == pytest.approx(0.0)
    assert indices.at[("f", "b", "mu_star"), "value"] == 0.0
    assert (indices.loc["g", "value"] == 0.0).all()  # a constant output: no effect at all


def test_a_sample_sets_vector_coordinates_and_holds_from_its_year() -> None:
    tree = ParameterTree.load()
    names = ["labor.income.tier_premium[0]", "labor.income.tier_premium[2]", BASE]
    parameters = parse_parameters(names, {}, tree)
    shipped = tree.spec("labor.income.tier_premium").value
    assert isinstance(shipped, list)
    every_year = sample_scenario(parameters, [0.11, 0.22, 0.6], tree, "sample-0")
    expected = [0.11, shipped[1], 0.22, *shipped[3:]]
    assert every_year.overrides == {"labor.income.tier_premium": expected, BASE: 0.6}
    from_2020 = sample_scenario(parameters, [0.11, 0.22, 0.6], tree, "sample-0", from_year=2020)
    assert from_2020.overrides == {
        "labor.income.tier_premium": {2020: expected},
        BASE: {2020: 0.6},
    }
    tree = from_2020.apply(tree)
    assert tree.value_at(BASE, 2019) == tree.spec(BASE).value  # the default before
    assert tree.value_at(BASE, 2020) == 0.6
