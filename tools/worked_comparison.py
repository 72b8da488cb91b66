"""Print the figures of docs/policy.md section 6 ("A worked comparison") from a comparison.

Usage::

    python tools/worked_comparison.py DIR               # the comparison's last year
    python tools/worked_comparison.py DIR --year 2030   # the delta table of another year

``DIR`` is a directory written by ``migrant-health compare``; for the section's figures, the
one written by the command of docs/policy.md, section 3 (``--out worked``), run from the
repository with the package importable (installed, or ``PYTHONPATH=src``).

The script prints, as Markdown:

1. the run facts the section's opening paragraph quotes: the scenarios, years, scale and
   workers, the number of runs, the replicates' seeds and parameter sets (from
   ``comparison.json``), the timings it recorded, and the rows of ``aggregates.parquet`` and
   ``deltas.parquet``;
2. the table of selected deltas with their 90 % intervals (:data:`DELTA_ROWS`: which metric and
   group each row reads from ``deltas.parquet``, and in which unit);
3. the table of costs and what they buy (``costs.parquet`` and
   ``cost_effectiveness.parquet``; docs/policy.md, section 7, "Costs and discounting").

Every figure is read with DuckDB SQL from the directory's files; nothing is simulated, so the
section's tables can be re-made from any comparison in seconds. A cell whose metric, group or
outcome the comparison does not hold is printed as ``-``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from migrant_health.experiments.costs import DISCOUNT_RATE
from migrant_health.params import ParameterTree
from migrant_health.scenarios.levers import LEVERS

#: Lever items named in the cost table's "largest items" column, by cost.
LARGEST_ITEMS = 4
MISSING = "-"


@dataclass(frozen=True)
class DeltaRow:
    """One row of the table of selected deltas.

    Attributes:
        label: The row's label in the doc.
        metric: The metric of ``deltas.parquet``.
        group: The group of ``deltas.parquet`` (``all``: rural-hukou adults).
        factor: What a value is multiplied by for the table (100 for a share in points, 1e-6
            for millions, ...).
        baseline_format: Format of the baseline column (``format`` spec).
        delta_format: Format of the delta and its interval's ends (the delta gets a sign).
    """

    label: str
    metric: str
    group: str
    factor: float
    baseline_format: str
    delta_format: str


POINTS = 100.0
THOUSANDS = 1e-3
MILLIONS = 1e-6
BILLIONS = 1e-9
OUT_MIGRANTS = "status=out_migrant"
#: The rows of the table of selected deltas, in the doc's order.
DELTA_ROWS: tuple[DeltaRow, ...] = (
    DeltaRow("Working over 44 h a week (points)", "share_over_44h", "all", POINTS, ".1f", ".1f"),
    DeltaRow(
        "Monthly income of migrant workers (CNY)", "monthly_income_mean", "all", 1.0, ",.0f", ",.0f"
    ),
    DeltaRow(
        "Insured in the destination (points)",
        "insured_destination_share",
        "all",
        POINTS,
        ".1f",
        ".1f",
    ),
    DeltaRow(
        "Health record at the destination (points)",
        "health_record_share",
        "all",
        POINTS,
        ".1f",
        ".1f",
    ),
    DeltaRow("Intend to stay (points)", "stay_intention_share", "all", POINTS, ".1f", ".1f"),
    DeltaRow("Integration index, out-migrants", "integration_index", "all", 1.0, ".3f", ".3f"),
    DeltaRow("identity dimension", "integration_identity", "all", 1.0, ".3f", ".3f"),
    DeltaRow(
        "Depressive symptoms, out-migrants (points)",
        "depression_share",
        OUT_MIGRANTS,
        POINTS,
        ".1f",
        ".1f",
    ),
    DeltaRow("Poor self-rated health (points)", "poor_health_share", "all", POINTS, ".1f", ".2f"),
    DeltaRow(
        "Poor self-rated health, out-migrants (points)",
        "poor_health_share",
        OUT_MIGRANTS,
        POINTS,
        ".2f",
        ".2f",
    ),
    DeltaRow("Deaths (thousand a year)", "deaths", "all", THOUSANDS, ",.0f", ".1f"),
    DeltaRow(
        "Health-driven returns (million a year)",
        "returns_health_driven",
        "all",
        MILLIONS,
        ".2f",
        ".2f",
    ),
    DeltaRow("Re-migrations (million a year)", "remigrations", "all", MILLIONS, ".2f", ".2f"),
    DeltaRow(
        "Hukou conversions (million a year)", "hukou_conversions", "all", MILLIONS, ".2f", ".2f"
    ),
    DeltaRow(
        "Local migrant workers (million)", "migrant_workers_local", "all", MILLIONS, ".1f", ".1f"
    ),
    DeltaRow(
        "Medical spending borne at origin (bn CNY a year)",
        "rural_medical_spending",
        "all",
        BILLIONS,
        ",.0f",
        ".1f",
    ),
)
#: The outcome columns of the cost table: (header, outcome of cost_effectiveness.parquet,
#: factor). Outcomes are in millions, deaths in thousands.
OUTCOME_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("poor-health person-years averted", "poor_health_person_years", MILLIONS),
    ("depressive-symptom person-years averted", "depressive_symptom_person_years", MILLIONS),
    ("catastrophic-spending events averted", "catastrophic_spending_events", MILLIONS),
    ("deaths averted (thousand)", "deaths", THOUSANDS),
)
#: The outcome whose cost per outcome the table's last column gives.
PRICED_OUTCOME = ("CNY per depressive-symptom person-year", "depressive_symptom_person_years")


def _number(value: Any, spec: str, factor: float = 1.0) -> str:
    """``value`` times ``factor`` formatted with ``spec``, or :data:`MISSING` if missing or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return format(float(value) * factor, spec)


def _interval(values: Sequence[Any], factor: float, spec: str, *, signed: bool) -> str:
    """``value [low, high]`` of ``values`` times ``factor`` (``+value`` when ``signed``).

    Args:
        values: The value and its interval's ends.
        factor: What they are multiplied by (the unit of the table).
        spec: Their format.
        signed: Whether the value gets a sign (a delta).

    Returns:
        The cell, or :data:`MISSING` if any of the three is missing or NaN.
    """
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        return MISSING
    value, low, high = (float(v) * factor for v in values)
    head = format(value, ("+" if signed else "") + spec)
    return f"{head} [{format(low, spec)}, {format(high, spec)}]"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _scenarios(metadata: dict[str, Any]) -> tuple[str, list[str]]:
    """The baseline's name and the compared scenarios' names, in the comparison's order."""
    names = [str(s["name"]) for s in metadata["scenarios"]]
    return names[0], names[1:]


def _percent(share: float) -> str:
    return f"{100 * share:g} %"


def read_metadata(folder: Path) -> dict[str, Any]:
    """The content of a comparison's ``comparison.json``.

    Args:
        folder: The comparison directory.

    Raises:
        SystemExit: If ``folder`` is not a comparison directory.
    """
    path = folder / "comparison.json"
    if not path.is_file():
        raise SystemExit(f"{folder}: not a comparison directory (no comparison.json)")
    metadata: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if metadata.get("kind") != "comparison":
        raise SystemExit(f"{path}: kind is {metadata.get('kind')!r}, not 'comparison'")
    return metadata


def _rows_of(connection: duckdb.DuckDBPyConnection, path: Path) -> int:
    found = connection.execute("SELECT count(*) FROM read_parquet($path)", {"path": str(path)})
    row = found.fetchone()
    assert row is not None
    return int(row[0])


def rounded_count(count: int) -> str:
    """A row count as the doc quotes it: ``3.2 million``, ``638,000``."""
    if count >= 1_000_000:
        return f"{count / 1e6:.1f} million"
    if count >= 1_000:
        return f"{round(count, 3 - len(str(count))):,}"
    return str(count)


def _seeds(seeds: Sequence[int]) -> str:
    """``1-5`` for consecutive seeds, else the list."""
    if len(seeds) > 1 and list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(str(s) for s in seeds)


def _and(items: Sequence[str]) -> str:
    """``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _parameter_sets(draws: Sequence[dict[str, Any]]) -> str:
    """``shipped, trials 135, 140, 86 and 68`` from ``replicate_draws``."""
    sets = [d["parameter_set"] for d in draws]
    shipped = ["shipped"] if "shipped" in sets else []
    trials = [str(s) for s in sets if s != "shipped"]
    if not trials:
        return ", ".join(shipped)
    word = "trial" if len(trials) == 1 else "trials"
    return ", ".join([*shipped, f"{word} {_and(trials)}"])


def run_facts(folder: Path, metadata: dict[str, Any]) -> list[str]:
    """The facts the section's opening paragraph quotes, as Markdown bullets.

    Args:
        folder: The comparison directory.
        metadata: Its ``comparison.json``.
    """
    config = metadata["config"]
    baseline, compared = _scenarios(metadata)
    replicates = int(metadata["replicates"])
    runs = (1 + len(compared)) * replicates
    draws = metadata.get("replicate_draws", [])
    with duckdb.connect() as connection:
        aggregates = _rows_of(connection, folder / "aggregates.parquet")
        deltas = _rows_of(connection, folder / "deltas.parquet")
    lines = [
        f"- scenarios: {baseline} (the reference), {', '.join(compared)}",
        f"- years {config['start']}-{config['end']}, {config['scale']:,.0f} persons per agent, "
        f"{config['workers']} workers, seed {config['seed']}",
        f"- runs: {runs} ({1 + len(compared)} scenarios x {replicates} replicates)",
    ]
    if draws:
        seeds = _seeds([int(d["seed"]) for d in draws])
        lines.append(f"- replicates: seeds {seeds}; parameter sets: {_parameter_sets(draws)}")
        for d in draws:
            lines.append(
                f"  - replicate {d['replicate']}: seed {d['seed']}, parameter set "
                f"{d['parameter_set']}"
            )
    rule = metadata.get("parameter_draws")
    if rule:
        lines.append(
            f"- parameter draws: study {rule.get('study')}, {rule.get('qualifying_trials')} of "
            f"{rule.get('trials')} trials qualify"
        )
    timings = metadata.get("timings_seconds") or {}
    if timings:
        recorded = ", ".join(f"{k} {float(v):,.1f} s" for k, v in timings.items())
        lines.append(f"- timings recorded in comparison.json: {recorded}")
        if {"total", "simulate", "tables"} <= set(timings):
            lines.append(
                f"- as the doc words it: {runs} runs in {float(timings['total']):.0f} s "
                f"({float(timings['simulate']):.0f} s simulating, "
                f"{float(timings['tables']):.0f} s for the tables, costs included)"
            )
    else:
        lines.append("- timings: none recorded in comparison.json")
    lines.append(
        f"- rows: {aggregates:,} in aggregates.parquet ({rounded_count(aggregates)}), "
        f"{deltas:,} in deltas.parquet ({rounded_count(deltas)})"
    )
    return lines


def delta_table(folder: Path, metadata: dict[str, Any], year: int) -> list[str]:
    """The table of selected deltas in ``year``, as Markdown lines (caption first).

    The baseline column is the baseline's mean over replicates; each scenario's cell is its
    mean delta and the 5th-95th percentiles of the per-replicate deltas (docs/policy.md,
    section 4), in the row's unit.

    Args:
        folder: The comparison directory.
        metadata: Its ``comparison.json``.
        year: The year of the table.

    Raises:
        SystemExit: If ``deltas.parquet`` holds no row of ``year``.
    """
    baseline, compared = _scenarios(metadata)
    with duckdb.connect() as connection:
        found = connection.execute(
            """
            SELECT scenario, metric, "group", baseline, delta, delta_lo, delta_hi
            FROM read_parquet($path)
            WHERE year = $year AND list_contains($metrics, metric)
            """,
            {
                "path": str(folder / "deltas.parquet"),
                "year": year,
                "metrics": sorted({r.metric for r in DELTA_ROWS}),
            },
        ).fetchall()
    if not found:
        raise SystemExit(f"{folder / 'deltas.parquet'}: no row of the year {year}")
    cells = {(str(s), str(m), str(g)): (b, d, lo, hi) for s, m, g, b, d, lo, hi in found}
    interval = _percent(float(metadata.get("interval", 0.9)))
    lines = [
        f"Selected deltas in {year} (shares in percentage points; rural-hukou adults unless said):",
        "",
        _row([f"{year}, delta [{interval} interval]", "baseline", *(f"`{n}`" for n in compared)]),
        "|---|" + "---:|" * (1 + len(compared)),
    ]
    for spec in DELTA_ROWS:
        reference = cells.get((baseline, spec.metric, spec.group))
        row = [
            spec.label,
            _number(reference[0], spec.baseline_format, spec.factor) if reference else MISSING,
        ]
        for name in compared:
            cell = cells.get((name, spec.metric, spec.group))
            row.append(
                _interval(cell[1:], spec.factor, spec.delta_format, signed=True)
                if cell
                else MISSING
            )
        lines.append(_row(row))
    return lines


def _first_lever_years(metadata: dict[str, Any]) -> set[int]:
    """Each compared scenario's first year with a lever on (the year costs discount to)."""
    start, end = int(metadata["config"]["start"]), int(metadata["config"]["end"])
    levers = {lever.path for lever in LEVERS}
    firsts = set()
    for scenario in metadata["scenarios"][1:]:
        years = []
        for path, value in scenario.get("overrides", {}).items():
            if path not in levers:
                continue
            by_year = value if isinstance(value, dict) else {start: value}
            years += [int(y) for y, v in by_year.items() if float(v) > 0]
        if years and min(years) <= end:
            firsts.add(max(start, min(years)))
    return firsts


def _cost_caption(metadata: dict[str, Any]) -> str:
    """The caption of the cost table: years, discounting and replicates."""
    end = int(metadata["config"]["end"])
    firsts = _first_lever_years(metadata)
    set_rate = any(DISCOUNT_RATE in s.get("overrides", {}) for s in metadata["scenarios"])
    if len(firsts) == 1:
        (t0,) = firsts
        rate = (
            "at the rate each scenario sets"
            if set_rate
            else f"at {_percent(ParameterTree.load().scalar(DISCOUNT_RATE, t0))}"
        )
        when = f"{t0}-{end}, discounted {rate} to {t0}"
    else:
        when = f"from each scenario's first lever year to {end}, discounted to that year"
    replicates = int(metadata["replicates"])
    interval = _percent(float(metadata.get("interval", 0.9)))
    return (
        f"Costs (bn CNY, {when}; mean of the {replicates} replicates) and what they\n"
        f"buy (millions, deaths in thousands, discounted alike; {interval} intervals over "
        "replicates):"
    )


def cost_table(folder: Path, metadata: dict[str, Any]) -> list[str]:
    """The table of costs and what they buy, as Markdown lines (caption first).

    ``cost`` is the scenario's ``total`` row of ``costs.parquet``; the largest items are its
    :data:`LARGEST_ITEMS` costliest levers (by their last path element); the outcomes are
    ``cost_effectiveness.parquet``'s mean and 90 % interval over replicates (millions, deaths
    in thousands) and the last column its cost per depressive-symptom person-year averted.

    Args:
        folder: The comparison directory.
        metadata: Its ``comparison.json``.
    """
    _, compared = _scenarios(metadata)
    with duckdb.connect() as connection:
        costs = connection.execute(
            """
            SELECT scenario, lever, cost_bn_cny_discounted,
                   row_number() OVER (PARTITION BY scenario, lever = 'total'
                                      ORDER BY cost_bn_cny_discounted DESC, lever) AS rank
            FROM read_parquet($path)
            ORDER BY scenario, rank
            """,
            {"path": str(folder / "costs.parquet")},
        ).fetchall()
        outcomes = connection.execute(
            """
            SELECT scenario, outcome, averted, averted_lo, averted_hi, cost_per_outcome_cny
            FROM read_parquet($path)
            """,
            {"path": str(folder / "cost_effectiveness.parquet")},
        ).fetchall()
    totals = {str(s): float(c) for s, lever, c, _ in costs if lever == "total"}
    items: dict[str, list[str]] = {}
    for scenario, lever, cost, rank in costs:
        if lever != "total" and rank <= LARGEST_ITEMS:
            items.setdefault(str(scenario), []).append(f"{lever.rsplit('.', 1)[-1]} {cost:,.0f}")
    averted = {(str(s), str(o)): (a, lo, hi, price) for s, o, a, lo, hi, price in outcomes}
    header = [
        "scenario",
        "cost",
        "largest items (bn CNY)",
        *(title for title, _, _ in OUTCOME_COLUMNS),
        PRICED_OUTCOME[0],
    ]
    lines = [
        _cost_caption(metadata),
        "",
        _row(header),
        "|---|---:|---|" + "---:|" * (len(OUTCOME_COLUMNS) + 1),
    ]
    for name in compared:
        row = [f"`{name}`", _number(totals.get(name), ",.0f"), ", ".join(items.get(name, []))]
        for _, outcome, factor in OUTCOME_COLUMNS:
            cell = averted.get((name, outcome))
            row.append(_interval(cell[:3], factor, ".1f", signed=False) if cell else MISSING)
        priced = averted.get((name, PRICED_OUTCOME[1]))
        row.append(_number(priced[3], ",.0f") if priced else MISSING)
        lines.append(_row(row))
    return lines


def worked_comparison(folder: Path, year: int | None = None) -> str:
    """Everything the script prints: run facts, the delta table and the cost table.

    Args:
        folder: A comparison directory.
        year: The year of the delta table (default: the comparison's last year).
    """
    metadata = read_metadata(folder)
    year = int(metadata["config"]["end"]) if year is None else year
    parts = [
        "Run facts:",
        "",
        *run_facts(folder, metadata),
        "",
        *delta_table(folder, metadata, year),
        "",
        *cost_table(folder, metadata),
    ]
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the worked comparison of the directory given on the command line.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status (0).
    """
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("folder", type=Path, help="a directory written by migrant-health compare")
    parser.add_argument(
        "--year", type=int, default=None, help="year of the delta table (default: the last)"
    )
    args = parser.parse_args(argv)
    sys.stdout.write(worked_comparison(args.folder, args.year))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
