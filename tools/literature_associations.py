"""Estimate the published associations of ``migrant_health.experiments.associations`` again.

Usage::

    python tools/literature_associations.py [--end 2017] [--scale 20000] [--seeds 1 2]

Simulates each seed to ``end`` with every person in the snapshots of 2008, 2012, 2015 and
``end``, pools the seeds (person ids kept apart) and prints, as a markdown table, each
published figure beside the model's estimate, its 95 % confidence interval and the verdict of
the module's rule (same sign, within a factor of two). The figures in docs/calibration.md
section 10 come from this script with its defaults.
"""

from __future__ import annotations

import argparse

from migrant_health.experiments.associations import estimate_associations, pooled_snapshots


def main() -> None:
    """Print the table of associations."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--end", type=int, default=2017)
    parser.add_argument("--scale", type=float, default=20_000.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    associations = estimate_associations(pooled_snapshots(args.seeds, args.end, args.scale))
    print("| association | reference | source | kind | model (95 % CI) | n | verdict |")
    print("|---|---|---|---|---|---:|---|")
    for a in associations:
        if a.scale == "odds ratio":
            model = f"{a.estimate:.2f} ({a.ci_low:.2f} to {a.ci_high:.2f})"
        else:
            model = f"{a.estimate:+.1f} % ({a.ci_low:+.1f} to {a.ci_high:+.1f})"
        print(
            f"| {a.label} | {a.reference} | {a.source} | {a.kind} | {model} | {a.n:,} | "
            f"{a.verdict} |"
        )


if __name__ == "__main__":
    main()
