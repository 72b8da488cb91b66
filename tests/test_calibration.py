"""Calibration infrastructure: targets mapping, fit table, HTML report, Optuna calibration.

The science checked here: calibration recovers parameter values that generated the targets
(known truth, common random numbers), and the fit table fails a badly wrong model instead of
hiding it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from migrant_health import ParameterTree, RunConfig, Scenario, simulate
from migrant_health.cli.main import app
from migrant_health.data import load_calibration_targets
from migrant_health.experiments import (
    NOT_COMPARABLE,
    TARGET_MAP,
    Quantity,
    fit_table,
    load_targets,
    match_targets,
    simulate_cells,
    targets_from_run,
    write_targets,
)
from migrant_health.experiments.calibration import (
    CalibrationError,
    CalibrationSettings,
    _study,
    calibrate,
)
from migrant_health.experiments.parameter_draws import load_trials
from migrant_health.experiments.targets import SPECS_BY_KEY

runner = CliRunner()
SCALE = 40_000
TRUTH = {"migration.return.intercept": -2.8, "labor.income.intercept": -0.2}
SYNTHETIC_KEYS = (
    "nbs.migrant_workers_total",
    "nbs.outmigrant_workers (waichu)",
    "nbs.local_migrant_workers (bendi)",
    "nbs.monthly_income_outmigrants",
)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_shipped_target_is_mapped_or_skipped_with_a_reason() -> None:
    keys = set(load_calibration_targets()["key"])
    unaccounted = sorted(k for k in keys if k not in SPECS_BY_KEY and k not in NOT_COMPARABLE)
    assert unaccounted == []
    assert not set(SPECS_BY_KEY) & set(NOT_COMPARABLE)
    assert all(spec.caveat for spec in TARGET_MAP)
    matched = match_targets(load_targets())
    # NBS counts are in 10,000 persons, shares in per cent: converted to persons and 0-1.
    total_2008 = next(
        c for c in matched.comparisons if c.key == "nbs.migrant_workers_total" and c.year == 2008
    )
    assert total_2008.observed == pytest.approx(225_420_000)
    depression = next(c for c in matched.comparisons if c.key == "lit.depression_prevalence")
    assert (depression.low, depression.high) == pytest.approx((0.2145, 0.28))
    assert depression.error(0.25) == 0.0 and depression.error(0.30) == pytest.approx(0.02)


def test_fit_fails_a_wrong_model_and_passes_a_target_it_generated() -> None:
    # The fast path gives the same cells as the full simulation.
    config = RunConfig(end=2012, scale=SCALE, seed=2)
    run = simulate_cells(config)
    pd.testing.assert_frame_equal(run.cells, simulate(config).cells)
    base = Quantity("migrant_workers_total").evaluate(run)["value"]
    assert base.loc[2010] == pytest.approx(simulate(config).value("migrant_workers_total", 2010))

    own = targets_from_run(run, ["nbs.migrant_workers_total"], [2010])
    table = fit_table(run, own)
    assert table["pass"].all() and table["error"].abs().max() < 1e-6

    wrong = simulate_cells(
        RunConfig(
            end=2012,
            scale=SCALE,
            seed=2,
            scenario=Scenario.from_dict({"migration.first.intercept": 4.0}),
        )
    )
    table = fit_table(wrong, load_targets())
    totals = table[table["key"] == "nbs.migrant_workers_total"]
    assert list(totals["year"]) == [2008, 2009, 2010, 2011, 2012]
    assert not totals["pass"].any()
    assert (totals["error"] > totals["tolerance"]).all()  # far too many migrant workers


def test_calibration_recovers_known_parameters(tmp_path: Path) -> None:
    seed = 5
    truth = simulate_cells(
        RunConfig(end=2012, scale=SCALE, seed=seed, scenario=Scenario.from_dict(TRUTH))
    )
    targets = tmp_path / "synthetic_targets.csv"
    write_targets(targets_from_run(truth, SYNTHETIC_KEYS, range(2009, 2013)), targets)
    study = tmp_path / "study"

    # Start from the shipped defaults (-3.65 and -0.59), two workers sharing one journal (the
    # order in which they finish trials varies, so 40 trials leave room for the compass steps).
    result = calibrate(
        study,
        targets,
        trials=40,
        workers=2,
        scale=SCALE,
        seed=seed,
        parameters=list(TRUTH),
        replicates=2,
    )
    found = result.best_values
    assert found["migration.return.intercept"] == pytest.approx(-2.8, abs=0.15)
    assert found["labor.income.intercept"] == pytest.approx(-0.2, abs=0.04)
    assert result.best_objective < 0.1 < result.start_objective
    assert result.n_trials >= 40

    settings = json.loads((study / "study.json").read_text())["settings"]
    assert settings["targets_sha256"] == hashlib.sha256(targets.read_bytes()).hexdigest()
    assert (settings["scale"], settings["seed"], settings["trials"]) == (SCALE, seed, 40)
    best = Scenario.from_yaml(study / "best.yaml")
    assert set(best.overrides) == set(TRUTH)
    assert best.overrides["migration.return.intercept"] == pytest.approx(
        found["migration.return.intercept"]
    )

    # Every completed trial is kept, as the comparisons' parameter draws read it: trial 0 is
    # the start point (the shipped defaults), and the best row is the best result.
    trials = load_trials(study)
    assert list(trials.columns) == ["trial", "objective_J", *settings["parameters"]]
    assert len(trials) == result.n_trials and trials["trial"].is_unique
    assert trials.loc[trials["trial"] == 0, "objective_J"].item() == pytest.approx(
        result.start_objective
    )
    best_row = trials.loc[trials["objective_J"].idxmin()]
    assert best_row["objective_J"] == pytest.approx(result.best_objective)
    assert best_row["migration.return.intercept"] == pytest.approx(
        found["migration.return.intercept"]
    )

    # The study resumes (more trials, same settings) and refuses other settings.
    resumed = calibrate(
        study, targets, trials=32, scale=SCALE, seed=seed, parameters=list(TRUTH), replicates=2
    )
    assert resumed.n_trials >= 32 and resumed.best_objective <= result.best_objective
    with pytest.raises(CalibrationError, match="scale"):
        calibrate(study, targets, trials=32, scale=2 * SCALE, seed=seed, parameters=list(TRUTH))


def test_calibration_recovers_the_cross_province_trend(tmp_path: Path) -> None:
    """A share of two counts (step 53) through the whole path: generated as its two count
    rows, matched as one share a year, and the trend that made it found again."""
    trend = "migration.destination.cross_province_trend"
    # Half a log-odds a decade above the shipped value, whatever a later step ships.
    value = float(ParameterTree.load().value_at(trend, 2008)) + 0.5
    truth = simulate_cells(
        RunConfig(end=2016, scale=SCALE, seed=5, scenario=Scenario.from_dict({trend: value}))
    )
    frame = targets_from_run(truth, ["nbs.outmigrants_cross_province"], range(2010, 2017))
    assert set(frame["key"]) == {
        "nbs.outmigrants_cross_province",
        "nbs.outmigrants_within_province",
    }
    targets = tmp_path / "shares.csv"
    write_targets(frame, targets)
    result = calibrate(
        tmp_path / "study",
        targets,
        trials=20,
        workers=2,
        scale=SCALE,
        seed=5,
        parameters=[trend],
        replicates=2,
    )
    # Started at the shipped value: the share of 2016 is then about 2 points lower.
    assert result.best_values[trend] == pytest.approx(value, abs=0.15)
    assert result.best_objective < 0.1 < result.start_objective


def test_cli_fit_writes_a_self_contained_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(
        app, ["fit", "--scale", "50000", "--end", "2012", "--workers", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = _flat(result.output)
    assert "targets within tolerance" in text and re.search(r"\b(pass|FAIL)\b", text)
    html = out.read_text(encoding="utf-8")
    assert '<img src="data:image/png;base64,' in html
    assert "nbs.migrant_workers_total" in html and "Targets not compared" in html
    assert not re.search(r"<(img|script|link)[^>]+(src|href)=\"https?:", html)
    assert list(tmp_path.iterdir()) == [out], "temporary file left behind"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("nbs.migrant_workers_total,20x0,22542,10k persons,NBS,confirmed", "line 3, column 'year'"),
        ("nbs.migrant_workers_total,2008,22542,kg,NBS,confirmed", "line 3, column 'unit'"),
        ("nbs.migrant_workers_total,2008,lots,10k persons,NBS,confirmed", "line 3, column 'value'"),
    ],
)
def test_cli_fit_rejects_a_bad_targets_file(tmp_path: Path, row: str, expected: str) -> None:
    bad = tmp_path / "targets.csv"
    bad.write_text(
        "key,year,value,unit,source,confidence\n"
        "nbs.migrant_workers_total,2009,22978,10k persons,NBS,confirmed\n" + row + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    result = runner.invoke(
        app, ["fit", "--targets", str(bad), "--scale", "50000", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert expected in _flat(result.output) and str(bad) in _flat(result.output)
    assert "Traceback" not in result.output and not out.exists()


def test_cli_calibrate_rejects_bad_settings(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["calibrate", "--trials", "0", "--study", str(tmp_path / "s"), "--scale", "50000"]
    )
    assert result.exit_code == 2 and "--trials" in result.output
    result = runner.invoke(
        app,
        ["calibrate", "--params", "health.mental.suport", "--study", str(tmp_path / "s")],
    )
    assert result.exit_code == 2 and "health.mental.suport" in _flat(result.output)
    assert "did you mean 'health.mental.support'" in _flat(result.output)
    result = runner.invoke(
        app, ["calibrate", "--params", "health.srh.noise_sd", "--study", str(tmp_path / "s")]
    )
    assert result.exit_code == 2
    assert "health.srh.noise_sd cannot be calibrated" in _flat(result.output)


def test_a_seed_past_two_to_the_32_still_seeds_the_search() -> None:
    """Optuna's samplers take seeds below 2^32: ``calibrate --seed 5000`` failed on its first
    trial (the sampler's seed is ``seed x 1,000,003 + ...``)."""
    settings = CalibrationSettings(
        targets_file="package",
        targets_sha256="0" * 64,
        scale=20_000.0,
        seed=5_000,
        end=2010,
        trials=3,
        parameters=["x"],
        bounds=[[0.0, 1.0]],
        replicates=0,
    )
    study = _study(None, settings, worker=1, finished=0)
    assert study.ask().suggest_float("x", 0.0, 1.0) <= 1.0
