"""Measure how alike a synthetic survey and the simulation classify the same people.

Usage::

    python tools/survey_agreement.py [--year 2018] [--n 4000] [--scale 20000] [--seeds 1 2]

For each seed it simulates to the survey year, draws a synthetic survey of ``n`` out-migrants
and prints, for equal, PCA and entropy weights of the survey index: the stage shares by the
survey and by the simulation, Cohen's kappa of survey stage against simulated stage, and the
correlation of the survey index with the simulated index; then, for equal weights, the mean
and correlation of each dimension score against the simulated one. The figures in
``docs/survey.md`` section 7 come from this script with its defaults.
"""

from __future__ import annotations

import argparse

from migrant_health import RunConfig, simulate
from migrant_health.analysis.index import IntegrationIndex
from migrant_health.analysis.weighting import METHODS
from migrant_health.experiments.agreement import Agreement, agreement
from migrant_health.experiments.synthetic_survey import draw_survey


def _shares(shares: dict[str, float]) -> str:
    return " / ".join(f"{100 * v:.1f}" for v in shares.values())


def _line(seed: int, result: Agreement) -> str:
    return (
        f"| {seed} | {result.method} | {_shares(result.survey_shares)} | "
        f"{_shares(result.simulated_shares)} | {result.kappa:.3f} | {result.correlation:.3f} |"
    )


def main() -> None:
    """Print the agreement table (markdown) for each seed and weighting."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--scale", type=float, default=20_000.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print("| seed | weights | survey stages % (emb / drift / integ) | simulated | kappa | r |")
    print("|---|---|---|---|---|---|")
    dimensions = []
    for seed in args.seeds:
        run = simulate(
            RunConfig(
                end=args.year,
                scale=args.scale,
                seed=seed,
                snapshot_years=(args.year,),
                snapshot_fraction=1.0,
            )
        )
        table = draw_survey(run, args.n)
        for method in METHODS:
            result = agreement(table, method)
            print(_line(seed, result))
            if method == "equal":
                dimensions.append(result.dimensions.assign(seed=seed))
        weights = IntegrationIndex("entropy").fit(table).dimension_weights_
        print(f"<!-- seed {seed}: entropy dimension weights {weights.round(2).to_dict()} -->")
    for frame in dimensions:
        print()
        print(frame.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
