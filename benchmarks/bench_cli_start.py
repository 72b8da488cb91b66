"""How long the command line takes to answer a quick command: the cost of starting it.

Run from the repository root::

    python benchmarks/bench_cli_start.py               # 5 runs of each command
    python benchmarks/bench_cli_start.py --runs 11     # more runs, a steadier median
    python benchmarks/bench_cli_start.py --program /other/venv/bin/migrant-health

Each run is a fresh process of the ``migrant-health`` script (by default the one installed
beside this Python), timed on the clock from start to exit with its output discarded, as a user
waits for it. Measured: ``--help`` and ``--version``, which only start the command line (the
import of the package and of every command's module), and ``scenarios list``, the lightest
command that does work (it reads the parameters and the shipped scenarios). The commands take
turns, one run of each after the other, so that a change in the machine's load falls on all of
them alike. Printed per command: the median and the range of the wall time.

The script imports the package from wherever the program does, so ``PYTHONPATH=src`` times
the source tree of this checkout with the environment's dependencies.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (["--help"], ["--version"], ["scenarios", "list"])


def default_program() -> str:
    """The ``migrant-health`` script beside this Python, else the one on the PATH."""
    beside = Path(sys.executable).with_name("migrant-health")
    if beside.exists():
        return str(beside)
    found = shutil.which("migrant-health")
    if found is None:
        sys.exit("no migrant-health script: install the package or pass --program")
    return found


def wall_seconds(program: str, arguments: list[str]) -> float:
    """The wall time of one run of ``program arguments``, which must succeed."""
    began = time.perf_counter()
    subprocess.run(
        [program, *arguments],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument(
        "--program", default=None, help="the migrant-health script (default: this Python's)"
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    program = args.program or default_program()
    times: dict[str, list[float]] = {" ".join(c): [] for c in COMMANDS}
    for _ in range(args.runs):
        for command in COMMANDS:
            times[" ".join(command)].append(wall_seconds(program, command))
    print(f"{program}, {args.runs} run(s) of each command")
    print(f"{'command':<16}{'median s':>10}{'min s':>8}{'max s':>8}")
    for name, seconds in times.items():
        print(
            f"{name:<16}{statistics.median(seconds):>10.2f}{min(seconds):>8.2f}{max(seconds):>8.2f}"
        )


if __name__ == "__main__":
    main()
