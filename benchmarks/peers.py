"""Peer benchmark: one reduced model in this engine, Mesa 3, mesa-frames and Starsim.

Run from the repository root, in an environment with the ``peers`` extra (docs/performance.md,
"Peer benchmark")::

    python benchmarks/peers.py                                   # 1e4 to 1e7 agents, 20 years
    python benchmarks/peers.py --agents 1e4 1e5 --peers mesa starsim --json peers.json
    python benchmarks/peers.py --agents 1e4 --peers none         # this engine alone

Every (engine, size) runs in its own child process pinned to one core (so no engine uses more
cores than another, and peak memory is that engine's alone); the clock covers building the
population and simulating the years, after a small warm-up run of the same engine (which
compiles this engine's kernels and whatever a peer compiles or loads on first use). The same
run measures the memory bandwidth of one core (a NumPy copy) and converts it into the
agent-years per second that reading and writing the state once per year would allow. Each
peer's result is checked against this engine's at the same size: shares in the city, mean
health and survival must agree within sampling error. A peer whose last size predicts more
than ``--time-limit`` seconds (or more memory than is free) at the next size is skipped there,
and the table says so.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import importlib.metadata
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peer_models.reduced_model import (
    STATE_BYTES,
    ReducedModel,
    Summary,
    agree,
    z_scores,
)

THIS_ENGINE = "this-engine"
PEERS = ("mesa", "mesa-frames", "starsim")


@dataclass(frozen=True)
class Engine:
    """Where an engine's implementation lives and what it needs installed."""

    module: str
    function: str
    requires: str | None  # the import name of the framework (None: this package)
    distribution: str  # its name on the package registry, for its version


ENGINES = {
    THIS_ENGINE: Engine("peer_models.this_engine", "simulate_engine", None, "migrant_health"),
    "mesa": Engine("peer_models.mesa_agents", "simulate_mesa", "mesa", "mesa"),
    "mesa-frames": Engine(
        "peer_models.mesa_frames_model", "simulate_mesa_frames", "mesa_frames", "mesa-frames"
    ),
    "starsim": Engine("peer_models.starsim_model", "simulate_starsim", "starsim", "starsim"),
}

# One thread everywhere: Polars and any BLAS would otherwise start a thread per core, and the
# affinity mask alone would leave them fighting over one.
ONE_THREAD = {
    name: "1"
    for name in (
        "POLARS_MAX_THREADS",
        "NUMBA_NUM_THREADS",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
    )
}


@dataclass(frozen=True)
class Bounds:
    """What the machine allows, measured on one core in the same run."""

    bandwidth: float  # bytes per second read plus written by a NumPy copy
    draw_floor: float  # agent-years per second of this engine's three draws alone

    @property
    def memory_bound(self) -> float:
        """Agent-years per second if a year only read and wrote each agent's state once."""
        return self.bandwidth / (2 * STATE_BYTES)


@dataclass
class Row:
    """One (engine, size) of the table."""

    engine: str
    agents: int
    years: int
    version: str = ""
    agent_years: int = 0
    seconds: float = float("nan")
    rate: float = float("nan")  # agent-years per second
    peak_rss_mb: float = float("nan")
    base_rss_mb: float = float("nan")  # after imports, before the population is built
    speedup: float = float("nan")  # this engine's rate over this row's (peers only)
    max_abs_z: float = float("nan")  # largest |z| against this engine at the same size
    agrees: bool | None = None
    note: str = ""
    summary: dict[str, Any] = field(default_factory=dict)


# -- the child: one engine, one size ------------------------------------------------------------


def _pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(engine: str, agents: int, years: int, seed: int) -> dict[str, Any]:
    """Run one engine at one size in this process; what the parent reads back as JSON."""
    _pin_to_one_core()
    spec = ENGINES[engine]
    simulate = getattr(importlib.import_module(spec.module), spec.function)
    model = ReducedModel()
    # A small run first, off the clock, for every engine alike: it compiles this engine's
    # kernels and any a peer compiles (Starsim's Numba functions) or loads lazily, so the clock
    # measures the simulation, not one-time set-up that a second run would not pay.
    simulate(model, 1_000, 2, seed + 1)
    base = _rss_mb()
    began = time.perf_counter()
    summary: Summary = simulate(model, agents, years, seed)
    seconds = time.perf_counter() - began
    return {
        "version": importlib.metadata.version(spec.distribution),
        "seconds": seconds,
        "peak_rss_mb": _rss_mb(),
        "base_rss_mb": base,
        "summary": asdict(summary),
    }


def measure_bandwidth(megabytes: int = 256, repeats: int = 5) -> float:
    """Bytes per second one core moves in a NumPy copy (read plus write), best of ``repeats``."""
    _pin_to_one_core()
    source = np.ones(megabytes * 2**20 // 8)
    target = np.empty_like(source)
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        np.copyto(target, source)
        best = min(best, time.perf_counter() - began)
    return 2 * source.nbytes / best


# -- the parent: sizes, skips, checks, table -----------------------------------------------------


def _child(args: list[str], timeout: float, python: str | None = None) -> dict[str, Any]:
    env = {**os.environ, **ONE_THREAD, "STARSIM_INSTALL_FONTS": "0"}
    done = subprocess.run(
        [python or sys.executable, str(Path(__file__).resolve()), "--child", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"exit {done.returncode}: {last}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _free_memory_mb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("inf")


def _skip_reason(previous: Row | None, agents: int, limit: float) -> str:
    """Why an engine should not run at ``agents``, predicted linearly from its last size."""
    if previous is None or previous.agents <= 0:
        return ""
    if not np.isfinite(previous.seconds):
        return f"skipped: {previous.note.split(':')[0]} at {previous.agents:,}"
    factor = agents / previous.agents
    seconds = previous.seconds * factor
    if seconds > limit:
        return f"skipped: about {seconds:,.0f} s predicted (limit {limit:,.0f} s)"
    memory = previous.base_rss_mb + (previous.peak_rss_mb - previous.base_rss_mb) * factor
    if memory > 0.8 * _free_memory_mb():
        return f"skipped: about {memory / 1024:,.1f} GB predicted, more than is free"
    return ""


def run_benchmark(
    sizes: list[int],
    years: int,
    peers: list[str],
    limit: float,
    seed: int,
    echo: Any = print,
    interpreters: dict[str, str] | None = None,
) -> tuple[list[Row], Bounds]:
    """Every engine at every size (smallest first), and the memory bandwidth of one core.

    ``interpreters`` maps a peer to the Python that runs it (default: this one), for a peer
    whose current release cannot share an environment with another (docs/performance.md).

    Returns:
        The rows (this engine first at each size) and the machine's bounds.
    """
    measured = _child(["bounds"], timeout=300)
    bounds = Bounds(float(measured["bandwidth"]), float(measured["draw_floor"]))
    rows: list[Row] = []
    last: dict[str, Row] = {}
    for agents in sorted(sizes):
        reference: Row | None = None
        for engine in [THIS_ENGINE, *peers]:
            row = Row(engine, agents, years)
            row.note = _skip_reason(last.get(engine), agents, limit)
            row.version = last[engine].version if engine in last else ""
            if not row.note:
                echo(f"{engine} at {agents:,} agents ...")
                try:
                    out = _child(
                        [engine, str(agents), str(years), str(seed)],
                        2 * limit + 120,
                        (interpreters or {}).get(engine),
                    )
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    reason = "timed out" if isinstance(exc, subprocess.TimeoutExpired) else exc
                    row.note = f"failed: {reason}"
                else:
                    row.summary = out["summary"]
                    row.version = str(out["version"])
                    row.agent_years = int(out["summary"]["agent_years"])
                    row.seconds = float(out["seconds"])
                    row.rate = row.agent_years / row.seconds
                    row.peak_rss_mb = float(out["peak_rss_mb"])
                    row.base_rss_mb = float(out["base_rss_mb"])
                    last[engine] = row
            if not row.note or row.note.startswith("failed"):
                last[engine] = row
            if engine == THIS_ENGINE:
                reference = row
            elif reference is not None and reference.summary and row.summary:
                row.speedup = reference.rate / row.rate
                theirs, ours = Summary(**row.summary), Summary(**reference.summary)
                row.max_abs_z = max(abs(z) for z in z_scores(theirs, ours).values())
                row.agrees = agree(theirs, ours)
            rows.append(row)
    return rows, bounds


COLUMNS = (
    "agents",
    "engine",
    "agent-years",
    "seconds",
    "agent-years/s",
    "this engine ×",
    "peak RSS MB",
    "agrees (max |z|)",
    "note",
)


def table_rows(rows: list[Row]) -> list[list[str]]:
    """The printed table's cells."""

    def number(x: float, fmt: str) -> str:
        return format(x, fmt) if np.isfinite(x) else "—"

    cells = []
    for r in rows:
        check = "—" if r.agrees is None else f"{'yes' if r.agrees else 'NO'} ({r.max_abs_z:.1f})"
        cells.append(
            [
                f"{r.agents:,}",
                f"{r.engine} {r.version}".strip(),
                f"{r.agent_years:,}" if r.agent_years else "—",
                number(r.seconds, ".2f"),
                number(r.rate / 1e6, ".3f") + (" M" if r.rate > 0 else ""),
                number(r.speedup, ",.1f"),
                number(r.peak_rss_mb, ",.0f"),
                check,
                r.note,
            ]
        )
    return cells


def print_report(rows: list[Row], bounds: Bounds, years: int) -> None:
    """The table, then the bandwidth bound and this engine's share of it."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Reduced model, {years} years, one core per engine")
    for name in COLUMNS:
        table.add_column(name, justify="left" if name in ("engine", "note") else "right")
    for cells in table_rows(rows):
        table.add_row(*cells)
    console = Console(width=160)
    console.print(table)
    bound = bounds.memory_bound
    console.print(
        f"Memory bandwidth of one core (NumPy copy, read + write): "
        f"{bounds.bandwidth / 1e9:.1f} GB/s; moving {STATE_BYTES} bytes of state in and out "
        f"once per agent-year allows {bound / 1e6:,.0f} M agent-years/s.\n"
        f"This engine's three counter-based draws per agent-year alone (no state, no rules) "
        f"run at {bounds.draw_floor / 1e6:,.1f} M agent-years/s."
    )
    for r in rows:
        if r.engine == THIS_ENGINE and np.isfinite(r.rate):
            console.print(
                f"  this engine at {r.agents:,} agents: {r.rate / 1e6:.2f} M agent-years/s, "
                f"{r.rate / bound:.1%} of the bound (the bound is {bound / r.rate:.1f} times it)"
            )


def write_outputs(
    rows: list[Row], bounds: Bounds, json_path: str | None, csv_path: str | None
) -> None:
    """The rows as JSON (with the bandwidth) and CSV, each written whole or not at all."""
    from migrant_health.atomic import atomic_path

    records = [{k: v for k, v in asdict(r).items() if k != "summary"} | r.summary for r in rows]
    if json_path:
        with atomic_path(json_path) as tmp:
            payload = {
                "bandwidth_bytes_per_s": bounds.bandwidth,
                "bound_agent_years_per_s": bounds.memory_bound,
                "draw_floor_agent_years_per_s": bounds.draw_floor,
                "state_bytes": STATE_BYTES,
                "rows": records,
            }
            tmp.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    if csv_path:
        with atomic_path(csv_path) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=sorted({k for rec in records for k in rec}))
            writer.writeheader()
            writer.writerows(records)


# -- command line --------------------------------------------------------------------------------


def _count(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of agents (e.g. 1e5)") from None
    if not 1 <= value <= 1e8 or value != int(value):
        raise argparse.ArgumentTypeError(f"{text}: give a whole number of agents from 1 to 1e8")
    return int(value)


def _interpreters(
    parser: argparse.ArgumentParser, options: list[str], peers: list[str]
) -> dict[str, str]:
    """``--python PEER=PATH`` options as a map, each checked to import its peer."""
    found: dict[str, str] = {}
    for option in options:
        peer, _, path = option.partition("=")
        if peer not in peers or not path:
            parser.error(f"--python {option}: write PEER=PATH with PEER one of {' '.join(peers)}")
        spec = ENGINES[peer]
        check = f"import {spec.requires}, numpy"
        try:
            ok = subprocess.run([path, "-c", check], capture_output=True, timeout=120).returncode
        except (OSError, subprocess.TimeoutExpired) as exc:
            parser.error(f"--python {option}: cannot run {path} ({exc}); give a Python executable")
        if ok != 0:
            parser.error(
                f"--python {option}: {path} cannot import {spec.requires}; install it there"
            )
        found[peer] = path
    return found


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options; every bad value exits 2 with one line saying what and how to fix it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", nargs="+", type=_count, default=[10**4, 10**5, 10**6, 10**7])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--peers", nargs="+", default=list(PEERS), choices=[*PEERS, "none"])
    parser.add_argument(
        "--time-limit",
        type=float,
        default=300.0,
        help="seconds a peer may be predicted to take at a size (default 300)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write the rows and the bandwidth as JSON here")
    parser.add_argument("--csv", help="write the rows as CSV here")
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="PEER=PATH",
        help="run a peer with another Python (one whose environment has that peer)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.years <= 60:
        parser.error(f"--years {args.years}: give 1 to 60 years")
    if args.time_limit <= 0:
        parser.error(f"--time-limit {args.time_limit}: give a positive number of seconds")
    if args.seed < 0:
        parser.error(f"--seed {args.seed}: give a non-negative integer")
    args.peers = [] if "none" in args.peers else list(dict.fromkeys(args.peers))
    args.interpreters = _interpreters(parser, args.python, args.peers)
    missing = [
        p
        for p in args.peers
        if p not in args.interpreters
        and importlib.util.find_spec(ENGINES[p].requires or "") is None
    ]
    if missing:
        parser.error(
            f"--peers {' '.join(missing)}: not installed in this environment; install the "
            "'peers' extra in an environment of its own (pip install -e \".[peers]\", see "
            "docs/performance.md) or leave them out (--peers none runs this engine alone)"
        )
    for option in ("json", "csv"):
        path = getattr(args, option)
        if path:
            from migrant_health.errors import RunConfigError
            from migrant_health.writable import check_can_write

            try:
                check_can_write(path, f"--{option}")
            except RunConfigError as exc:
                parser.error(str(exc))
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark (or, with ``--child``, one measurement for the parent)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        if argv[1] == "bounds":
            from peer_models.this_engine import draw_floor_rate

            bandwidth = measure_bandwidth()
            print(json.dumps({"bandwidth": bandwidth, "draw_floor": draw_floor_rate()}))
        else:
            engine, agents, years, seed = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
            print(json.dumps(run_child(engine, agents, years, seed)))
        return
    args = parse_args(argv)
    rows, bounds = run_benchmark(
        args.agents,
        args.years,
        args.peers,
        args.time_limit,
        args.seed,
        echo=lambda s: print(s, file=sys.stderr),
        interpreters=args.interpreters,
    )
    print_report(rows, bounds, args.years)
    write_outputs(rows, bounds, args.json, args.csv)
    if any(r.agrees is False for r in rows):
        print(
            "A peer's result disagrees with this engine's beyond sampling error.", file=sys.stderr
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
