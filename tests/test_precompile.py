"""A first run compiles the plan's kernels side by side, with the signatures the run calls.

The compilation itself is timed in ``benchmarks/bench_first_run.py`` (minutes on a cold cache);
these tests run on the session's warm cache, where compiling a kernel only loads it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import numba
import numpy as np
import pytest
from numba import types
from numba.core.errors import TypingError

from migrant_health import RunConfig, simulate
from migrant_health.engine import jit
from migrant_health.engine.precompile import (
    KernelCall,
    compile_kernels_once,
    kernel_calls,
    precompile,
    reachable_code_size,
    typing_chunk,
)
from migrant_health.engine.process_pool import map_in_processes
from migrant_health.engine.run_context import build_context
from migrant_health.model import default_plan

CONFIG = RunConfig(end=2009, scale=50_000, seed=1)


@pytest.fixture(scope="module")
def calls() -> list[KernelCall]:
    """The kernels as a first run types them (on its small typing chunk)."""
    plan = default_plan()
    ctx, layout = build_context(CONFIG)
    first, size = layout.chunk_bounds(CONFIG.communities_per_chunk)[0]
    return kernel_calls(plan, typing_chunk(plan, first, size, len(ctx.years)), ctx, ctx.start)


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
    """A run calls each kernel with exactly the signatures typed on a small chunk: what the
    workers compile is what the run loads (another signature would be compiled again)."""
    simulate(CONFIG)
    typed: dict[object, set[tuple[object, ...]]] = {}
    for call in calls:
        typed.setdefault(call.dispatcher, set()).add(call.signature)
    for dispatcher, signatures in typed.items():
        assert set(dispatcher.overloads) == signatures, dispatcher.py_func.__qualname__


def test_a_helper_reaches_the_code_of_what_it_calls() -> None:
    """The size that orders the compilations counts the compiled functions a kernel names."""
    from migrant_health.modules.savings_history import savings_history

    alone = len(savings_history.py_func.__code__.co_code)
    assert reachable_code_size(savings_history) > 2 * alone


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
    module.available_cores = lambda: 4  # type: ignore[assignment]  # cores are not the reason
    module._COMPILED_FOR = None
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


def test_the_cache_stamp_moves_with_kernel_files_not_with_the_engine_s_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit of run.py compiles nothing and announces nothing; an edit of a kernel's file, or
    of a file that decides the kernels' argument types, does."""
    engine, modules, data = tmp_path / "engine", tmp_path / "modules", tmp_path / "data"
    for folder in (engine, modules, data):
        folder.mkdir()
    for name in ("jit.py", "codes.py", "stats.py", "population.py", "context.py", "binding.py"):
        (engine / name).write_text("# compiled in, or deciding types\n")
    (data / "demography.py").write_text("# the tables' dtypes and writability\n")
    (engine / "run.py").write_text("# the driver: no kernel\n")
    (modules / "health.py").write_text("@kernel\ndef step(): ...\n")
    monkeypatch.setattr(jit, "_PACKAGE", tmp_path)
    monkeypatch.setattr(jit, "_KERNEL_DIRS", (engine, modules))
    stamp = jit.cache_stamp()

    def touch(path: Path) -> None:
        later = path.stat().st_mtime_ns + 10**9 * 3600
        os.utime(path, ns=(later, later))

    touch(engine / "run.py")
    assert jit.cache_stamp() == stamp
    touch(engine / "population.py")
    assert jit.cache_stamp() != stamp
    stamp = jit.cache_stamp()
    touch(data / "demography.py")
    assert jit.cache_stamp() != stamp
    stamp = jit.cache_stamp()
    touch(modules / "health.py")
    assert jit.cache_stamp() != stamp


def test_each_write_to_numbas_cache_is_made_whole_under_a_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a worker compiles, every save of a cache entry (index and data) holds a lock in
    the cache's folder that no other process can take meanwhile."""
    from numba.core import caching

    from migrant_health.engine import precompile as module

    held: list[bool] = []

    def save(self: object, key: object, data: object) -> None:
        with open(tmp_path / module.LOCK_FILE, "a") as other:  # as another process would
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held.append(True)
            else:
                held.append(False)

    class Cache:
        _cache_path = str(tmp_path)

    class Dispatcher:  # what a worker's compilation does: save the result in the cache
        def compile(self, signature: tuple[object, ...]) -> None:
            caching.IndexDataCacheFile.save(Cache(), "key", "data")  # type: ignore[arg-type]

    monkeypatch.setattr(caching.IndexDataCacheFile, "save", save)
    monkeypatch.setattr(module, "_CALLS", [KernelCall("test.kernel", Dispatcher(), (), 1)])
    assert module._compile_one(0) == "test.kernel"
    assert held == [True]
    assert caching.IndexDataCacheFile.save is save  # put back as it was


def test_a_failed_attempt_is_not_started_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool that broke (a worker killed, out of memory) leaves the run to compile as it goes,
    and the run does not start the pool a second time."""
    from concurrent.futures.process import BrokenProcessPool

    from migrant_health.engine import precompile as module

    attempts: list[int] = []

    def broken(calls: list[KernelCall], processes: int, done: object = None) -> None:
        attempts.append(processes)
        raise BrokenProcessPool("a worker was killed")

    monkeypatch.setattr(module, "kernels_cached", lambda: False)
    monkeypatch.setattr(module, "available_cores", lambda: 2)
    monkeypatch.setattr(module, "_COMPILED_FOR", None)
    monkeypatch.setattr(module, "precompile", broken)
    plan = default_plan()
    ctx, layout = build_context(CONFIG)
    first, size = layout.chunk_bounds(CONFIG.communities_per_chunk)[0]
    assert compile_kernels_once(plan, ctx, first, size, len(ctx.years)) is False
    assert compile_kernels_once(plan, ctx, first, size, len(ctx.years)) is False
    assert attempts == [2]


def test_without_fork_or_a_second_core_the_run_compiles_as_it_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The workers inherit the kernels to compile by fork; one core has nothing to share."""
    from migrant_health.engine import precompile as module

    started: list[int] = []
    monkeypatch.setattr(module, "kernels_cached", lambda: False)
    monkeypatch.setattr(module, "_COMPILED_FOR", None)
    monkeypatch.setattr(module, "precompile", lambda *args: started.append(1))
    plan = default_plan()
    ctx, layout = build_context(CONFIG)
    first, size = layout.chunk_bounds(CONFIG.communities_per_chunk)[0]
    monkeypatch.setattr(module, "available_cores", lambda: 1)
    assert compile_kernels_once(plan, ctx, first, size, len(ctx.years)) is False
    monkeypatch.setattr(module, "available_cores", lambda: 8)
    monkeypatch.setattr(module.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert compile_kernels_once(plan, ctx, first, size, len(ctx.years)) is False
    assert started == []


def test_the_local_executors_count_as_this_machine() -> None:
    """Their chunks load this machine's cache, so a first run compiles here before them."""
    from migrant_health.engine.executors import ProcessExecutor, SerialExecutor

    assert SerialExecutor.on_this_machine and ProcessExecutor.on_this_machine


def test_frozen_runs_call_the_kernels_with_the_same_types() -> None:
    """The frozen tables are read-only as the loaded ones are (Numba types writability), so a
    frozen run loads the kernels a first run compiled instead of compiling its own."""
    from migrant_health.data import load_demography

    demography = load_demography()
    frozen = demography.frozen_at(demography.first_year)
    for name in ("qx", "qx_national", "conversion_rate"):
        loaded, fixed = getattr(demography, name), getattr(frozen, name)
        assert numba.typeof(fixed) == numba.typeof(loaded), name


def test_fixed_mortality_factors_type_as_a_runs_own() -> None:
    """Factors read from a file (read-only) or sliced (not contiguous) are held as a run's own
    are, so the mortality kernel loads the signature a first run compiled."""
    from migrant_health.engine.run_context import _checked_factors
    from migrant_health.modules.demography import NOT_FIXED

    own = np.ones((3, 4, *NOT_FIXED.shape))
    loaded = own.copy()
    loaded.setflags(write=False)
    sliced = np.ones((3, 8, *NOT_FIXED.shape))[:, ::2]
    for given in (own, loaded, sliced):
        held = _checked_factors(given, 3, 4)
        assert numba.typeof(held[1, 2]) == numba.typeof(NOT_FIXED)
    assert _checked_factors(own, 3, 4) is own  # no copy when none is needed
