"""The yearly plan: which module runs when. The order lives here and nowhere else.

``migrant-health plan`` prints it. Initialisation has its own order, because who is an
out-migrant at the start depends on health (healthy-migrant selection) and jobs depend on
where people are.
"""

from __future__ import annotations

from migrant_health.engine.module import Module
from migrant_health.modules.care import Care
from migrant_health.modules.demography import Demography
from migrant_health.modules.health import Health
from migrant_health.modules.integration import Integration
from migrant_health.modules.labor import Labor
from migrant_health.modules.migration import Migration
from migrant_health.modules.results import Results
from migrant_health.modules.social import Social

YEARLY_PLAN: tuple[type[Module], ...] = (
    Demography,
    Health,
    Care,
    Labor,
    Social,
    Integration,
    Migration,
    Results,
)
INIT_PLAN: tuple[type[Module], ...] = (
    Demography,
    Health,
    Migration,
    Labor,
    Care,
    Social,
)


def build_plan() -> list[Module]:
    """Fresh module instances in yearly order."""
    return [cls() for cls in YEARLY_PLAN]


def build_init_plan() -> list[Module]:
    """Fresh module instances in initialisation order."""
    return [cls() for cls in INIT_PLAN]


def describe_plan() -> list[dict[str, str]]:
    """One row per yearly step: order, module, seed sections, what it does, states, parameters."""
    rows = []
    for order, cls in enumerate(YEARLY_PLAN, start=1):
        rows.append(
            {
                "step": str(order),
                "module": cls.name,
                "seed": ", ".join(cls.seed_sections) or "-",
                "does": cls.summary,
                "reads": ", ".join(cls.reads) or "-",
                "writes": ", ".join(cls.writes) or "-",
                "parameters": ", ".join(cls.parameters) or "-",
                "results": ", ".join(cls.results) or "-",
            }
        )
    return rows
