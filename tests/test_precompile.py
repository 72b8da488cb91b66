"""A first run compiles the plan's kernels side by side, with the signatures the run calls.

The compilation itself is timed in ``benchmarks/bench_first_run.py`` (minutes on a cold cache);
these tests run on the session's warm cache, where compiling a kernel only loads it.
"""

from __future__ import annotations

import numba
import pytest
from numba import types
from numba.core.errors import TypingError

from migrant_health import RunConfig, simulate
from migrant_health.engine.population import Chunk
from migrant_health.engine.precompile import (
    KernelCall,
    compile_kernels_once,
    kernel_calls,
    precompile,
    reachable_code_size,
)
from migrant_health.engine.process_pool import map_in_processes
from migrant_health.engine.run import build_context
from migrant_health.engine.stats import empty_accumulator
from migrant_health.model import default_plan

CONFIG = RunConfig(end=2009, scale=50_000, seed=1)


@pytest.fixture(scope="module")
def calls() -> list[KernelCall]:
    plan = default_plan()
    ctx, layout = build_context(CONFIG)
    first, size = layout.chunk_bounds(CONFIG.communities_per_chunk)[0]
    chunk = Chunk.allocate(0, first, size, plan.states, plan.scratch)
    chunk.accumulator = empty_accumulator(len(ctx.years), len(plan.statistics))
    return kernel_calls(plan, chunk, ctx, ctx.start)


def test_every_kernel_of_the_plan_is_typed_once(calls: list[KernelCall]) -> None:
    """Initialisation and yearly kernels, each (kernel, signature) once, largest first."""
    plan = default_plan()
    names = {call.name for call in calls}
    assert "steady_start._settle" in names and "results._accumulate" in names
    dispatchers = {k.kernel for k in (*plan.init_kernels(), *plan.step_kernels())}
    assert {call.dispatcher for call in calls} == dispatchers
    assert len({(call.dispatcher, call.signature) for call in calls}) == len(calls)
    sizes = [call.code_size for call in calls]
    assert sizes == sorted(sizes, reverse=True)
    assert calls[0].name == "steady_start._settle"  # the longest compilation starts first


def test_the_signatures_are_those_a_run_calls(calls: list[KernelCall]) -> None:
    """A run calls each kernel with the signature typed on an empty chunk: what the workers
    compile is what the run loads (a different signature would be compiled again)."""
    simulate(CONFIG)
    for call in calls:
        assert call.signature in call.dispatcher.overloads, call.name


def test_a_helper_reaches_the_code_of_what_it_calls() -> None:
    """The size that orders the compilations counts the compiled functions a kernel names."""
    from migrant_health.modules import steady_start

    alone = len(steady_start.savings_history.py_func.__code__.co_code)
    assert reachable_code_size(steady_start.savings_history) > 2 * alone


def test_kernels_are_compiled_in_worker_processes(calls: list[KernelCall]) -> None:
    """Each kernel is reported once as its worker finishes it (here loaded from the cache)."""
    compiled: list[str] = []
    precompile(calls[-4:], 2, compiled.append)
    assert sorted(compiled) == sorted(call.name for call in calls[-4:])


@numba.njit
def _plus_one(x):  # type: ignore[no-untyped-def]
    return x + 1


def test_a_compilation_error_is_raised_in_the_caller() -> None:
    """A kernel that cannot be typed fails the call as the run would fail, not silently."""
    impossible = KernelCall("test.plus_one", _plus_one, (types.unicode_type,), 1)
    fine = KernelCall("test.plus_one", _plus_one, (types.float64,), 1)
    with pytest.raises(TypingError, match="add"):
        precompile([impossible, fine], 2)


def test_nothing_is_compiled_once_a_run_has_finished() -> None:
    """The session's first run finished (tests/conftest.py): later runs only load kernels."""
    plan = default_plan()
    ctx, layout = build_context(CONFIG)
    first, size = layout.chunk_bounds(CONFIG.communities_per_chunk)[0]
    assert compile_kernels_once(plan, ctx, first, size, len(ctx.years)) is False


def _compiles_in_a_worker(_: int) -> bool:
    """In a worker process, even with the cache cold, the parent decides: nothing is done."""
    from migrant_health.engine import precompile as module

    module.kernels_cached = lambda: False  # type: ignore[assignment]  # as on a fresh install
    plan = default_plan()
    ctx, layout = build_context(CONFIG)
    first, size = layout.chunk_bounds(CONFIG.communities_per_chunk)[0]
    return compile_kernels_once(plan, ctx, first, size, len(ctx.years))


def test_a_worker_process_leaves_the_compilation_to_its_parent() -> None:
    """Runs inside a comparison's workers do not each start compiling processes of their own."""
    assert map_in_processes(_compiles_in_a_worker, [0], 1) == [False]


def test_the_public_entry_point_only_loads_once_a_run_has_finished() -> None:
    """``compile_kernels`` is what comparisons call before their workers start."""
    from migrant_health.model import compile_kernels

    assert compile_kernels(CONFIG) is False


def test_a_first_run_compiles_every_kernel_once_with_progress(
    calls: list[KernelCall], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a fresh install (no run has finished): every kernel, counted as it comes; then
    the same process does not start again (a command that compiled under its own bar)."""
    from migrant_health.engine import precompile as module

    if module.available_cores() < 2:
        pytest.skip("one core: the run compiles as it goes")
    monkeypatch.setattr(module, "kernels_cached", lambda: False)
    monkeypatch.setattr(module, "_COMPILED_FOR", None)
    plan = default_plan()
    ctx, layout = build_context(CONFIG)
    first, size = layout.chunk_bounds(CONFIG.communities_per_chunk)[0]
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))

    assert compile_kernels_once(plan, ctx, first, size, len(ctx.years), progress) is True
    assert seen == [(done, len(calls)) for done in range(len(calls) + 1)]
    assert compile_kernels_once(plan, ctx, first, size, len(ctx.years)) is False
