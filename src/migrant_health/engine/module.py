"""The module contract: owned states, kernels, parameters and results.

A module is one mechanism of the model. It owns the states it initialises (``states``,
``scratch``), lists its Numba kernels (``init_kernels`` run once at the start, ``step_kernels``
every year) and what they write. The engine binds every kernel argument by name
(:mod:`migrant_health.engine.binding`), so what a module *reads* follows from its kernels'
signatures: the arguments that are neither written nor run scalars.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from migrant_health.engine.binding import RUN_ARGUMENTS, Argument, argument_names
from migrant_health.engine.metrics import Metric
from migrant_health.engine.population import StateSpec

Kernel = Callable[..., Any]


class Module:
    """One mechanism of the model.

    Attributes:
        name: Module name, also the first part of its parameter paths.
        seed_sections: Seed sections the module makes computable.
        summary: One line on what the module does each year.
        states: State columns the module owns (initialises and mainly writes).
        scratch: Per-year scratch columns the module owns.
        init_kernels: Kernels run once, in order, when the chunk is initialised.
        step_kernels: Kernels run every year, in order.
        writes: State and scratch columns the kernels write (each must be a kernel argument).
        parameters: Parameter subtrees used (``"health"``, ``"policy.fair_employment"``).
        arguments: Scalars of the module's own that its kernels take by name, each computed
            from the chunk, the run context and the year (``conversion_rate``).
        metrics: Metrics computed by the module's kernels (the module that accumulates the
            statistics declares them; the accumulator's columns follow from them).
    """

    name: ClassVar[str] = "module"
    seed_sections: ClassVar[tuple[str, ...]] = ()
    summary: ClassVar[str] = ""
    states: ClassVar[tuple[StateSpec, ...]] = ()
    scratch: ClassVar[tuple[StateSpec, ...]] = ()
    init_kernels: ClassVar[tuple[Kernel, ...]] = ()
    step_kernels: ClassVar[tuple[Kernel, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    parameters: ClassVar[tuple[str, ...]] = ()
    arguments: ClassVar[Mapping[str, Argument]] = {}
    metrics: ClassVar[tuple[Metric, ...]] = ()

    @classmethod
    def kernel_arguments(cls) -> tuple[str, ...]:
        """Every argument name of the module's kernels, first appearance first."""
        names: dict[str, None] = {}
        for kernel in (*cls.init_kernels, *cls.step_kernels):
            names.update(dict.fromkeys(argument_names(kernel)))
        return tuple(names)

    @classmethod
    def reads(cls) -> tuple[str, ...]:
        """Columns the kernels take but do not write (run scalars and own scalars excluded)."""
        return tuple(
            name
            for name in cls.kernel_arguments()
            if name not in cls.writes and name not in RUN_ARGUMENTS and name not in cls.arguments
        )
