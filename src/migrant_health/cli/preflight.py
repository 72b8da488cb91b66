"""What a command checks and says before it starts simulating.

A national run takes minutes, a calibration hours: every setting, the scenario and the output
path are checked first, so a mistake costs seconds. Before the work starts the command also
says what would otherwise surprise: fewer workers than asked (and why), scenario keys that take
effect only after the last simulated year, and a first run that compiles its kernels.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from migrant_health.cli.errors import stderr
from migrant_health.cli.progress import count_progress
from migrant_health.errors import RunConfigError

if TYPE_CHECKING:
    from migrant_health.engine.run import ProgressCallback
    from migrant_health.engine.run_config import RunConfig
    from migrant_health.params import Scenario

# The engine and the model (pandas, Numba: seconds) are imported in the functions that use them:
# every start of the command line, even --help, imports this module.

COMPILING = "compiling kernels (first run only, a few minutes) ..."


def kernels_cached() -> bool:
    """Whether a run starts without compiling its kernels (``engine.jit.kernels_cached``).

    The engine is imported on use; the name is this module's, for tests to replace here.
    """
    from migrant_health.engine.jit import kernels_cached as cached

    return cached()


def compile_kernels(
    config: RunConfig | None = None, progress: ProgressCallback | None = None
) -> bool:
    """Compile the model's kernels side by side (:func:`migrant_health.model.compile_kernels`).

    The model is imported on use; the name is this module's, for tests to replace here.
    """
    from migrant_health.model import compile_kernels as compile_all

    return compile_all(config, progress)


def warn(message: str) -> None:
    """Print ``warning: message`` on stderr (the run goes on)."""
    stderr.print(Text.assemble(("warning:", "bold yellow"), f" {message}"), highlight=False)


def workers_from_option(workers: int) -> int:
    """The processes ``--workers`` asks for: 0 means every available core.

    Raises:
        RunConfigError: For a negative number.
    """
    if workers < 0:
        raise RunConfigError(f"--workers {workers}: give 0 (every available core) or more")
    from migrant_health.engine.executors import default_workers

    return workers or default_workers()


def prepare_run(
    config: RunConfig, workers_option: int, console: Console, scheduler: str | None = None
) -> RunConfig:
    """Check a run's settings and scenario, fit its workers, and say what needs saying.

    Args:
        config: The run as asked for (``workers`` already resolved from ``workers_option``).
        workers_option: ``--workers`` as given; 0 means "every core", which is fitted to the
            work silently, while an explicit number that is too large gets a note.
        console: Where notes go.
        scheduler: ``--scheduler``; a cluster given by address sizes itself, so the workers
            are not fitted to this machine's cores.

    Returns:
        ``config`` with the workers that will run (as ``run.json`` records them).

    Raises:
        RunConfigError, ScenarioError: for impossible settings or a bad scenario.
    """
    from migrant_health.engine.executors import cap_workers, default_workers
    from migrant_health.engine.run_config import chunk_range
    from migrant_health.engine.run_context import count_chunks

    total = count_chunks(config)  # checks --chunks against the run's chunks too
    chunks = len(chunk_range(config, total))
    if scheduler is not None and scheduler != "local":
        used, note = config.workers, None
    else:
        used, note = cap_workers(workers_option or default_workers(), chunks)
    if note and workers_option:
        console.print(f"note: {note}", highlight=False)
    scenario = config.scenario
    if scenario is not None:
        from migrant_health.scenarios.levers import idle_levers_message

        warn_levers_from_the_start(scenario)
        idle = idle_levers_message(
            scenario.idle_paths(config.end), len(scenario.overrides), config.end, scenario.origin
        )
        if idle is not None:
            warn(idle)
    compile_first(config, console, compiles_here(scheduler))
    # Also the first line of a log: the progress bar is not drawn when output is not a terminal.
    if config.chunks is None:
        what = f"{chunks} chunk{'s' if chunks != 1 else ''}"
    else:
        first, stop = config.chunks
        what = f"chunks {first}:{stop} of {total} (a partial run)"
    if scheduler is None:
        where = f"{used} worker{'s' if used != 1 else ''}"
    elif scheduler == "local":
        where = f"a local Dask cluster of {used} worker{'s' if used != 1 else ''}"
    else:
        where = f"the Dask cluster at {scheduler}"
    console.print(f"simulating {config.start}-{config.end}: {what} on {where}", highlight=False)
    return replace(config, workers=used)


def warn_levers_from_the_start(scenario: Scenario) -> None:
    """Warn of levers that hold from the base year: they rewrite the calibrated past too."""
    from migrant_health.params.scenario import FIRST_YEAR
    from migrant_health.scenarios.levers import levers_from_the_start_message

    message = levers_from_the_start_message(scenario.first_years(), FIRST_YEAR, scenario.origin)
    if message is not None:
        warn(message)


def compiles_here(scheduler: str | None) -> bool:
    """Whether the runs of ``--scheduler`` load this machine's compiled kernels.

    Args:
        scheduler: ``--scheduler`` (``None``: no Dask cluster).

    Returns:
        True for runs here or on a local Dask cluster; a cluster given by address compiles on
        its own machines.
    """
    return scheduler is None or scheduler == "local"


def compile_first(config: RunConfig, console: Console, here: bool = True) -> None:
    """Before a first run, say that the kernels compile and, for runs here, compile them.

    They compile side by side on this machine's cores
    (:func:`migrant_health.model.compile_kernels`), under a bar of the kernels done when the
    console is a terminal; the runs then load them. Nothing is said or done once a run has
    finished since the kernel sources last changed.

    Args:
        config: Runs like which.
        console: Where the note and the bar go.
        here: Whether the runs are this machine's (:func:`compiles_here`); if not, only the
            note is printed.
    """
    if kernels_cached():
        return
    console.print(COMPILING, highlight=False)
    if not here:
        return
    # The kernels compile in forked processes: the streams stay the real ones.
    with count_progress("compiling", "kernels", console, redirect_streams=False) as progress:
        compile_kernels(config, progress)
