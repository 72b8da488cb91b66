"""The default model: the package's mechanisms assembled into a plan, and ``simulate``.

The engine runs any :class:`~migrant_health.engine.plan.Plan`; this module says which modules
make up the model of the seed paper and in which order they run. The yearly order is
demography -> health -> care -> labor -> social -> integration -> migration -> results.
Initialisation has its own order: who is an out-migrant at the start depends on health
(healthy-migrant selection), jobs depend on where people are, and the steady start settles
health, mental health and savings last, on each person's own history.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import TYPE_CHECKING

from migrant_health.engine.executors import Executor
from migrant_health.engine.plan import Plan
from migrant_health.engine.run import ProgressCallback, RunResult, compile_plan_kernels, run_plan
from migrant_health.engine.run_config import RunConfig
from migrant_health.modules.care import Care
from migrant_health.modules.demography import Demography
from migrant_health.modules.health import Health
from migrant_health.modules.integration import Integration
from migrant_health.modules.labor import Labor
from migrant_health.modules.migration import Migration
from migrant_health.modules.results import Results
from migrant_health.modules.social import Social
from migrant_health.modules.steady_start import SteadyStart
from migrant_health.params import Scenario

if TYPE_CHECKING:  # pragma: no cover - types only
    import pandas as pd


@cache
def default_plan() -> Plan:
    """The model of the seed paper (built and checked once per process)."""
    return Plan(
        init=(Demography(), Health(), Migration(), Labor(), Care(), Social(), SteadyStart()),
        yearly=(
            Demography(),
            Health(),
            Care(),
            Labor(),
            Social(),
            Integration(),
            Migration(),
            Results(),
        ),
    )


def metrics() -> pd.DataFrame:
    """Every output metric of the model, with its unit and definition (what ``migrant-health
    metrics`` lists): the names :meth:`RunResult.series` and ``value`` take.

    Example::

        table = metrics()
        table.set_index("metric").loc["depression_share", "unit"]  # 'share (0-1)'

    Returns:
        Columns ``metric``, ``unit``, ``definition`` and ``by`` (the extra key a metric is split
        by, such as ``stage``; missing where it is split by none).
    """
    import pandas as pd

    return pd.DataFrame(
        [
            {"metric": m.name, "unit": m.unit, "definition": m.definition, "by": m.by}
            for m in default_plan().metrics
        ],
        columns=["metric", "unit", "definition", "by"],
    )


def simulate(
    config: RunConfig | None = None,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Run the national microsimulation of the default model.

    The arguments, result and errors are those of :func:`migrant_health.engine.run.run_plan`:
    ``config`` defaults to 2008-2035 at 1,000 persons per agent with seed 1; ``progress`` is
    called with ``(chunks_done, chunks_total)``; ``executor`` defaults to serial for one worker
    and processes otherwise. Raises ``RunConfigError`` or ``ScenarioError`` for bad settings.

    A scenario that sets a policy lever from 2008 on (a value without a year) draws a
    :class:`~migrant_health.scenarios.levers.LeverTimingWarning`: it rewrites the calibrated
    years too.
    """
    if isinstance(config, RunConfig) and config.scenario is not None:
        warn_levers_from_the_start(config.scenario)
        warn_idle_levers(config.scenario, config.end)
    return run_plan(default_plan(), config, progress, executor)


def warn_idle_levers(scenario: Scenario, end: int, name: str | None = None) -> None:
    """Warn (:class:`IdleLeverWarning`) of levers that take effect only after ``end``, as the
    command line does: a scenario whose every lever starts later runs as the baseline."""
    from migrant_health.scenarios.levers import IdleLeverWarning, idle_levers_message

    # A scenario made in Python has no file to name ("<scenario>"): its name says more.
    origin = scenario.name if scenario.origin.startswith("<") else scenario.origin
    message = idle_levers_message(
        scenario.idle_paths(end), len(scenario.overrides), end, name or origin
    )
    if message is not None:
        warnings.warn(message, IdleLeverWarning, stacklevel=3)


def warn_levers_from_the_start(scenario: Scenario) -> None:
    """Warn (:class:`LeverTimingWarning`) of levers a scenario sets from the first year on."""
    from migrant_health.params.scenario import FIRST_YEAR
    from migrant_health.scenarios.levers import LeverTimingWarning, levers_from_the_start_message

    message = levers_from_the_start_message(scenario.first_years(), FIRST_YEAR, scenario.origin)
    if message is not None:
        warnings.warn(message, LeverTimingWarning, stacklevel=3)


def compile_kernels(
    config: RunConfig | None = None, progress: ProgressCallback | None = None
) -> bool:
    """Compile the default model's kernels now, side by side on this machine's cores.

    A first run does this by itself; call it before starting runs in processes of your own,
    which would each compile every kernel. Nothing is done when a run has finished since the
    kernel sources last changed.

    Args:
        config: Runs like which (the kernels' argument types do not depend on its settings;
            defaults to :class:`RunConfig`'s defaults).
        progress: Called with ``(kernels compiled, kernels)``, first with none compiled.

    Returns:
        Whether the kernels were compiled.
    """
    return compile_plan_kernels(default_plan(), config or RunConfig(), progress)
