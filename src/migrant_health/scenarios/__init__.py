"""The shipped scenarios of the seed's section 4 (package data) and the scenario resolver.

``migrant-health scenarios list`` and ``scenarios show NAME`` describe them; every command that
takes a scenario resolves it with :func:`resolve_scenario` (a shipped name, a YAML path, or a
stack ``a+b``).
"""

from migrant_health.scenarios.library import (
    BASELINE,
    SHIPPED_DIR,
    baseline_scenario,
    check_scenario,
    resolve_scenario,
    resolve_stack,
    shipped_names,
    shipped_path,
)
from migrant_health.scenarios.phase_in import phase_in

__all__ = [
    "BASELINE",
    "SHIPPED_DIR",
    "baseline_scenario",
    "check_scenario",
    "phase_in",
    "resolve_scenario",
    "resolve_stack",
    "shipped_names",
    "shipped_path",
]
