"""The module contract: declared states, parameters and results; ``init`` and ``step``."""

from __future__ import annotations

from typing import ClassVar

from migrant_health.engine.context import RunContext
from migrant_health.engine.population import Chunk


class Module:
    """One mechanism of the model.

    Subclasses declare what they read and write, and which parameter subtree they use, so the
    plan can be printed and checked. ``step`` is called once per year and chunk, in plan order;
    it must only touch the states it declares (``writes``) and read those it lists (``reads``).

    Attributes:
        name: Module name, also the first part of its parameter paths.
        seed_sections: Seed sections the module makes computable.
        summary: One line on what the module does each year.
        reads: State and scratch columns read.
        writes: State and scratch columns written.
        parameters: Parameter subtrees used (``"health"``, ``"policy.fair_employment"``).
        results: Metrics (see ``migrant-health metrics``) that mainly report this module's work.
    """

    name: ClassVar[str] = "module"
    seed_sections: ClassVar[tuple[str, ...]] = ()
    summary: ClassVar[str] = ""
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    parameters: ClassVar[tuple[str, ...]] = ()
    results: ClassVar[tuple[str, ...]] = ()

    def init(self, chunk: Chunk, ctx: RunContext) -> None:
        """Set initial values of the states the module owns (default: nothing)."""

    def step(self, chunk: Chunk, year: int, ctx: RunContext) -> None:  # pragma: no cover
        """Advance the chunk by one year."""
        raise NotImplementedError
