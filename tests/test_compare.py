"""Scenario comparison: common random numbers, honest intervals, and nothing run or written on
a mistake.

The comparison here is small (2 replicates to 2028, 50,000 persons per agent), enough to show
what the tables mean: the baseline's delta is exactly 0; a lever changes nothing before its
first year, replicate by replicate, even though each replicate has its own seed and parameter
set; the interval is the 5th-95th percentile of the per-replicate deltas; and the result is
the same on one worker or two.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import migrant_health
from migrant_health import RunConfig, Scenario, simulate
from migrant_health.cli.main import app
from migrant_health.experiments import compare as compare_module
from migrant_health.experiments.deltas import DELTA_COLUMNS
from migrant_health.scenarios import resolve_scenario

LEVER = "policy.management.mental_health_services"
# Services reaching every out-migrant, starting two years before the end.
LATE = {"name": "late_services", LEVER: {2027: 1.0}}
SETTINGS = {"replicates": 2, "end": 2028, "scale": 50_000, "seed": 3}
# Measured (2026-12-01): 0.017 over seeds 11-15 (0.016 over seeds 1-8): common random numbers
# made the variance of the delta about 60 times smaller at 50,000 persons per agent. Once
# support reached physical health (2026-12-02: the lever's support moves who falls chronically
# ill, a discrete event that sends a person's path elsewhere) it is 0.14 over seeds 11-26, about
# 7 times smaller (0.07 with the code before, over seeds 11-15). Over five seeds the ratio is an
# F(4, 4) variate, too noisy to hold (1.06 over seeds 11-15 on the same model), so the test
# reads sixteen.
RATIO_BOUND = 0.5
CRN_SEEDS = range(11, 27)
runner = CliRunner()


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    out = tmp_path_factory.mktemp("compare") / "api"
    scenario = Scenario.from_dict(LATE)
    deltas = migrant_health.compare(["baseline", scenario], out=out, workers=1, **SETTINGS)  # type: ignore[arg-type]
    return deltas, out


def test_the_api_returns_the_table_written_to_deltas_parquet(
    comparison: tuple[pd.DataFrame, Path],
) -> None:
    deltas, out = comparison
    assert sorted(p.name for p in out.iterdir()) == [
        "aggregates.parquet",
        "comparison.json",
        "cost_effectiveness.parquet",
        "costs.parquet",
        "deltas.parquet",
    ]
    assert list(deltas.columns) == list(DELTA_COLUMNS)
    pd.testing.assert_frame_equal(deltas, pd.read_parquet(out / "deltas.parquet"))


def test_the_baselines_delta_is_exactly_zero(comparison: tuple[pd.DataFrame, Path]) -> None:
    deltas, _ = comparison
    own = deltas[deltas["scenario"] == "baseline"]
    assert len(own) > 1000
    assert (own[["delta", "delta_lo", "delta_hi"]] == 0.0).all().all()
    # A group with people in one replicate only has no standard error.
    assert (own["delta_se"].isna() == (own["replicates"] == 1)).all()
    assert (own["delta_se"].dropna() == 0.0).all()


def test_a_lever_changes_nothing_before_its_first_year(
    comparison: tuple[pd.DataFrame, Path],
) -> None:
    deltas, _ = comparison
    late = deltas[deltas["scenario"] == "late_services"]
    before = late[late["year"] < 2027]
    # Every metric of every group, in each replicate (its own seed and parameter set).
    assert len(before) > 1000
    assert (before[["delta", "delta_lo", "delta_hi"]] == 0.0).all().all()
    keys = ["metric", "group", "year"]
    reference = deltas[(deltas["scenario"] == "baseline") & (deltas["year"] < 2027)]
    assert before.set_index(keys)["replicates"].equals(reference.set_index(keys)["replicates"])
    after = late.set_index(["metric", "group", "year"])["delta"]
    assert after[("depression_share", "status=out_migrant", 2028)] < 0  # services help


def test_the_interval_is_the_percentile_range_of_the_per_replicate_deltas(
    comparison: tuple[pd.DataFrame, Path],
) -> None:
    deltas, out = comparison
    runs = pd.read_parquet(out / "aggregates.parquet")
    cell = runs[
        (runs["metric"] == "depression_share")
        & (runs["group"] == "status=out_migrant")
        & (runs["year"] == 2028)
    ].pivot(index="replicate", columns="scenario", values="value")
    per_replicate = (cell["late_services"] - cell["baseline"]).to_numpy()
    row = deltas[
        (deltas["scenario"] == "late_services")
        & (deltas["metric"] == "depression_share")
        & (deltas["group"] == "status=out_migrant")
        & (deltas["year"] == 2028)
    ].iloc[0]
    assert row["delta"] == pytest.approx(per_replicate.mean())
    interval = np.percentile(per_replicate, [5, 95])  # linear interpolation, as quantile_cont
    assert [row["delta_lo"], row["delta_hi"]] == pytest.approx(interval)
    se = per_replicate.std(ddof=1) / np.sqrt(len(per_replicate))
    assert row["delta_se"] == pytest.approx(se)


def test_the_catalogue_reads_the_cost_tables_with_sql(
    comparison: tuple[pd.DataFrame, Path],
) -> None:
    """``costs`` and ``cost_effectiveness`` are catalogue views over every comparison's files."""
    _, out = comparison
    with migrant_health.open_catalogue(out.parent) as con:
        for table in ("costs", "cost_effectiveness"):
            viewed = con.sql(f"SELECT * FROM {table} WHERE id = '{out.name}'").df()
            direct = pd.read_parquet(out / f"{table}.parquet")
            keys = list(direct.columns[:3])
            pd.testing.assert_frame_equal(
                viewed.drop(columns="id").sort_values(keys, ignore_index=True),
                direct.sort_values(keys, ignore_index=True),
                check_dtype=False,
            )
        total = con.sql(
            "SELECT cost_bn_cny_discounted FROM costs WHERE scenario = 'late_services' "
            "AND lever = 'total'"
        ).fetchall()
    assert len(total) == 1 and total[0][0] > 0  # services reaching everyone cost something


def test_comparison_json_keeps_the_contract(comparison: tuple[pd.DataFrame, Path]) -> None:
    _, out = comparison
    meta = json.loads((out / "comparison.json").read_text())
    assert meta["kind"] == "comparison" and meta["package"] == "migrant_health"
    assert meta["version"] == migrant_health.__version__
    config = {"start": 2008, "end": 2028, "scale": 50_000.0, "seed": 3, "workers": 1}
    assert meta["config"] == config
    assert [s["name"] for s in meta["scenarios"]] == ["baseline", "late_services"]
    assert meta["scenarios"][1]["overrides"] == {LEVER: {"2027": 1.0}}
    assert set(meta["scenarios"][0]) == {"name", "description", "origin", "overrides"}
    assert meta["replicates"] == 2 and meta["interval"] == 0.9
    draws = meta["replicate_draws"]
    assert draws[0] == {"replicate": 0, "seed": 3, "parameter_set": "shipped"}
    assert draws[1]["seed"] == 4 and isinstance(draws[1]["parameter_set"], int)
    assert {"simulate", "total"} <= set(meta["timings_seconds"])
    runs = pd.read_parquet(out / "aggregates.parquet")
    assert list(runs.columns) == ["scenario", "replicate", "year", "metric", "group", "value"]
    assert runs.groupby(["scenario", "replicate"]).ngroups == 4


def test_one_or_two_workers_give_the_same_deltas(
    comparison: tuple[pd.DataFrame, Path], tmp_path: Path
) -> None:
    deltas, out = comparison
    late = tmp_path / "late.yaml"
    late.write_text(yaml.safe_dump(LATE), encoding="utf-8")
    args = ["compare", "--scenarios", f"baseline,{late}", "--workers", "2", "--format", "json"]
    for option in ("replicates", "end", "scale", "seed"):
        args += [f"--{option}", str(SETTINGS[option])]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["directory"] == str(tmp_path / "cli") and printed["config"]["workers"] == 2
    assert {row["scenario"] for row in printed["summary"]} == {"late_services"}
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cli" / "deltas.parquet"), deltas)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "cli" / "aggregates.parquet"),
        pd.read_parquet(out / "aggregates.parquet"),
    )


def test_common_random_numbers_shrink_the_variance_of_a_delta() -> None:
    # The delta of out-migrants' poor-health share in the last year, over seeds, with the
    # scenario on the baseline's seed (common random numbers) and on another seed.
    scenario = resolve_scenario("migrant_management")
    metric, group = "poor_health_share", "status=out_migrant"

    def value(seed: int, reform: Scenario | None) -> float:
        # Only 2028 is reported (the years before are simulated, not aggregated).
        config = RunConfig(start=2028, end=2028, scale=50_000, seed=seed, scenario=reform)
        return simulate(config).value(metric, 2028, group)

    seeds = CRN_SEEDS
    base = np.array([value(s, None) for s in seeds])
    common = np.array([value(s, scenario) for s in seeds]) - base
    independent = np.array([value(s + 100, scenario) for s in seeds]) - base
    ratio = common.var(ddof=1) / independent.var(ddof=1)
    assert ratio < RATIO_BOUND


# -- refusals -----------------------------------------------------------------------------------


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("policy.management.support_networks: {2025: 0.01\n", encoding="utf-8")
    out_of_range = tmp_path / "range.yaml"
    out_of_range.write_text(yaml.safe_dump({"policy.management.support_networks": 5.0}))
    more = tmp_path / "more.yaml"
    more.write_text(yaml.safe_dump({LEVER: 0.06}))
    existing = tmp_path / "existing"
    existing.mkdir()
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    return {
        "unknown": (["--scenarios", "baseline,fair_employmnt"], "unknown scenario"),
        "malformed": (["--scenarios", str(malformed)], "malformed YAML"),
        "out of range": (["--scenarios", str(out_of_range)], "out of range"),
        "conflict": (["--scenarios", f"migrant_management+{more}"], "disagree"),
        "one replicate": (["--scenarios", "fair_employment", "--replicates", "1"], "at least 2"),
        "only baseline": (["--scenarios", "baseline"], "nothing to compare"),
        "twice": (["--scenarios", "fair_employment,fair_employment"], "two scenarios"),
        "bad years": (["--scenarios", "fair_employment", "--end", "2050"], "--end 2050"),
        "out exists": (["--scenarios", "fair_employment", "--out", str(existing)], "exists"),
        "out in a file": (
            ["--scenarios", "fair_employment", "--out", str(a_file / "cmp")],
            "is a file",
        ),
    }


CASES = [
    "unknown",
    "malformed",
    "out of range",
    "conflict",
    "one replicate",
    "only baseline",
    "twice",
    "bad years",
    "out exists",
    "out in a file",
]


@pytest.mark.parametrize("case", CASES)
def test_a_mistake_exits_2_before_any_run_and_writes_nothing(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, expected = _bad_inputs(tmp_path)[case]
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    def no_run(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a run started")

    monkeypatch.setattr(compare_module, "run_tasks", no_run)
    before = sorted(tmp_path.rglob("*"))
    result = runner.invoke(app, ["compare", "--scale", "50000", "--end", "2026", *args])
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert sorted(tmp_path.rglob("*")) == before  # not even an empty runs/ folder
