"""Is this checkout slower than an older commit? CPU profiles of both, taken in pairs.

Run from the repository root::

    python benchmarks/speed_vs_commit.py 6a429b1              # 8 pairs of 3 chunks each
    python benchmarks/speed_vs_commit.py 6a429b1 --pairs 13 --chunks 2

It checks the commit out into a temporary git worktree and profiles both checkouts with
section 1 of ``benchmarks/profile_model.py`` (CPU seconds by module of whole chunks of 100,000
agents, 2008-2035, after a warm-up chunk; initialisation apart from the simulation years).
A first round compiles each side's kernels and is not counted. Then, pair by pair, both sides
run at the same time, one on each core (which core alternates), so that both see the same
machine: the speed of a shared or virtual machine moves by a third between runs minutes apart,
and a single pair says little. On one core the sides take turns instead.

It reports each pair, then the ratio this checkout / the commit for the simulation years, for
a whole chunk (initialisation included) and for each module: the geometric mean over pairs
with a 95 % t interval. Issue 9's requirement, for example, is the simulation years' ratio at
most 1.10.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "benchmarks" / "profile_model.py"

# Run in a child whose PYTHONPATH puts one checkout's package first: this checkout's profile
# function, that checkout's model.
_CHILD = """
import importlib.util, json, os, sys
if sys.argv[3] != "any":
    os.sched_setaffinity(0, {int(sys.argv[3])})
spec = importlib.util.spec_from_file_location("profile_model", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
result = module.kernel_profile(200.0, int(sys.argv[2]))
seconds = dict(result["seconds"])
init = seconds.pop("(allocation, synthesis, initialisation)")
print(json.dumps({"init": init, "years": sum(seconds.values()), "modules": seconds,
                  "agent_years": result["agent_years"]}))
"""


def paired_ratio(new: Sequence[float], old: Sequence[float]) -> tuple[float, float, float]:
    """Geometric mean of the pairs' ratios ``new / old`` and its 95 % t interval.

    Args:
        new: Seconds of this checkout, one per pair.
        old: Seconds of the other checkout, the same pairs in the same order.

    Returns:
        The ratio and the interval's lower and upper ends (the interval is NaN with one pair).
    """
    if len(new) != len(old) or not new:
        raise ValueError("one time of each side per pair, at least one pair")
    logs = [math.log(n / o) for n, o in zip(new, old, strict=True)]
    mean = sum(logs) / len(logs)
    if len(logs) < 2:
        return math.exp(mean), math.nan, math.nan
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (len(logs) - 1))
    half = float(stats.t.isf(0.025, len(logs) - 1)) * sd / math.sqrt(len(logs))
    return math.exp(mean), math.exp(mean - half), math.exp(mean + half)


def _profile(source: Path, chunks: int, core: int | None) -> dict[str, object]:
    """One kernel profile of the package under ``source`` (a checkout's ``src``)."""
    env = dict(os.environ, PYTHONPATH=str(source))
    # The child pins itself to its core (a preexec_fn is unsafe with the threads that start
    # the two sides together).
    where = "any" if core is None else str(core)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(PROFILE), str(chunks), where],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"profiling {source} failed:\n{done.stderr[-2000:]}")
    profile: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return profile


def _cores() -> list[int]:
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    return available[:2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the older commit (anything git can check out)")
    parser.add_argument("--pairs", type=int, default=8, help="pairs counted (default 8)")
    parser.add_argument("--chunks", type=int, default=3, help="chunks per profile (default 3)")
    args = parser.parse_args()
    if args.pairs < 1 or args.chunks < 1:
        parser.error("--pairs and --chunks must be at least 1")

    worktree = Path(tempfile.mkdtemp(prefix="speed-vs-")) / "checkout"
    added = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), args.commit],
        capture_output=True,
        text=True,
        check=False,
    )
    if added.returncode != 0:
        parser.error(f"cannot check out {args.commit!r}: {added.stderr.strip()}")
    sides = {"this": ROOT / "src", args.commit: worktree / "src"}
    cores = _cores()
    rows: list[dict[str, dict[str, object]]] = []
    try:
        print("warm-up: compiling both sides' kernels", file=sys.stderr)
        for source in sides.values():
            _profile(source, 1, None)
        for k in range(args.pairs):
            if len(cores) == 2:
                order = list(sides.items()) if k % 2 == 0 else list(sides.items())[::-1]
                with ThreadPoolExecutor(2) as pool:
                    futures = {
                        name: pool.submit(_profile, source, args.chunks, core)
                        for (name, source), core in zip(order, cores, strict=True)
                    }
                    row = {name: future.result() for name, future in futures.items()}
            else:
                row = {name: _profile(source, args.chunks, None) for name, source in sides.items()}
            rows.append(row)
            this, that = row["this"], row[args.commit]
            print(
                f"pair {k + 1}: simulation years {this['years']:.3f} s against "
                f"{that['years']:.3f} s, initialisation {this['init']:.3f} s against "
                f"{that['init']:.3f} s",
                file=sys.stderr,
            )
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(worktree.parent, ignore_errors=True)

    def column(name: str, key: str) -> list[float]:
        return [float(row[name][key]) for row in rows]  # type: ignore[arg-type]

    def whole(name: str) -> list[float]:
        return [y + i for y, i in zip(column(name, "years"), column(name, "init"), strict=True)]

    how = "at once, one per core" if len(cores) == 2 else "in turn"
    print(f"\nthis checkout / {args.commit}, {len(rows)} pairs of {args.chunks} chunks ({how}):")
    lines = [
        ("simulation years", column("this", "years"), column(args.commit, "years")),
        ("whole chunk", whole("this"), whole(args.commit)),
    ]

    def module_seconds(name: str, module: str) -> list[float]:
        seconds = [row[name]["modules"] for row in rows]
        return [float(s.get(module, math.nan)) for s in seconds]  # type: ignore[attr-defined]

    for module in sorted(rows[0]["this"]["modules"]):  # type: ignore[call-overload]
        lines.append(
            (f"  {module}", module_seconds("this", module), module_seconds(args.commit, module))
        )
    for label, new, old in lines:
        if any(math.isnan(o) for o in old):
            print(f"  {label:24s} (not in {args.commit})")
            continue
        ratio, low, high = paired_ratio(new, old)
        print(f"  {label:24s} {ratio:6.3f}  (95 % interval {low:.3f}-{high:.3f})")


if __name__ == "__main__":
    main()
