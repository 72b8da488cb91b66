"""Print how far each cell drifts under frozen 2008 conditions, as measured and at a fixed mix.

Usage::

    python tools/frozen_cells.py [--seeds 3-22] [--scale 10000] [--top 12]

Runs 2008-2013 under frozen 2008 conditions for each seed (about 2 seconds a seed at the
default scale, once compiled), and prints, as markdown tables, the cells that move most: their poor
self-rated health and depressive symptoms in points a year averaged over the seeds, as measured
(what ``tests/test_steady_start.py`` bounds by half a point) and held at the base year's mix of
single ages, spells and years in the city (``migrant_health.experiments.frozen_cells``). The
figures of docs/model.md section 5 come from this script with ``--seeds 3-22``.
"""

from __future__ import annotations

import argparse

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeRemainingColumn

from migrant_health import RunConfig, small_runs
from migrant_health.cli.progress import transient_bar
from migrant_health.experiments.frozen_cells import (
    BOUND,
    SCALE,
    base_year_parameters,
    beyond_bound,
    frozen_run,
    pooled_trends,
)


def seed_list(text: str) -> list[int]:
    """Seeds from ``3-22`` (a range, ends included) or ``3,4,7`` (a list)."""
    try:
        if "-" in text:
            first, last = (int(part) for part in text.split("-", 1))
            if last < first:
                raise ValueError
            return list(range(first, last + 1))
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--seeds {text!r}: give a range such as 3-22 or a list such as 3,4,7"
        ) from None


def table(trends: pd.DataFrame, top: int) -> str:
    """The ``top`` cells by their larger absolute trend, as a markdown table."""
    order = trends[["poor_health", "depressed"]].abs().max(axis=1).sort_values(ascending=False)
    lines = [
        "| status | years in city | age | sex | poor health | depressed |",
        "|---|---|---|---|---:|---:|",
    ]
    for _, row in trends.loc[order.index[:top]].iterrows():
        lines.append(
            f"| {row['status']} | {row['band']} | {row['age_band']} | {row['sex']} "
            f"| {row['poor_health']:+.3f} | {row['depressed']:+.3f} |"
        )
    return "\n".join(lines)


def summary(name: str, trends: pd.DataFrame, top: int) -> str:
    """A heading, the cells beyond the bound, the mean absolute trends and the table."""
    moving = beyond_bound(trends)
    means = trends[["poor_health", "depressed"]].abs().mean()
    return (
        f"## {name}\n\n{len(moving)} of {len(trends)} cells move by more than {BOUND} points a "
        f"year; mean absolute trends {means['poor_health']:.3f} (poor health) and "
        f"{means['depressed']:.3f} (depressed) points a year.\n\n{table(trends, top)}\n"
    )


def main() -> None:
    """Run the frozen seeds and print both tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_list, default=seed_list("3-22"))
    parser.add_argument("--scale", type=float, default=SCALE)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    if not args.scale >= 1.0:
        parser.error(f"--scale {args.scale}: give at least 1 person per agent")
    p = base_year_parameters()
    columns = (
        TextColumn("frozen runs"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with transient_bar(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("runs", total=len(args.seeds))
        runs = (frozen_run(seed, args.scale) for seed in args.seeds)
        measured, held = pooled_trends(runs, p, done=lambda: progress.advance(task))
    seeds = ", ".join(str(seed) for seed in args.seeds)
    # The scale the runs had (MIGRANT_HEALTH_SMALL_RUNS raises a small one).
    scale = small_runs.shrink_run(RunConfig(scale=args.scale)).scale
    print(f"Frozen 2008 conditions, 2008-2013, scale {scale:,.0f}, seeds {seeds}.\n")
    for name, trends in (("As measured", measured), ("At the base year's mix", held)):
        print(summary(name, trends, args.top))


if __name__ == "__main__":
    main()
