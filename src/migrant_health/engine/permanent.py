"""Arrays kept with a chunk: permanent per-person draws, and work arrays.

A permanent draw (a person's frailty, ability, household income rank) is a pure function of
the seed, the stream and the person id (:func:`migrant_health.engine.random.permanent_key`),
the same number every year. Kernels that need one every year take it as an argument instead
of recomputing it: :func:`permanent_normals` gives a module argument
(:attr:`migrant_health.engine.module.Module.arguments`) whose value is the chunk's array of
those draws, one per agent (``array[i]`` for pid ``first_pid + i``), computed the first time a
kernel asks for it and kept with the chunk. The array holds the float64 numbers the kernels
drew before, so results do not change by a bit; it costs 8 bytes per agent and stream for the
chunk's lifetime, against a normal draw (a hash and an inverse distribution function) per
person and year.

:func:`work_array` gives a kernel an array of one number per agent that it may overwrite each
year (a value computed in one pass over the people and read again in a later pass), allocated
once per chunk rather than at every call: a fresh array of a chunk's size costs a page fault
per 4 KB the first time it is written.
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.binding import Argument
from migrant_health.engine.context import RunContext
from migrant_health.engine.jit import kernel
from migrant_health.engine.population import Chunk
from migrant_health.engine.random import (
    P_LOW,
    central_inverse_normal_cdf,
    inverse_normal_cdf,
    permanent_key,
    uniform_for_normal,
)


@kernel
def _normals(seed, stream_key, first_pid, n):  # type: ignore[no-untyped-def]
    # normal(key, pid) for every pid, in two loops: the first, without branches (vectorised),
    # takes every draw through the central formula of inverse_normal_cdf and keeps its
    # uniform; the second redraws the 5 % in the tails with the whole function. The same
    # numbers, about twice as fast.
    key = permanent_key(seed, stream_key)
    out = np.empty(n, np.float64)
    us = np.empty(n, np.float64)
    for i in range(n):
        u = uniform_for_normal(key, first_pid + i)
        us[i] = u
        out[i] = central_inverse_normal_cdf(u)
    for i in range(n):
        if us[i] < P_LOW or us[i] > 1.0 - P_LOW:
            out[i] = inverse_normal_cdf(us[i])
    return out


def normals(seed: np.uint64, stream_key: np.uint64, first_pid: int, n: int) -> np.ndarray:
    """The permanent standard normal draws of pids ``first_pid`` to ``first_pid + n - 1``."""
    return _normals(np.uint64(seed), np.uint64(stream_key), np.int64(first_pid), np.int64(n))


def permanent_normals(stream_key: np.uint64) -> Argument:
    """A module argument: the chunk's permanent standard normal draws of a stream, per agent.

    Args:
        stream_key: The stream's key (:func:`migrant_health.engine.random.stream`).
    """

    def draws(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
        key = ("normal", int(ctx.seed64), int(stream_key))
        cached = chunk.kept.get(key)
        if cached is None:
            cached = normals(ctx.seed64, stream_key, chunk.first_pid, chunk.size)
            chunk.kept[key] = cached
        return cached

    return draws


def work_array(name: str, dtype: str = "float64") -> Argument:
    """A module argument: an array of one ``dtype`` value per agent, kept with the chunk.

    Its contents are whatever the kernel last wrote (uninitialised at first): a kernel writes
    before it reads.

    Args:
        name: Unique name of the array (``"module.what"``).
        dtype: Its element type.
    """

    def array(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
        key = ("work", name)
        kept = chunk.kept.get(key)
        if kept is None:
            kept = chunk.kept[key] = np.empty(chunk.size, dtype)
        return kept

    return array
