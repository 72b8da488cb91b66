"""Compile a plan's kernels on several cores at once, before a first run simulates.

Numba compiles a kernel when it is first called, in the calling process, one kernel after the
other: on a fresh install the first run spent about four minutes compiling on one core, and a
two-worker run compiled everything twice, once in each worker. The kernels do not depend on
each other's machine code (each cached kernel carries the code of the helpers it calls), so
they can be compiled side by side in separate processes that share Numba's on-disk cache.

:func:`compile_kernels_once` types each kernel's arguments on a small chunk of the run (the
types do not depend on its size; the permanent draws some kernels take are drawn for it, and
the few small kernels that draw them compile here first, one after the other), hands the
kernels, largest first, to forked worker processes that compile them with those signatures into
the cache, and returns once all are there; the run then loads them from the cache. Compiled
code is the same whoever compiles it, so results do not change. Kernels outside the plan
(synthesis, snapshots, the exact sums) are small and still compile when first called.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numba
from numba.core import caching
from numba.core.registry import CPUDispatcher

from migrant_health.engine.binding import BoundKernel, kernel_name
from migrant_health.engine.context import RunContext
from migrant_health.engine.jit import cache_stamp, kernels_cached
from migrant_health.engine.plan import Plan
from migrant_health.engine.population import Chunk
from migrant_health.engine.process_pool import (
    available_cores,
    map_in_processes,
    use_the_real_streams,
)
from migrant_health.engine.stats import empty_accumulator


@dataclass(frozen=True)
class KernelCall:
    """A kernel and the Numba types of the arguments a run calls it with.

    Attributes:
        name: ``module.function``, for messages.
        dispatcher: The Numba dispatcher.
        signature: The argument types, as Numba types them at a call.
        code_size: Bytes of Python bytecode of the kernel and of the compiled helpers it
            reaches: a rough measure of its compilation time, to start the largest first.
    """

    name: str
    dispatcher: Any
    signature: tuple[Any, ...]
    code_size: int


def reachable_code_size(dispatcher: Any, seen: set[Any] | None = None) -> int:
    """Bytecode size of a compiled function and of every compiled function it names, once each.

    The steady start's main kernel reaches about 36 kB and compiles in about 90 s; the
    smallest yearly kernels reach 1-3 kB and compile in 1-2 s.

    Args:
        dispatcher: A Numba dispatcher.
        seen: Python functions already counted (shared by the recursion).

    Returns:
        The bytes of bytecode.
    """
    seen = set() if seen is None else seen
    function = dispatcher.py_func
    if function in seen:
        return 0
    seen.add(function)
    size = len(function.__code__.co_code)
    for name in function.__code__.co_names:
        value = function.__globals__.get(name)
        if isinstance(value, CPUDispatcher):
            size += reachable_code_size(value, seen)
    return size


def kernel_calls(plan: Plan, chunk: Chunk, ctx: RunContext, year: int) -> list[KernelCall]:
    """Each distinct (kernel, signature) of ``plan`` on ``chunk``, largest first.

    Args:
        plan: The plan whose initialisation and yearly kernels are typed.
        chunk: A chunk allocated for the run (its columns' types are what matter, not values).
        ctx: The run context.
        year: A simulated year (every year passes arguments of the same types).

    Returns:
        The calls, by decreasing :func:`reachable_code_size`.
    """
    calls: dict[tuple[Any, tuple[Any, ...]], KernelCall] = {}
    bound: tuple[BoundKernel, ...] = (*plan.init_kernels(), *plan.step_kernels())
    for kernel in bound:
        dispatcher = kernel.kernel
        signature = tuple(numba.typeof(value) for value in kernel.arguments(chunk, ctx, year))
        name = f"{kernel.module}.{kernel_name(dispatcher)}"
        calls.setdefault(
            (dispatcher, signature),
            KernelCall(name, dispatcher, signature, reachable_code_size(dispatcher)),
        )
    return sorted(calls.values(), key=lambda call: -call.code_size)


# The calls the pool's workers compile, set before they are forked (they inherit it).
_CALLS: list[KernelCall] = []


#: Held while a worker writes an entry of Numba's cache (in the cache's folder).
LOCK_FILE = "kernel-cache-writes.lock"


@contextmanager
def _cache_writes_locked() -> Iterator[None]:
    """Let one process at a time add an entry to Numba's on-disk cache.

    Numba adds a compiled function to the cache by reading the function's index, adding the
    entry and writing the index, then the data file, with no lock. Two workers compiling the
    same helper (called, not inlined, by two initialisation kernels) with different argument
    types could both take the index's next data file name, and the index could then point one
    signature's entry at the other's machine code. Each save, a few milliseconds, is made whole
    under an exclusive lock on a file in the cache's folder.
    """
    import fcntl  # POSIX only; nothing is compiled side by side without fork

    original = caching.IndexDataCacheFile.save

    def save(self: Any, key: Any, data: Any) -> None:
        # In the cache's own folder, which Numba has found writable (a read-only installation
        # caches elsewhere): a function's index and data files live there.
        with open(os.path.join(self._cache_path, LOCK_FILE), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            original(self, key, data)

    caching.IndexDataCacheFile.save = save  # type: ignore[method-assign]
    try:
        yield
    finally:
        caching.IndexDataCacheFile.save = original  # type: ignore[method-assign]


def _compile_one(index: int) -> str:
    # A warning printed while compiling goes to the real streams, not a progress bar's.
    use_the_real_streams()
    call = _CALLS[index]
    with _cache_writes_locked():
        call.dispatcher.compile(call.signature)
    return call.name


def precompile(
    calls: list[KernelCall],
    processes: int,
    done: Callable[[str], None] | None = None,
) -> None:
    """Compile ``calls`` into Numba's cache in ``processes`` worker processes, largest first.

    A worker takes the next kernel as it finishes one, so the largest (the steady start's,
    about 40 % of the whole) compiles beside all the others. A kernel already in the cache is
    only loaded. An error in a compilation is raised here, as the run would have raised it.

    Args:
        calls: What to compile (:func:`kernel_calls`).
        processes: Worker processes (the cores to use).
        done: Called with each kernel's name as it is compiled (a progress display).
    """
    global _CALLS
    if not calls or getattr(numba.config, "DISABLE_JIT", False):
        return
    _CALLS = list(calls)
    try:
        map_in_processes(
            _compile_one,
            range(len(calls)),
            max(1, min(processes, len(calls))),
            None if done is None else lambda index, name: done(name),
        )
    finally:
        _CALLS = []


#: Agents of the chunk the kernels' arguments are typed on.
TYPING_CHUNK = 1_000


def typing_chunk(plan: Plan, first_pid: int, size: int, years: int) -> Chunk:
    """The chunk a run's kernels are typed on: its first chunk's first agents, at most
    :data:`TYPING_CHUNK` of them (the arguments' types do not depend on the size).

    Args:
        plan: The run's plan.
        first_pid: The first person id of the run's first chunk.
        size: That chunk's agents.
        years: Simulated years (the accumulator's rows).

    Returns:
        The chunk, allocated (zeros) with its accumulator.
    """
    chunk = Chunk.allocate(0, first_pid, min(size, TYPING_CHUNK), plan.states, plan.scratch)
    chunk.accumulator = empty_accumulator(years, len(plan.statistics))
    return chunk


#: At most this many compiling processes: the steady start's kernel is about 40 % of the
#: whole, so a third or fourth process shortens little and each holds a compiler's memory.
MOST_PROCESSES = 4


# The kernel sources (:func:`~migrant_health.engine.jit.cache_stamp`) this process last compiled
# for, or tried to: a command that compiled first (under a progress bar) does not start again in
# its run, nor a run again after a failure.
_COMPILED_FOR: str | None = None


def compile_kernels_once(
    plan: Plan,
    ctx: RunContext,
    first_pid: int,
    size: int,
    years: int,
    progress: Callable[[int, int], None] | None = None,
) -> bool:
    """Before a first run on this machine, compile ``plan``'s kernels on its cores side by side.

    Nothing is done when a run has finished since the kernel sources last changed
    (:func:`~migrant_health.engine.jit.kernels_cached`), when this process has tried already,
    in a worker process (whose parent decides), with one core, where processes cannot be
    forked, or with Numba's compilation disabled: the run then compiles (or loads) each kernel
    when it first calls it, as before.

    Args:
        plan: The run's plan.
        ctx: The run context.
        first_pid: The first person id of the run's first chunk.
        size: That chunk's agents.
        years: Simulated years (the accumulator's rows).
        progress: Called with ``(kernels compiled, kernels)``, first with none compiled.

    Returns:
        Whether the kernels were compiled here.
    """
    global _COMPILED_FOR
    processes = min(available_cores(), MOST_PROCESSES)
    if (
        processes < 2
        or getattr(numba.config, "DISABLE_JIT", False)
        or "fork" not in multiprocessing.get_all_start_methods()  # workers inherit _CALLS
        or multiprocessing.parent_process() is not None
        or kernels_cached()
        or cache_stamp() == _COMPILED_FOR
    ):
        return False
    # Tried once per process: after a failure the run compiles as it goes, not the pool again.
    _COMPILED_FOR = cache_stamp()
    calls = kernel_calls(plan, typing_chunk(plan, first_pid, size, years), ctx, ctx.start)
    compiled = 0

    def done(_name: str) -> None:
        nonlocal compiled
        compiled += 1
        if progress is not None:
            progress(compiled, len(calls))

    if progress is not None:
        progress(0, len(calls))
    try:
        precompile(calls, processes, done)
    except (OSError, BrokenProcessPool):
        # No worker could be started, or one was killed (out of memory): the run compiles what
        # is missing as it goes. An error of the compilation itself is raised, as the run
        # would raise it.
        return False
    return True
