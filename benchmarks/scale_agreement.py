"""Does a run agree with the same model at a reduced scale, within sampling error?

Run from the repository root, on a finished run directory (for example the national 1:1 run)::

    python benchmarks/scale_agreement.py runs/national --reference-scale 1000

It reads the run's settings from its ``run.json``, simulates the same settings at the
reference scale once per seed, and compares every headline figure (``headlines.HEADLINES``) in
the summary years (2008, 2015, 2022 and the last year): the run's value, the mean and standard
deviation of the reference runs, and

    z = (run - mean) / sqrt(sd^2 / seeds + sd^2 * run scale / reference scale)

the second term being the run's own sampling error (a run of ``scale`` persons per agent has
``scale / reference scale`` times the variance of a reference run). Counts are compared per
person (a run's counts are persons already, whatever its scale). Under agreement each ``z``
follows a t distribution with ``seeds - 1`` degrees of freedom (the standard deviation is
estimated from the seeds); the script prints how many ``|z|`` above 2 and 3 that distribution
gives for this many comparisons, and exits 1 if any ``|z|`` passes the family-wise bound (the
t quantile that all comparisons together pass by chance at most 5 % of the time,
Bonferroni).

Thirty seeds by default (``--replicates``): with ten, the seeds' standard deviation is itself
uncertain by about a quarter, and the national 1:1 run's first comparison (ten seeds at scale
1,000) showed a "tilt" toward out-migrants that thirty seeds, and a reference at scale 100,
did not (docs/performance.md, the national 1:1 run).

A run of a chunk range (``--chunks``) is not a sample of the whole population and is refused.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from migrant_health import RunConfig, simulate
from migrant_health.headlines import HEADLINES, summary_years
from migrant_health.store import read_aggregates


def reference_values(config: dict, scale: float, seeds: list[int], workers: int) -> pd.DataFrame:
    """Headline values of the run's settings at ``scale``, one column per seed."""
    columns = {}
    for seed in seeds:
        result = simulate(
            RunConfig(
                start=config["start"],
                end=config["end"],
                scale=scale,
                seed=seed,
                workers=workers,
                communities_per_chunk=config["communities_per_chunk"],
                community_size=config["community_size"],
            )
        )
        columns[seed] = result.aggregates.set_index(["metric", "group", "year"])["value"]
        print(f"  reference run at scale {scale:g}, seed {seed}: done", file=sys.stderr)
    return pd.DataFrame(columns)


def reference_seeds(listed: list[int] | None, replicates: int, run_seed: int) -> list[int]:
    """The reference runs' seeds: those listed (each once), or ``replicates`` seeds from 2 up.

    The run's own seed is never a reference: its draws are keyed by seed and person id at every
    scale, so a reference run with the same seed would share them and understate the difference.
    """
    if listed is not None:
        return [seed for seed in dict.fromkeys(listed) if seed != run_seed]
    return [seed for seed in range(2, 3 + replicates) if seed != run_seed][:replicates]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path, help="Directory of a finished run")
    parser.add_argument("--reference-scale", type=float, default=1000.0)
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--replicates",
        type=int,
        default=30,
        help="Reference runs, seeds 2, 3, ... skipping the run's own (default 30)",
    )
    chosen.add_argument("--seeds", type=int, nargs="+", help="Reference seeds, listed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="Also write the table here")
    args = parser.parse_args()

    meta = json.loads((args.run / "run.json").read_text())
    config = meta["config"]
    if config.get("chunks") is not None:
        parser.error(f"{args.run} holds chunks {config['chunks']} only: combine the parts first")
    if config.get("scenario") is not None or config.get("frozen"):
        parser.error("compare baseline runs only (the run has a scenario or frozen conditions)")
    seeds = reference_seeds(args.seeds, args.replicates, int(config["seed"]))
    if len(seeds) < 2:
        parser.error("at least two reference seeds are needed for a standard deviation")
    if len(seeds) < 10:
        print(
            f"note: {len(seeds)} seeds estimate the reference's spread poorly; the family-wise "
            "bound is wide and the check weak (thirty by default)",
            file=sys.stderr,
        )
    run = read_aggregates(args.run).set_index(["metric", "group", "year"])["value"]
    reference = reference_values(config, args.reference_scale, seeds, args.workers)

    years = summary_years(sorted(int(y) for y in run.index.get_level_values("year").unique()))
    ratio = config["scale"] / args.reference_scale
    rows = []
    for label, metric, group, factor, _ in HEADLINES:
        for year in years:
            key = (metric, group, year)
            if key not in run.index or key not in reference.index:
                continue
            values = reference.loc[key].to_numpy(dtype=float)
            mean, sd = float(values.mean()), float(values.std(ddof=1))
            se = sd * math.sqrt(1.0 / len(values) + ratio)
            z = (float(run.loc[key]) - mean) / se if se > 0 else float("nan")
            rows.append((label.strip(), year, run.loc[key] * factor, mean * factor, sd * factor, z))
    table = pd.DataFrame(rows, columns=["headline", "year", "run", "reference", "sd", "z"])
    with pd.option_context("display.width", 160, "display.max_rows", 500):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    finite = table["z"].dropna().abs()
    dof = len(seeds) - 1
    bound = float(stats.t.isf(0.025 / max(len(finite), 1), dof))
    print(
        f"\n{len(finite)} comparisons: |z| > 2 in {int((finite > 2).sum())} (chance: "
        f"{len(finite) * 2 * stats.t.sf(2, dof):.1f}), > 3 in {int((finite > 3).sum())} "
        f"(chance: {len(finite) * 2 * stats.t.sf(3, dof):.1f}); largest |z| {finite.max():.2f}, "
        f"family-wise bound {bound:.2f} (run at scale {config['scale']:g}, reference "
        f"{args.reference_scale:g} x {len(seeds)} seeds)"
    )
    if args.json:
        args.json.write_text(table.to_json(orient="records", indent=1))
    sys.exit(0 if np.all(finite <= bound) else 1)


if __name__ == "__main__":
    main()
