"""Kernels bound by name: the engine passes each kernel the arrays and scalars it asks for.

A Numba kernel names its arguments after states (``health``), scratch columns (``hours``) and
run arguments (``year``, ``p``); the engine reads those names once per kernel and hands over the
chunk's arrays and the run's scalars, so a module writes its list of arrays once, in the kernel
signature. A module can add scalars of its own (the year's hukou conversion rate) in
:attr:`migrant_health.engine.module.Module.arguments`. An argument name that is none of these
fails when the plan is built, naming the module, the kernel and the argument.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import config as numba_config
from numba import typeof
from numba.extending import typeof_impl

from migrant_health.engine.context import RunContext
from migrant_health.engine.population import Chunk, StateSpec
from migrant_health.errors import PlanError

# A value computed for a call: from the chunk, the run context and the year.
Argument = Callable[[Chunk, RunContext, int], Any]


class KernelRecord:
    """A year's parameter record as the engine hands it to kernels: the same Numba record type
    as the NumPy record (``ctx.record(year)``), over the same bytes, but cheap to pass.

    Numba passes a record to compiled code by the address of its ``data`` buffer. A NumPy
    record's buffer describes every one of the record's hundreds of fields, which NumPy
    builds at every call (about 0.1 ms, a few per cent of a chunk's time over its 280 kernel
    calls); this object's ``data`` is a plain byte view of the record, made once per run
    context and year.
    """

    __slots__ = ("data", "numba_type", "params")

    def __init__(self, params: np.ndarray, index: int, numba_type: Any) -> None:
        self.params = params  # keeps the bytes alive
        self.data = params[index : index + 1].view(np.uint8).data
        self.numba_type = numba_type


@typeof_impl.register(KernelRecord)
def _typeof_kernel_record(value: KernelRecord, context: Any) -> Any:
    return value.numba_type


# The kernel records of the last few run contexts' parameter arrays (by identity).
_KERNEL_RECORDS: dict[int, tuple[np.ndarray, list[KernelRecord]]] = {}


def kernel_record(ctx: RunContext, year: int) -> KernelRecord | np.void:
    """The :class:`KernelRecord` of ``ctx.record(year)`` (the record itself when Numba's
    compilation is disabled: Python code reads its fields by attribute)."""
    if getattr(numba_config, "DISABLE_JIT", False):
        return ctx.record(year)
    params = ctx.params
    entry = _KERNEL_RECORDS.get(id(params))
    if entry is None or entry[0] is not params:
        if len(_KERNEL_RECORDS) >= 4:
            _KERNEL_RECORDS.clear()
        numba_type = typeof(ctx.record(ctx.start))
        records = [KernelRecord(params, k, numba_type) for k in range(len(params))]
        entry = _KERNEL_RECORDS[id(params)] = (params, records)
    return entry[1][year - ctx.start]


def record_for_calls(p: np.void) -> KernelRecord | np.void:
    """A parameter record to pass to compiled rules called one by one from Python.

    The same Numba record type as ``p`` over a copy of its bytes, so a rule gives the same
    numbers and loads the same compiled code; but a NumPy record costs about 0.13 ms a call
    (NumPy describes its hundreds of fields anew each time) and this about 6 us. For a test or
    a script that calls a module's rules thousands of times: edit ``p`` first, since the copy
    does not follow later edits. With Numba's compilation disabled, a plain copy of ``p``
    (the rules then read its fields as attributes, which a ``numpy.record`` has and a
    ``numpy.void`` has not).

    Args:
        p: A year's parameter record (``ctx.record(year)``, or a copy of one).
    """
    if getattr(numba_config, "DISABLE_JIT", False):
        return p.copy()
    params = np.empty(1, dtype=p.dtype)
    params[0] = p
    return KernelRecord(params, 0, typeof(p))


# Scalars every kernel may ask for, with what they mean (``migrant-health plan`` prints them).
RUN_ARGUMENTS: dict[str, tuple[Argument, str]] = {
    "first_pid": (
        lambda chunk, ctx, year: np.int64(chunk.first_pid),
        "person id of the chunk's first agent (pid = first_pid + i)",
    ),
    "year": (lambda chunk, ctx, year: year, "the simulated year (the base year at initialisation)"),
    "start": (lambda chunk, ctx, year: ctx.start, "the base year of the run"),
    "seed": (lambda chunk, ctx, year: ctx.seed64, "the run seed as an unsigned 64-bit key"),
    "p": (
        lambda chunk, ctx, year: kernel_record(ctx, year),
        "the year's parameter record (fields: parameter paths, '.' -> '__')",
    ),
    "community_size": (lambda chunk, ctx, year: ctx.community_size, "agents per origin community"),
    "first_urban_pid": (
        lambda chunk, ctx, year: np.int64(ctx.first_urban_pid),
        "first person id of the urban-local reference sample",
    ),
    "acc": (
        lambda chunk, ctx, year: chunk.accumulator[year - ctx.start],
        "the chunk's (cells, statistics) sums of the year",
    ),
}


def argument_names(kernel: Callable[..., Any]) -> tuple[str, ...]:
    """Argument names of a Numba kernel (or a plain function), in order."""
    function = getattr(kernel, "py_func", kernel)
    return tuple(inspect.signature(function).parameters)


def kernel_name(kernel: Callable[..., Any]) -> str:
    """The Python name of a kernel, for messages."""
    return str(getattr(getattr(kernel, "py_func", kernel), "__qualname__", repr(kernel)))


def _column(name: str, store: str) -> Argument:
    def column(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
        return getattr(chunk, store)[name]

    return column


@dataclass(frozen=True)
class BoundKernel:
    """A kernel with the source of each of its arguments resolved.

    Attributes:
        module: Name of the module the kernel belongs to.
        kernel: The compiled kernel.
        names: Its argument names, in order.
        sources: One value getter per argument.
    """

    module: str
    kernel: Callable[..., Any]
    names: tuple[str, ...]
    sources: tuple[Argument, ...]

    def __call__(self, chunk: Chunk, ctx: RunContext, year: int) -> Any:
        """Run the kernel on a chunk in a year."""
        return self.kernel(*self.arguments(chunk, ctx, year))

    def arguments(self, chunk: Chunk, ctx: RunContext, year: int) -> list[Any]:
        """The values a call on a chunk in a year passes (what Numba types the call by)."""
        return [source(chunk, ctx, year) for source in self.sources]


def bind(
    module: str,
    kernel: Callable[..., Any],
    states: Sequence[StateSpec],
    scratch: Sequence[StateSpec],
    extra: Mapping[str, Argument],
) -> BoundKernel:
    """Resolve every argument of ``kernel`` to a chunk column or a scalar.

    Args:
        module: Module name (for messages).
        kernel: The kernel.
        states: The plan's state columns.
        scratch: The plan's scratch columns.
        extra: The module's own scalars (:attr:`Module.arguments`) and call-specific values.

    Raises:
        PlanError: For an argument that names nothing the engine knows.
    """
    state_names = {s.name for s in states}
    scratch_names = {s.name for s in scratch}
    sources: list[Argument] = []
    for name in argument_names(kernel):
        if name in extra:
            sources.append(extra[name])
        elif name in state_names:
            sources.append(_column(name, "arrays"))
        elif name in scratch_names:
            sources.append(_column(name, "scratch"))
        elif name in RUN_ARGUMENTS:
            sources.append(RUN_ARGUMENTS[name][0])
        else:
            known = sorted(state_names | scratch_names | set(RUN_ARGUMENTS) | set(extra))
            raise PlanError(
                f"module '{module}': kernel {kernel_name(kernel)} takes an argument '{name}' "
                f"that is no state, scratch column or run argument; known names: "
                f"{', '.join(known)}"
            )
    return BoundKernel(module, kernel, argument_names(kernel), tuple(sources))


def call_by_name(
    kernel: Callable[..., Any], chunk: Chunk, ctx: RunContext, year: int, **extra: Any
) -> Any:
    """Call a kernel outside the plan (snapshots), binding its arguments the same way.

    Args:
        kernel: The kernel.
        chunk: The chunk whose columns are passed.
        ctx: The run context.
        year: The year.
        **extra: Values for arguments that are no column or run argument.
    """
    states = [StateSpec(name, str(a.dtype), "chunk", "") for name, a in chunk.arrays.items()]
    scratch = [StateSpec(name, str(a.dtype), "chunk", "") for name, a in chunk.scratch.items()]
    constants = {name: _constant(value) for name, value in extra.items()}
    return bind("snapshot", kernel, states, scratch, constants)(chunk, ctx, year)


def _constant(value: Any) -> Argument:
    def constant(chunk: Chunk, ctx: RunContext, year: int) -> Any:
        return value

    return constant
