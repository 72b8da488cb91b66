"""Costs of a comparison: persons reached x unit cost, discounted; outcomes averted; their price.

The hand-made aggregates below are small enough to compute by hand: 1,000 out-migrants a year,
half of them reached by psychological services from 2025 at 250 CNY each, discounted at 5 % a
year to 2025, and 200 (replicate 0) or 300 (replicate 1) fewer people in poor health a year.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from migrant_health import Scenario
from migrant_health.experiments.compare import plan_comparison, run_comparison
from migrant_health.experiments.costs import (
    COST_COLUMNS,
    COUNTS,
    EFFECTIVENESS_COLUMNS,
    compute_costs,
    first_changed_year,
    lever_values,
)

YEARS = range(2024, 2027)
SERVICES = "policy.management.mental_health_services"
REACHED = 1000 * 0.5  # out-migrants x share reached, each year from 2025
DISCOUNTS = (1.0, 1.0 / 1.05)  # 2025 and 2026, discounted to the first lever year 2025
POOR = {("baseline", 0): 0.2, ("baseline", 1): 0.2, ("services", 0): 0.18, ("services", 1): 0.17}


def _aggregates(path: Path, scenarios: tuple[str, ...]) -> Path:
    """A comparison's aggregates: every count the costs read, constant over years."""
    rows = []
    for scenario in ("baseline", *scenarios):
        for replicate in (0, 1):
            poor = POOR[("services" if scenario != "baseline" else "baseline", replicate)]
            for year in YEARS:
                for name, (metric, group) in COUNTS.items():
                    value = {"out_migrants": 1000.0, "population": 10_000.0}.get(name, 0.1)
                    if name == "poor_share":
                        value = poor if year >= 2025 else 0.2
                    rows.append((scenario, replicate, year, metric, group, value))
    frame = pd.DataFrame(
        rows, columns=["scenario", "replicate", "year", "metric", "group", "value"]
    )
    frame.to_parquet(path, index=False)
    return path


def _tables(
    tmp_path: Path, scenarios: dict[str, dict[str, object]], deaths: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = tuple(scenarios)
    aggregates = _aggregates(tmp_path / "aggregates.parquet", names)
    runs: list[tuple[str, int, Scenario | None]] = [("baseline", r, None) for r in (0, 1)]
    made = {
        name: Scenario.from_dict({"name": name, **overrides})
        for name, overrides in scenarios.items()
    }
    runs += [(name, r, made[name]) for name in scenarios for r in (0, 1)]
    starts = {name: first_changed_year(scenario, YEARS) for name, scenario in made.items()}
    values = lever_values(runs, YEARS, "baseline", starts)
    return compute_costs(aggregates, values, ["baseline", *names], "baseline", deaths=deaths)


def _total(costs: pd.DataFrame, scenario: str) -> float:
    row = costs[(costs["scenario"] == scenario) & (costs["lever"] == "total")]
    return float(row["cost_bn_cny_discounted"].iloc[0]) * 1e9


def test_cost_is_persons_reached_times_unit_cost_discounted_to_the_first_lever_year(
    tmp_path: Path,
) -> None:
    costs, _ = _tables(tmp_path, {"services": {SERVICES: {2025: 0.5}}})
    by_hand = REACHED * 250.0 * sum(DISCOUNTS)  # nothing in 2024, before the lever starts
    assert _total(costs, "services") == pytest.approx(by_hand)
    lever = costs[(costs["scenario"] == "services") & (costs["lever"] == SERVICES)]
    assert float(lever["reached_person_years"].iloc[0]) == pytest.approx(2 * REACHED)
    assert list(costs.columns) == list(COST_COLUMNS)


def test_the_baseline_costs_nothing(tmp_path: Path) -> None:
    costs, effectiveness = _tables(tmp_path, {"services": {SERVICES: {2025: 0.5}}})
    assert _total(costs, "baseline") == 0.0
    assert set(costs[costs["scenario"] == "baseline"]["lever"]) == {"total"}
    assert "baseline" not in set(effectiveness["scenario"])


def test_double_the_unit_cost_doubles_the_cost_and_keeps_the_outcomes(tmp_path: Path) -> None:
    costs, effectiveness = _tables(
        tmp_path,
        {
            "services": {SERVICES: {2025: 0.5}},
            "dearer": {SERVICES: {2025: 0.5}, "policy.costs.mental_health_services": 500.0},
        },
    )
    assert _total(costs, "dearer") == pytest.approx(2 * _total(costs, "services"))
    outcomes = effectiveness.set_index(["scenario", "outcome"])["averted"]
    pd.testing.assert_series_equal(outcomes["dearer"], outcomes["services"], check_names=False)


def test_a_higher_discount_rate_lowers_later_costs(tmp_path: Path) -> None:
    costs, _ = _tables(
        tmp_path,
        {
            "services": {SERVICES: {2025: 0.5}},
            "patient": {SERVICES: {2025: 0.5}, "policy.costs.discount_rate": 0.0},
        },
    )
    assert _total(costs, "patient") == pytest.approx(REACHED * 250.0 * 2)
    assert _total(costs, "services") < _total(costs, "patient")


def test_outcomes_averted_and_cost_per_outcome(tmp_path: Path) -> None:
    costs, effectiveness = _tables(tmp_path, {"services": {SERVICES: {2025: 0.5}}})
    assert list(effectiveness.columns) == list(EFFECTIVENESS_COLUMNS)
    row = effectiveness.set_index("outcome").loc["poor_health_person_years"]
    per_replicate = [(0.2 - POOR[("services", r)]) * 10_000 * sum(DISCOUNTS) for r in (0, 1)]
    assert row["averted"] == pytest.approx(sum(per_replicate) / 2)
    assert row["averted_lo"] < row["averted"] < row["averted_hi"]
    assert row["cost_per_outcome_cny"] == pytest.approx(_total(costs, "services") / row["averted"])
    # Runs whose deaths do not respond to health (renormalised to the life table) have no row.
    assert "deaths" not in set(effectiveness["outcome"])
    _, with_deaths = _tables(tmp_path, {"services": {SERVICES: {2025: 0.5}}}, deaths=True)
    assert with_deaths.set_index("outcome").loc["deaths", "averted"] == 0.0  # same deaths here


def test_a_scenario_without_a_lever_still_counts_the_outcomes_it_buys(tmp_path: Path) -> None:
    """A change of behavioural parameters from 2025 costs nothing the model prices, but its
    outcomes are counted from the year it starts (they were dropped with the empty window of
    a scenario whose levers are all off)."""
    costs, effectiveness = _tables(tmp_path, {"better": {"health.mental.base": {2025: 0.7}}})
    row = effectiveness.set_index("outcome").loc["poor_health_person_years"]
    per_replicate = [(0.2 - POOR[("services", r)]) * 10_000 * sum(DISCOUNTS) for r in (0, 1)]
    assert row["averted"] == pytest.approx(sum(per_replicate) / 2)
    assert row["cost_bn_cny_discounted"] == 0.0
    assert pd.isna(row["cost_per_outcome_cny"])  # nothing priced: no price per outcome either
    assert _total(costs, "better") == 0.0  # no lever reached anyone


def test_the_first_changed_year_is_within_the_reported_years() -> None:
    years = range(2020, 2031)
    always = Scenario.from_dict({"health.mental.base": 0.7})
    later = Scenario.from_dict(
        {"health.mental.base": {2025: 0.7}, "health.mental.support": {2027: 0.1}}
    )
    after = Scenario.from_dict({"health.mental.base": {2032: 0.7}})
    assert first_changed_year(always, years) == 2020
    assert first_changed_year(later, years) == 2025
    assert first_changed_year(after, years) is None


def test_a_comparison_writes_both_tables_and_returns_them(tmp_path: Path) -> None:
    # Short runs: services for every out-migrant from 2010, compared to 2012.
    scenario = Scenario.from_dict({"name": "services", SERVICES: {2010: 1.0}})
    plan = plan_comparison([scenario], 2, end=2012, scale=50_000, workers=1)
    result = run_comparison(plan, tmp_path / "cmp")
    assert result.directory is not None
    written = pd.read_parquet(result.directory / "costs.parquet")
    pd.testing.assert_frame_equal(written, result.costs)
    effectiveness = pd.read_parquet(result.directory / "cost_effectiveness.parquet")
    pd.testing.assert_frame_equal(effectiveness, result.cost_effectiveness)
    assert _total(result.costs, "services") > 0
    assert _total(result.costs, "baseline") == 0
    # A comparison holds the baseline's mortality factors: deaths respond, and are reported.
    assert "deaths" in set(effectiveness["outcome"])
    # Services lower depressive symptoms: a positive number of person-years averted.
    depressive = effectiveness.set_index("outcome").loc["depressive_symptom_person_years"]
    assert depressive["averted"] > 0


def test_the_printed_tables_say_each_rows_unit() -> None:
    """Deaths averted are thousands, not "+0.05" million; a quota of hukou conversions reaches
    conversions, not person-years; every outcome row names its unit."""
    from types import SimpleNamespace

    from rich.console import Console

    from migrant_health.cli.compare import cost_tables
    from migrant_health.scenarios.levers import LEVERS

    quota = next(lever.path for lever in LEVERS if lever.eligible == "conversions")
    result = SimpleNamespace(
        costs=pd.DataFrame(
            {
                "scenario": ["open"],
                "lever": [quota],
                "unit": ["CNY per conversion"],
                "reached_person_years": [16.9e6],
                "cost_bn_cny_discounted": [12.0],
            }
        ),
        cost_effectiveness=pd.DataFrame(
            {
                "scenario": ["open", "open"],
                "outcome": ["deaths", "poor_health_person_years"],
                "unit": ["", ""],
                "averted": [51_028.0, 2.5e6],
                "averted_lo": [823.0, 1e6],
                "averted_hi": [95_631.0, 4e6],
                "cost_bn_cny_discounted": [12.0, 12.0],
                "cost_per_outcome_cny": [235_000.0, 4_800.0],
            }
        ),
    )
    console = Console(width=200, record=True)
    for table in cost_tables(result, SimpleNamespace(end=2035, draws=[0, 1])):  # type: ignore[arg-type]
        console.print(table)
    text = console.export_text()
    assert "million conversions" in text and "person-years" not in text.split("What it buys")[0]
    assert "+51.03" in text and "thousand deaths" in text and "[+0.82, +95.63]" in text
    assert "+2.50" in text and "million person-years" in text
