"""The plan: the model as data. Which modules run, in which order, with which states and metrics.

The engine runs whatever plan it is handed; it does not know the mechanisms. The package
assembles the default model (:mod:`migrant_health.model`). ``migrant-health plan`` prints it.
Initialisation has its own order, because who is an out-migrant at the start depends on health
(healthy-migrant selection) and jobs depend on where people are.

Building a plan checks it: every kernel argument must name a state, a scratch column, a run
argument or a scalar of the module's own; every declared write must be a kernel argument; no
state is owned twice; every metric's statistics are accumulated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migrant_health.engine.binding import Argument, BoundKernel, bind, kernel_name
from migrant_health.engine.metrics import Metric, statistics_of
from migrant_health.engine.module import Module
from migrant_health.engine.population import POPULATION_SCRATCH, POPULATION_STATES, StateSpec
from migrant_health.errors import PlanError


@dataclass(frozen=True)
class Plan:
    """A model: initialisation order, yearly order, states and metrics.

    Attributes:
        init: Modules whose ``init_kernels`` run once, in this order.
        yearly: Modules whose ``step_kernels`` run every year, in this order.
    """

    init: tuple[Module, ...]
    yearly: tuple[Module, ...]

    def __post_init__(self) -> None:
        self._check_states()
        self._check_metrics()
        # Bind once now so that a wrong argument name fails here, not inside a worker.
        self.init_kernels()
        self.step_kernels()

    @property
    def modules(self) -> tuple[Module, ...]:
        """Every module of the plan, once, in yearly order then initialisation-only ones."""
        seen: dict[str, Module] = {}
        for module in (*self.yearly, *self.init):
            seen.setdefault(module.name, module)
        return tuple(seen.values())

    @property
    def states(self) -> tuple[StateSpec, ...]:
        """Stored state columns: the population's, then each module's."""
        return (*POPULATION_STATES, *(s for m in self.modules for s in m.states))

    @property
    def scratch(self) -> tuple[StateSpec, ...]:
        """Per-year scratch columns: the population's, then each module's."""
        return (*POPULATION_SCRATCH, *(s for m in self.modules for s in m.scratch))

    @property
    def metrics(self) -> tuple[Metric, ...]:
        """Output metrics, as declared by the modules that compute them."""
        return tuple(metric for module in self.modules for metric in module.metrics)

    @property
    def statistics(self) -> tuple[str, ...]:
        """The accumulator's columns, in order (they follow from the metrics)."""
        return statistics_of(self.metrics)

    @property
    def metrics_by_name(self) -> dict[str, Metric]:
        """Metrics keyed by name."""
        return {m.name: m for m in self.metrics}

    def bytes_per_agent(self) -> int:
        """Bytes of stored state per agent (scratch excluded: it is per chunk, reused yearly)."""
        return sum(np.dtype(s.dtype).itemsize for s in self.states)

    def init_kernels(self) -> tuple[BoundKernel, ...]:
        """Bound initialisation kernels, in order."""
        return self._bind(self.init, "init_kernels")

    def step_kernels(self) -> tuple[BoundKernel, ...]:
        """Bound yearly kernels, in order."""
        return self._bind(self.yearly, "step_kernels")

    def _check_states(self) -> None:
        owners: dict[str, str] = {}
        declared = [("population", s) for s in (*POPULATION_STATES, *POPULATION_SCRATCH)]
        declared += [(m.name, s) for m in self.modules for s in (*m.states, *m.scratch)]
        for module, spec in declared:
            if spec.name in owners:
                raise PlanError(
                    f"state '{spec.name}' is declared by both '{owners[spec.name]}' and "
                    f"'{module}'; a state has one owner"
                )
            owners[spec.name] = module

    def _check_metrics(self) -> None:
        accumulating = [m for m in self.modules if "acc" in m.kernel_arguments()]
        if len(accumulating) > 1:
            raise PlanError(
                f"modules {[m.name for m in accumulating]} all accumulate statistics; the "
                "accumulator's layout follows from the metrics of one module"
            )
        if accumulating and statistics_of(accumulating[0].metrics) != self.statistics:
            # Its kernel addresses the columns of its own metrics; others would shift them.
            raise PlanError(
                f"module '{accumulating[0].name}' accumulates the statistics, so every metric "
                "must be declared there"
            )
        names = [m.name for m in self.metrics]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise PlanError(f"metrics declared twice: {', '.join(doubled)}")
        modules = {m.name for m in self.modules}
        for metric in self.metrics:
            if metric.reports and metric.reports not in modules:
                raise PlanError(
                    f"metric '{metric.name}' reports module '{metric.reports}', which is not "
                    f"in the plan ({', '.join(sorted(modules))})"
                )

    def _bind(self, modules: tuple[Module, ...], attribute: str) -> tuple[BoundKernel, ...]:
        bound = []
        for module in modules:
            arguments = set(module.kernel_arguments())
            unwritable = [w for w in module.writes if w not in arguments]
            if unwritable:
                raise PlanError(
                    f"module '{module.name}' declares writes {unwritable} that none of its "
                    "kernels takes as an argument"
                )
            for kernel in getattr(module, attribute):
                bound.append(bind(module.name, kernel, self.states, self.scratch, module.arguments))
        return tuple(bound)

    def describe(self) -> list[dict[str, str]]:
        """One row per yearly step: order, module, seed sections, what it does, states,
        parameters, kernels and the metrics that report it."""
        rows = []
        for order, module in enumerate(self.yearly, start=1):
            reported = [m.name for m in self.metrics if m.reports == module.name]
            rows.append(
                {
                    "step": str(order),
                    "module": module.name,
                    "seed": ", ".join(module.seed_sections) or "-",
                    "does": module.summary,
                    "reads": ", ".join(module.reads()) or "-",
                    "writes": ", ".join(module.writes) or "-",
                    "parameters": ", ".join(module.parameters) or "-",
                    "results": ", ".join(reported) or "-",
                    "kernels": ", ".join(
                        kernel_name(k) for k in (*module.init_kernels, *module.step_kernels)
                    )
                    or "-",
                }
            )
        return rows


__all__ = ["Argument", "Plan"]
