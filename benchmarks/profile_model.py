"""Where a run's time goes: kernels by module, chunk overhead, bytes moved and random draws.

Run from the repository root::

    python benchmarks/profile_model.py                  # 1 agent = 200 persons, 3 chunks
    python benchmarks/profile_model.py --chunks 5 --no-draws

It simulates whole chunks of the default model (2008-2035) in this process, on one core, after
a warm-up chunk (no compilation is timed), and reports:

1. **Kernels by module**: seconds in each yearly kernel, summed over years and chunks, with its
   share of the chunk's time (synthesis and initialisation included), and the CPU cost per
   agent-year (living agents summed over years).
2. **Chunk overhead**: the same agents simulated in chunks of 100,000 and of 25,000 agents; the
   difference gives the fixed cost per chunk (allocation and zeroing of the accumulator,
   synthesis tables, the kernel calls' argument unboxing).
3. **Bytes moved per agent-year** against the machine's memory bandwidth: every array argument
   of every yearly kernel is read once a year and every column a kernel writes is written back
   once, a lower bound of the traffic (the accumulator's scattered adds come on top), and the
   bandwidth measured here by copying a 256 MB array. Their ratio is the agent-years per second
   that moving the state alone would allow on one core.
4. **Random draws per agent-year** (unless ``--no-draws``): one small chunk re-run with Numba's
   compilation disabled, counting every call of the counter-based generator (``uniform`` and
   ``normal``, one hash each), times the cost of one draw measured by a compiled loop.

Timings are CPU seconds of this process (``time.process_time``), which other load on the
machine disturbs less than wall time.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time

import numba as nb
import numpy as np

from migrant_health.engine.population import Chunk
from migrant_health.engine.random import normal, stream, uniform, year_key
from migrant_health.engine.stats import empty_accumulator

try:
    from migrant_health.engine.chunk_work import simulate_chunk
    from migrant_health.engine.run_config import RunConfig
    from migrant_health.engine.run_context import build_context
except ImportError:  # commits before engine/run.py was split (speed_vs_commit.py)
    from migrant_health.engine.run import RunConfig, build_context, simulate_chunk

try:
    from migrant_health.engine.stats import N_MAIN_CELLS
except ImportError:  # commits before issue 9 had only main cells (speed_vs_commit.py)
    from migrant_health.engine.stats import N_CELLS as N_MAIN_CELLS
from migrant_health.engine.synthesis import synthesize
from migrant_health.model import default_plan

_DRAW_STREAM = stream("profile.draw_cost")


@nb.njit(cache=True)
def _uniform_loop(n: int, key: np.uint64) -> float:
    total = 0.0
    for i in range(n):
        total += uniform(key, i)
    return total


@nb.njit(cache=True)
def _normal_loop(n: int, key: np.uint64) -> float:
    total = 0.0
    for i in range(n):
        total += normal(key, i)
    return total


def draw_seconds() -> dict[str, float]:
    """CPU seconds of one counter-based draw, uniform and normal (hash, conversion), compiled."""
    key = year_key(np.uint64(1), _DRAW_STREAM, 2008)
    seconds = {}
    for kind, loop in (("uniform", _uniform_loop), ("normal", _normal_loop)):
        loop(1000, key)
        n = 20_000_000
        began = time.process_time()
        loop(n, key)
        seconds[kind] = (time.process_time() - began) / n
    return seconds


def bandwidth_bytes_per_second() -> float:
    """Memory bandwidth of one core: bytes read plus written per second by a large copy."""
    source = np.ones(32 * 1024 * 1024)  # 256 MB, far beyond the caches
    target = np.empty_like(source)
    np.copyto(target, source)
    best = 0.0
    for _ in range(5):
        began = time.perf_counter()
        np.copyto(target, source)
        best = max(best, 2 * source.nbytes / (time.perf_counter() - began))
    return best


def kernel_profile(scale: float, chunks: int) -> dict[str, object]:
    """CPU seconds per yearly kernel over ``chunks`` whole chunks, and the living agent-years."""
    plan = default_plan()
    config = RunConfig(scale=scale)
    ctx, layout = build_context(config)
    bounds = layout.chunk_bounds(config.communities_per_chunk)[: chunks + 1]
    steps = plan.step_kernels()
    seconds: collections.Counter[str] = collections.Counter()
    agent_years = 0.0
    persons = plan.statistics.index("persons")
    for k, (first, size) in enumerate(bounds):
        timed = k > 0  # the first chunk loads or compiles the kernels
        clock = time.process_time()
        chunk = Chunk.allocate(k, first, size, plan.states, plan.scratch)
        chunk.accumulator = empty_accumulator(len(ctx.years), len(plan.statistics))
        synthesize(chunk, layout, ctx)
        for kernel in plan.init_kernels():
            kernel(chunk, ctx, ctx.start)
        if timed:
            seconds["(allocation, synthesis, initialisation)"] += time.process_time() - clock
        for year in ctx.years:
            for kernel in steps:
                clock = time.process_time()
                kernel(chunk, ctx, year)
                if timed:
                    seconds[kernel.module] += time.process_time() - clock
        if timed:
            agent_years += float(chunk.accumulator[:, :N_MAIN_CELLS, persons].sum())
    return {
        "seconds": dict(seconds),
        "agent_years": agent_years,
        "agents_per_chunk": bounds[0][1],
    }


def chunk_overhead(scale: float) -> dict[str, float]:
    """Fixed CPU seconds per chunk, from the same agents in large and in small chunks."""
    plan = default_plan()
    result = {}
    for communities in (1000, 250):
        config = RunConfig(scale=scale, communities_per_chunk=communities)
        ctx, layout = build_context(config)
        bounds = layout.chunk_bounds(communities)
        simulate_chunk(plan, ctx, layout, 0, *bounds[0])  # warm
        agents = 0
        began = time.process_time()
        for k, (first, size) in enumerate(bounds[1:], start=1):
            if agents >= 200_000:
                break
            simulate_chunk(plan, ctx, layout, k, first, size)
            agents += size
        result[f"seconds_per_agent_{communities}"] = (time.process_time() - began) / agents
        result[f"agents_per_chunk_{communities}"] = bounds[0][1]
    large, small = result["agents_per_chunk_1000"], result["agents_per_chunk_250"]
    # t(chunk) = fixed + agents * c at both sizes, so the per-agent costs differ by fixed/size.
    difference = result["seconds_per_agent_250"] - result["seconds_per_agent_1000"]
    result["fixed_seconds_per_chunk"] = difference / (1 / small - 1 / large)
    return result


def bytes_per_agent_year() -> tuple[int, int]:
    """Bytes of state per agent, and bytes moved per agent-year by the yearly kernels."""
    plan = default_plan()
    itemsize = {s.name: np.dtype(s.dtype).itemsize for s in (*plan.states, *plan.scratch)}
    writes = {}
    for module in plan.modules:
        for name in getattr(module, "writes", ()):
            writes.setdefault(module.name, set()).add(name)
    moved = 0
    for kernel in plan.step_kernels():
        arrays = [name for name in kernel.names if name in itemsize]
        moved += sum(itemsize[name] for name in arrays)
        moved += sum(itemsize[name] for name in arrays if name in writes.get(kernel.module, ()))
    state = sum(np.dtype(s.dtype).itemsize for s in plan.states)
    return state, moved


_COUNT_DRAWS = r"""
import collections, importlib, json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")  # 64-bit hash arithmetic wraps around on purpose
from migrant_health.engine.context import RunContext
from migrant_health.engine.population import Chunk
try:
    from migrant_health.engine.run_config import RunConfig
    from migrant_health.engine.run_context import build_context
except ImportError:  # commits before engine/run.py was split
    from migrant_health.engine.run import RunConfig, build_context
from migrant_health.engine.stats import N_MAIN_CELLS, empty_accumulator
from migrant_health.engine.synthesis import synthesize
from migrant_health.model import default_plan
import migrant_health.engine.random as random_module

counts = collections.Counter()
def counted(name, function):
    def wrapper(*args):
        counts[name] += 1
        return function(*args)
    return wrapper
modules = ["migrant_health.engine.derived"] + [
    "migrant_health.modules." + m for m in
    ("care", "demography", "health", "integration", "labor", "migration", "results",
     "social", "steady_start", "schooling")]
for name in modules:
    module = importlib.import_module(name)
    for draw in ("uniform", "normal"):
        if hasattr(module, draw):
            label = name.rsplit(".", 1)[1] + ":" + draw
            setattr(module, draw, counted(label, getattr(random_module, draw)))
# Without compilation the parameter record is read by attribute, as a numpy.record.
RunContext.record = lambda self, year: self.params.view(np.recarray)[year - self.start]
plan = default_plan()
config = RunConfig(scale=float(sys.argv[1]), end=int(sys.argv[2]), communities_per_chunk=20)
ctx, layout = build_context(config)
first, size = layout.chunk_bounds(20)[0]
chunk = Chunk.allocate(0, first, size, plan.states, plan.scratch)
chunk.accumulator = empty_accumulator(len(ctx.years), len(plan.statistics))
synthesize(chunk, layout, ctx)
for kernel in plan.init_kernels():
    kernel(chunk, ctx, ctx.start)
counts.clear()  # yearly draws only
# The results kernel adds into int8-indexed cells, which plain Python arithmetic overflows, so
# it is left out and its draws are counted from its rules: two report noises (self-rated health,
# depression screen) per living person and a health-record draw per out-migrant.
from migrant_health.engine.codes import DEAD, NOT_ENTERED, OUT_MIGRANT
agent_years = 0
for year in ctx.years:
    for kernel in plan.step_kernels():
        if kernel.module != "results":
            kernel(chunk, ctx, year)
    status = chunk.arrays["status"]
    living = int(((status != NOT_ENTERED) & (status != DEAD)).sum())
    agent_years += living
    counts["results:normal"] += 2 * living
    counts["results:uniform"] += int((status == OUT_MIGRANT).sum())
print(json.dumps({"counts": dict(counts), "agent_years": agent_years}))
"""


def draws_per_agent_year(scale: float, end: int) -> dict[str, object]:
    """Counter-based draws per living agent-year, by module, from an uncompiled small chunk."""
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_DRAWS, str(scale), str(end)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=200.0, help="persons per agent")
    parser.add_argument("--chunks", type=int, default=3, help="chunks timed after a warm-up")
    parser.add_argument("--no-draws", action="store_true", help="skip counting random draws")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()

    profile = kernel_profile(args.scale, args.chunks)
    seconds: dict[str, float] = profile["seconds"]  # type: ignore[assignment]
    agent_years = float(profile["agent_years"])  # type: ignore[arg-type]
    total = sum(seconds.values())
    print(
        f"1. Kernels by module: {args.chunks} chunks of {profile['agents_per_chunk']:,} agents, "
        f"2008-2035, {agent_years:,.0f} agent-years, {total:.2f} CPU s "
        f"({agent_years / total / 1e6:.2f} M agent-years per CPU second)"
    )
    for name, value in sorted(seconds.items(), key=lambda kv: -kv[1]):
        print(
            f"   {name:42s} {value:7.2f} s {100 * value / total:5.1f} %"
            f" {1e9 * value / agent_years:7.0f} ns/agent-year"
        )

    overhead = chunk_overhead(args.scale)
    print(
        f"2. Chunk overhead: {overhead['fixed_seconds_per_chunk']:.3f} CPU s per chunk "
        f"({1e9 * overhead['seconds_per_agent_1000']:.0f} ns per agent over 28 years in "
        f"chunks of {overhead['agents_per_chunk_1000']:,.0f}, "
        f"{1e9 * overhead['seconds_per_agent_250']:.0f} ns in chunks of "
        f"{overhead['agents_per_chunk_250']:,.0f})"
    )

    state, moved = bytes_per_agent_year()
    bandwidth = bandwidth_bytes_per_second()
    print(
        f"3. Bytes: {state} B of stored state per agent; the yearly kernels read and write at "
        f"least {moved} B per agent-year; one core copies {bandwidth / 1e9:.1f} GB/s, so "
        f"moving the state alone allows {bandwidth / moved / 1e6:.1f} M agent-years per "
        f"second (the model reaches {agent_years / total / 1e6:.2f} M, "
        f"{100 * (agent_years / total) / (bandwidth / moved):.0f} % of that bound)"
    )

    figures: dict[str, object] = {
        "kernels": profile,
        "overhead": overhead,
        "state_bytes": state,
        "bytes_per_agent_year": moved,
        "bandwidth_bytes_per_second": bandwidth,
    }
    if not args.no_draws:
        per_draw = draw_seconds()
        counted = draws_per_agent_year(scale=2000.0, end=2012)
        counts: dict[str, int] = counted["counts"]  # type: ignore[assignment]
        years = float(counted["agent_years"])  # type: ignore[arg-type]
        per_agent_year = sum(counts.values()) / years
        seconds_per_agent_year = (
            sum(c * per_draw[label.split(":")[1]] for label, c in counts.items()) / years
        )
        by_module: collections.Counter[str] = collections.Counter()
        for label, c in counts.items():
            by_module[label.split(":")[0]] += c
        share = seconds_per_agent_year / (total / agent_years)
        print(
            f"4. Random draws: {per_agent_year:.1f} per agent-year (2008-2012, one small "
            "chunk: "
            + ", ".join(f"{m} {c / years:.1f}" for m, c in by_module.most_common())
            + f"); a uniform draw costs {1e9 * per_draw['uniform']:.1f} ns and a normal one "
            f"{1e9 * per_draw['normal']:.1f} ns, so draws take about "
            f"{1e9 * seconds_per_agent_year:.0f} ns per agent-year, {100 * share:.0f} % of "
            "the model's time"
        )
        figures["draws"] = {
            "per_agent_year": per_agent_year,
            "seconds_per_draw": per_draw,
            "counts": counts,
            "agent_years": years,
        }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
