"""Calibration of the free parameters against the targets, with Optuna.

**What is sampled.** Every parameter whose leaf carries ``calibrate: [low, high]``
(:func:`free_parameters`), uniformly within that range:

- a scalar parameter directly;
- a vector parameter (an age profile, say) element by element, as ``path[k]``;
- a by-year parameter (``{year: value}``) through one additive shift of all its years,
  ``path+shift``, bounded so that every year stays inside the calibration range: the
  trajectory's *shape* stays the documented assumption, its level is calibrated;
- a vector by year is skipped (none exists today).

**Objective.** The weighted mean squared error in units of tolerance,
:func:`~migrant_health.experiments.fit.objective`, with tolerances *fixed before the first
trial*: the study's start point (the shipped defaults) is run with ``replicates`` other seeds
at the calibration scale, the spread across seeds gives each target's Monte Carlo standard
error, and ``tolerance = max(CI half-width, 2 SE, floor)`` is written to ``tolerances.csv``.
Every trial then runs the model at the study's seed (common random numbers: parameter values
are compared on the same random draws, so the objective is a deterministic function of the
parameters).

**Study directory.** ``study.json`` (settings: targets file and its SHA-256, scale, seed, end,
trials, free parameters, replicates; and the best result so far), ``targets.csv`` (a copy of
the targets), ``tolerances.csv``, ``journal.log`` (Optuna's JournalStorage: append-only and
file-locked, so several worker processes can run ``study.optimize`` on it at once, and an
interrupted study resumes where it stopped), ``best.yaml`` (the best parameters as a
scenario file for ``migrant-health simulate --scenario`` or ``fit --scenario``) and
``trials.csv`` (every completed trial: ``trial``, ``objective_J`` and a column per coordinate,
trial 0 the start point; the comparisons draw their parameter sets from it,
:mod:`migrant_health.experiments.parameter_draws`). A study is
resumed only with the same targets, scale, seed, end, parameters and replicates; ``trials`` is
the total number of completed trials wanted and may grow between runs.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from migrant_health import small_runs
from migrant_health.atomic import atomic_path
from migrant_health.data import load_demography
from migrant_health.engine.interrupts import sigint_deferred, sigint_ignored, terminate
from migrant_health.engine.process_pool import use_the_real_streams
from migrant_health.engine.run_config import RunConfig
from migrant_health.errors import MigrantHealthError
from migrant_health.experiments.fit import fit_table, objective
from migrant_health.experiments.matching import (
    MatchedTargets,
    load_targets,
    match_targets,
    model_values,
)
from migrant_health.experiments.quantity import ModelRun, replicate_se, simulate_cells
from migrant_health.experiments.sampler import RefiningSampler
from migrant_health.model import compile_kernels
from migrant_health.params import ParameterTree, Scenario
from migrant_health.params.spec import Value
from migrant_health.params.tree import unknown_path_message
from migrant_health.setting_names import setting

STUDY_NAME = "migrant_health"
SETTINGS_FILE = "study.json"
TARGETS_FILE = "targets.csv"
TOLERANCES_FILE = "tolerances.csv"
JOURNAL_FILE = "journal.log"
#: Seconds a calibration worker has to stop after a Ctrl-C before it is terminated.
WORKER_GRACE = 10.0
BEST_FILE = "best.yaml"
#: Every completed trial: its number, its objective and its value of each coordinate.
TRIALS_FILE = "trials.csv"

ProgressCallback = Callable[[int, int, float], None]


class CalibrationError(MigrantHealthError, ValueError):
    """A calibration cannot start: bad settings, or a study directory made with others."""


@dataclass(frozen=True)
class FreeParameter:
    """One dimension of the calibration search.

    Attributes:
        name: Name in the Optuna study (``path``, ``path[k]`` or ``path+shift``).
        path: Parameter path in the tree.
        low: Lower bound of the search.
        high: Upper bound of the search.
        mode: ``scalar``, ``element`` (of a vector) or ``shift`` (of a by-year parameter).
        index: Element of a vector (``element`` mode).
        start: Value at the start point (the tree's current value; 0 for a shift).
    """

    name: str
    path: str
    low: float
    high: float
    mode: Literal["scalar", "element", "shift"]
    index: int | None = None
    start: float = 0.0


def free_parameters(tree: ParameterTree, only: Sequence[str] | None = None) -> list[FreeParameter]:
    """The calibration's search dimensions: every parameter with a ``calibrate`` range.

    Args:
        tree: The parameter tree (a scenario may have been applied: its values are the start).
        only: Restrict to these paths (each must carry a ``calibrate`` range).

    Raises:
        CalibrationError: For a path in ``only`` that is unknown or has no calibrate range.
    """
    paths = [p for p in tree.paths() if tree.spec(p).calibrate is not None]
    if only is not None:
        unknown = [p for p in only if p not in tree]
        if unknown:
            raise CalibrationError(unknown_path_message(unknown[0], tree.specs))
        bad = [p for p in only if tree.spec(p).calibrate is None]
        if bad:
            raise CalibrationError(
                f"parameter(s) {', '.join(bad)} cannot be calibrated: each must be a path with a "
                f"'calibrate: [low, high]' range (these have one: {', '.join(paths)})"
            )
        paths = [p for p in paths if p in set(only)]
    free: list[FreeParameter] = []
    for path in paths:
        spec = tree.spec(path)
        assert spec.calibrate is not None
        low, high = spec.calibrate
        value = _current(tree, path)
        if isinstance(value, dict):
            numbers = [float(v) for v in value.values() if not isinstance(v, list)]
            if len(numbers) < len(value):
                continue  # a vector by year: skipped (documented)
            lo, hi = low - min(numbers), high - max(numbers)
            if lo > hi:
                raise CalibrationError(
                    f"{path}: its years span {min(numbers):g}..{max(numbers):g}, wider than the "
                    f"calibration range [{low:g}, {high:g}]; no common shift keeps them inside"
                )
            free.append(FreeParameter(f"{path}+shift", path, lo, hi, "shift", start=0.0))
        elif isinstance(value, list):
            for k, element in enumerate(value):
                free.append(
                    FreeParameter(
                        f"{path}[{k}]", path, low, high, "element", k, _clip(element, low, high)
                    )
                )
        else:
            free.append(
                FreeParameter(path, path, low, high, "scalar", start=_clip(value, low, high))
            )
    return free


def _current(tree: ParameterTree, path: str) -> Value:
    """The value of a parameter with the tree's last override on top (the start point)."""
    layers = tree.overrides.get(path, [])
    return layers[-1] if layers else tree.spec(path).value


def _clip(value: Any, low: float, high: float) -> float:
    return float(min(max(float(value), low), high))


def parameter_overrides(
    values: Mapping[str, float], free: Sequence[FreeParameter], tree: ParameterTree
) -> dict[str, Value]:
    """Scenario overrides ``{path: value}`` for one point of the search space."""
    overrides: dict[str, Value] = {}
    for parameter in free:
        x = float(values[parameter.name])
        if parameter.mode == "scalar":
            overrides[parameter.path] = x
        elif parameter.mode == "element":
            current = overrides.get(parameter.path)
            if not isinstance(current, list):
                base = _current(tree, parameter.path)
                current = [float(v) for v in base] if isinstance(base, list) else []
            assert parameter.index is not None
            current[parameter.index] = x
            overrides[parameter.path] = current
        else:
            base = _current(tree, parameter.path)
            assert isinstance(base, dict)
            spec = tree.spec(parameter.path)
            overrides[parameter.path] = {
                int(year): _clip(float(v) + x, *spec.range)  # type: ignore[arg-type]
                for year, v in base.items()
            }
    return overrides


@dataclass(frozen=True)
class CalibrationSettings:
    """What a study was created with (``study.json``); a resumed study must match.

    Attributes:
        targets_file: The targets file given (``package`` for the shipped one).
        targets_sha256: SHA-256 of the targets file's bytes.
        scale: Persons per agent in every trial.
        seed: Seed of every trial (common random numbers).
        end: Last simulated year (the latest target year compared).
        trials: Completed trials wanted in total.
        parameters: Names of the search dimensions.
        bounds: ``[low, high]`` of each dimension.
        replicates: Seeds run at the start point to fix the tolerances.
    """

    targets_file: str
    targets_sha256: str
    scale: float
    seed: int
    end: int
    trials: int
    parameters: list[str]
    bounds: list[list[float]]
    replicates: int

    def identity(self) -> dict[str, Any]:
        """The settings that must not change when a study is resumed."""
        out = asdict(self)
        out.pop("trials")
        out.pop("targets_file")
        return out


@dataclass(frozen=True)
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    Attributes:
        study_dir: The study directory.
        best_values: Best value of each search dimension.
        best_objective: Objective of the best trial.
        scenario: The best parameters as scenario overrides ``{path: value}``.
        n_trials: Completed trials in the study.
        start_objective: Objective at the start point (the first trial).
        scenario_file: Path of ``best.yaml``.
    """

    study_dir: Path
    best_values: dict[str, float]
    best_objective: float
    scenario: dict[str, Value]
    n_trials: int
    start_objective: float
    scenario_file: Path = field(default_factory=Path)


def calibrate(
    study_dir: str | Path,
    targets: str | Path | None = None,
    *,
    trials: int = 100,
    workers: int = 1,
    scale: float = 5_000.0,
    seed: int = 1,
    parameters: Sequence[str] | None = None,
    end: int | None = None,
    replicates: int = 3,
    progress: ProgressCallback | None = None,
) -> CalibrationResult:
    """Create or resume a calibration study and run it to ``trials`` completed trials.

    Args:
        study_dir: Directory of the study (created if missing; resumed if it holds one).
        targets: Targets CSV (default: the shipped ``calibration_targets.csv``).
        trials: Completed trials wanted in total (the start point counts as one).
        workers: Worker processes running ``study.optimize`` on the shared journal.
        scale: Persons per agent in every trial (coarse scales are cheap and noisier).
        seed: Seed of every trial (common random numbers).
        parameters: Restrict the search to these paths (default: every ``calibrate`` leaf).
        end: Last simulated year (default: the latest year the targets need).
        replicates: Extra seeds run at the start point to fix the tolerances (0 or 1: the
            analytic standard errors of the start run instead).
        progress: Called with ``(completed, trials, best objective)`` as trials finish.

    Returns:
        The best parameters, also written to ``best.yaml`` in the study directory.

    Raises:
        CalibrationError: For bad settings or a study directory created with other settings.
        DataError: For a malformed targets file.
    """
    if trials < 1 or workers < 1 or replicates < 0:
        raise CalibrationError(
            f"{setting('trials', trials)} and {setting('workers', workers)} must be at least 1, "
            f"{setting('replicates', replicates)} at least 0"
        )
    trials = small_runs.shrink_count(trials, small_runs.TRIALS)
    replicates = small_runs.shrink_count(replicates, 0)
    directory = Path(study_dir)
    if directory.exists() and not directory.is_dir():
        raise CalibrationError(
            f"{setting('study_dir', str(directory), flag='--study')} exists and is not a directory"
        )
    raw = _targets_bytes(targets)
    frame = load_targets(targets)
    matched = match_targets(frame)
    if not matched.comparisons:
        raise CalibrationError(matched.why_none_compared())
    tree = ParameterTree.load()
    free = free_parameters(tree, parameters)
    if not free:
        raise CalibrationError("no parameter to calibrate (none has a calibrate range)")
    demography = load_demography()
    last = min(matched.years[1], demography.last_year) if end is None else end
    if end is not None:  # a --end the user gave is named first; one taken from the targets is not
        RunConfig(end=last).validate(demography.first_year, demography.last_year)
    matched.require_years(demography.first_year, last, demography.last_year)
    settings = CalibrationSettings(
        targets_file=str(targets) if targets is not None else "package",
        targets_sha256=hashlib.sha256(raw).hexdigest(),
        scale=float(scale),
        seed=int(seed),
        end=int(last),
        trials=int(trials),
        parameters=[p.name for p in free],
        bounds=[[p.low, p.high] for p in free],
        replicates=int(replicates),
    )
    checked = RunConfig(end=settings.end, scale=settings.scale, seed=settings.seed)
    checked.validate(demography.first_year, demography.last_year)
    checked.check_seeds(settings.replicates + 1)
    settings_path = directory / SETTINGS_FILE
    if settings_path.exists():
        stored = json.loads(settings_path.read_text(encoding="utf-8"))
        previous = CalibrationSettings(**stored["settings"])
        if previous.identity() != settings.identity():
            changed = [k for k, v in settings.identity().items() if previous.identity().get(k) != v]
            raise CalibrationError(
                f"{directory} holds a study made with other settings ({', '.join(changed)} "
                f"differ); resume it with the same settings or choose a new "
                f"{setting('study_dir', flag='--study')} directory"
            )
    else:
        directory.mkdir(parents=True, exist_ok=True)
        with atomic_path(directory / TARGETS_FILE) as tmp:
            tmp.write_bytes(raw)
        tolerances = fixed_tolerances(matched, free, tree, settings)
        with atomic_path(directory / TOLERANCES_FILE) as tmp:
            tmp.write_bytes(tolerances.to_csv(index=False).encode())
    _write_settings(directory, settings, None)
    storage = _storage(directory / JOURNAL_FILE)
    study = _study(storage, settings, worker=0, finished=0)
    _fail_stale_trials(study, storage)
    if not study.trials:
        study.enqueue_trial({p.name: p.start for p in free})
    _run_workers(directory, settings, workers, progress)
    return finish(directory)


def fixed_tolerances(
    matched: MatchedTargets,
    free: Sequence[FreeParameter],
    tree: ParameterTree,
    settings: CalibrationSettings,
) -> pd.DataFrame:
    """Tolerances fixed before calibrating, from replicate runs at the start point.

    Returns:
        One row per comparison: ``key, year, model_year, observed, se, tolerance`` (model
        units) and ``weight``.
    """
    start = {p.name: p.start for p in free}
    scenario = Scenario.from_dict(parameter_overrides(start, free, tree), origin="<start point>")
    seeds = [settings.seed + 1 + k for k in range(settings.replicates)]
    runs = [
        simulate_cells(RunConfig(end=settings.end, scale=settings.scale, seed=s, scenario=scenario))
        for s in seeds
    ]
    names = {c.key: c.spec.quantity for c in matched.comparisons}
    se = replicate_se(names, runs, settings.scale) if len(runs) >= 2 else None
    if se is None:
        config = RunConfig(
            end=settings.end, scale=settings.scale, seed=settings.seed, scenario=scenario
        )
        runs = [simulate_cells(config)]
    values = model_values(matched, runs[0], se)
    rows = []
    for k, comparison in enumerate(matched.comparisons):
        sd = float(values["se"].iloc[k])
        rows.append(
            {
                "key": comparison.key,
                "year": comparison.year,
                "model_year": comparison.model_year,
                "observed": comparison.observed,
                "se": sd,
                "tolerance": comparison.tolerance(sd),
                "weight": comparison.weight,
            }
        )
    return pd.DataFrame(rows)


# -- the study ----------------------------------------------------------------------------------


def _targets_bytes(targets: str | Path | None) -> bytes:
    if targets is None:
        from importlib import resources

        return (
            resources.files("migrant_health.data").joinpath("calibration_targets.csv").read_bytes()
        )
    try:
        return Path(targets).read_bytes()
    except OSError:
        load_targets(targets)  # raises the loader's DataError naming the file
        raise


def _storage(path: Path) -> Any:
    """A JournalStorage on a file (Optuna >= 4: JournalFileBackend; 3.x: JournalFileStorage)."""
    import optuna

    journal = getattr(optuna.storages, "journal", None)
    backend_class = getattr(journal, "JournalFileBackend", None)
    if backend_class is None:  # pragma: no cover - optuna 3.x
        backend_class = optuna.storages.JournalFileStorage
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return optuna.storages.JournalStorage(backend_class(str(path)))


def _study(storage: Any, settings: CalibrationSettings, worker: int, finished: int) -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler = RefiningSampler(
            # Optuna's samplers take seeds below 2^32 (the same seeds as before below 4,294).
            seed=(settings.seed * 1_000_003 + 7_919 * worker + finished) % 2**32,
            n_explore=max(8, settings.trials // 3),
        )
        return optuna.create_study(
            storage=storage,
            sampler=sampler,
            study_name=STUDY_NAME,
            direction="minimize",
            load_if_exists=True,
        )


def _fail_stale_trials(study: Any, storage: Any) -> None:
    """Mark trials left RUNNING by an interrupted run as failed (no worker runs yet)."""
    from optuna.trial import TrialState

    study_id = storage.get_study_id_from_name(STUDY_NAME)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
        storage.set_trial_state_values(trial_id, TrialState.FAIL)


def _counts(study: Any) -> tuple[int, int]:
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    complete = sum(t.state == TrialState.COMPLETE for t in trials)
    running = sum(t.state == TrialState.RUNNING for t in trials)
    return complete, running


def _best_value(study: Any) -> float:
    try:
        return float(study.best_value)
    except ValueError:
        return math.nan


def _run_workers(
    directory: Path, settings: CalibrationSettings, workers: int, progress: ProgressCallback | None
) -> None:
    if workers == 1:
        optimize_worker(str(directory), 0, progress)
        return
    # Once, not in every worker.
    compile_kernels(RunConfig(end=settings.end, scale=settings.scale, seed=settings.seed))
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context: Any = multiprocessing.get_context(method)
    processes = [
        context.Process(target=_worker_process, args=(str(directory), k), daemon=False)
        for k in range(workers)
    ]
    # Held back while the workers are forked: a child would otherwise take a Ctrl-C or a
    # SIGTERM before it set its own handlers, with the command's, and print a traceback.
    with sigint_deferred():
        for process in processes:
            process.start()
    study = _study(_storage(directory / JOURNAL_FILE), settings, worker=0, finished=0)
    try:
        while any(p.is_alive() for p in processes):
            time.sleep(0.5)
            if progress is not None:
                progress(_counts(study)[0], settings.trials, _best_value(study))
    except BaseException:
        # Stopped (Ctrl-C, or a failing progress display): the workers must stop too. A Ctrl-C
        # sent to this process alone (``kill -INT``, ``timeout``) reaches none of them, and the
        # exit would wait for every trial they still had to run.
        with sigint_ignored():
            _stop_workers(processes)
        raise
    finally:
        for process in processes:
            process.join()
    failed = [p.exitcode for p in processes if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"calibration worker(s) exited with status {failed}")
    if progress is not None:
        progress(_counts(study)[0], settings.trials, _best_value(study))


def _stop_workers(processes: Sequence[Any], grace: float = WORKER_GRACE) -> None:
    """Stop calibration workers as a terminal's Ctrl-C does, and reap them.

    A terminal's Ctrl-C has reached every worker already, and each ends after the trial in hand
    (:func:`_worker_process`). A worker still running two seconds later gets the Ctrl-C now;
    one still alive ``grace`` seconds after that is terminated (its trial stays in the journal
    as running, and is marked failed when the study resumes).
    """
    settle = time.monotonic() + 2.0
    for process in processes:
        process.join(timeout=max(0.0, settle - time.monotonic()))
    for process in processes:
        if process.is_alive() and process.pid is not None:
            os.kill(process.pid, signal.SIGINT)
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    terminate([process for process in processes if process.is_alive()])


def _worker_process(study_dir: str, worker: int) -> None:
    """A calibration worker process: trials until the study is done, or until a Ctrl-C.

    A Ctrl-C lets the trial in hand finish and be recorded, then the worker ends quietly (the
    parent reports the interrupt): raised inside a trial, it would be recorded as a failed trial
    and print that trial's parameters and a traceback from every worker.
    """
    use_the_real_streams()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda _signum, _frame: stop.set())
    # The parent's SIGTERM handler (the command's) is for the parent; here SIGTERM is how the
    # parent stops a worker that outlives its grace, at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        # Blocked by the parent while it forked (sigint_deferred): delivered from here on.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    optimize_worker(study_dir, worker, stop=stop)


def optimize_worker(
    study_dir: str,
    worker: int = 0,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run trials of the study in ``study_dir`` until it holds its number of trials.

    Every worker process calls this against the same journal; each starts a trial only while
    completed plus running trials fall short of ``trials`` (so the total overshoots by at most
    the number of workers minus one). Once ``stop`` is set, no new trial is started.
    """
    directory = Path(study_dir)
    settings = CalibrationSettings(
        **json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))["settings"]
    )
    matched = match_targets(load_targets(directory / TARGETS_FILE))
    tolerances = pd.read_csv(directory / TOLERANCES_FILE)
    if len(tolerances) != len(matched.comparisons):
        raise CalibrationError(f"{directory / TOLERANCES_FILE} does not match the targets")
    tree = ParameterTree.load()
    free = free_parameters(tree, _paths_of(settings.parameters))
    storage = _storage(directory / JOURNAL_FILE)
    complete, _ = _counts(_study(storage, settings, worker, 0))
    study = _study(storage, settings, worker, complete)
    tol = tolerances["tolerance"]

    def evaluate(trial: Any) -> float:
        values = {p.name: trial.suggest_float(p.name, p.low, p.high) for p in free}
        overrides = parameter_overrides(values, free, tree)
        run = run_trial(settings, overrides)
        table = fit_table(run, matched, tolerances=tol)
        trial.set_user_attr("passed", int(table["pass"].sum()))
        trial.set_user_attr("targets", len(table))
        return objective(table)

    def stop_when_done(study: Any, _trial: Any) -> None:
        complete, running = _counts(study)
        if progress is not None:
            progress(complete, settings.trials, _best_value(study))
        if complete + running >= settings.trials or (stop is not None and stop.is_set()):
            study.stop()

    complete, running = _counts(study)
    if complete + running >= settings.trials:
        return
    study.optimize(evaluate, n_trials=settings.trials, callbacks=[stop_when_done])


def _paths_of(names: Sequence[str]) -> list[str]:
    paths = []
    for name in names:
        path = name.split("[")[0].removesuffix("+shift")
        if path not in paths:
            paths.append(path)
    return paths


def run_trial(settings: CalibrationSettings, overrides: Mapping[str, Value]) -> ModelRun:
    """Run the model for one trial (the study's scale, seed and end; one process)."""
    scenario = Scenario.from_dict(dict(overrides), origin="<trial>")
    return simulate_cells(
        RunConfig(end=settings.end, scale=settings.scale, seed=settings.seed, scenario=scenario)
    )


def finish(study_dir: str | Path) -> CalibrationResult:
    """Write ``best.yaml``, ``trials.csv`` and the best result (into ``study.json``).

    Args:
        study_dir: The study's directory.

    Returns:
        The best result.

    Raises:
        CalibrationError: If the study has no completed trial.
    """
    directory = Path(study_dir)
    settings = CalibrationSettings(
        **json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))["settings"]
    )
    study = _study(_storage(directory / JOURNAL_FILE), settings, worker=0, finished=0)
    complete, _ = _counts(study)
    if complete == 0:
        raise CalibrationError(f"{directory}: the study has no completed trial")
    tree = ParameterTree.load()
    free = free_parameters(tree, _paths_of(settings.parameters))
    best = study.best_trial
    values = {p.name: float(best.params[p.name]) for p in free}
    overrides = parameter_overrides(values, free, tree)
    start = (
        study.trials[0].value if study.trials and study.trials[0].value is not None else math.nan
    )
    text = best_scenario_yaml(overrides, settings, float(best.value), complete)
    path = directory / BEST_FILE
    with atomic_path(path) as tmp:
        tmp.write_bytes(text.encode("utf-8"))
    write_trials(study, free, directory / TRIALS_FILE)
    summary = {
        "best_objective": float(best.value),
        "best_trial": int(best.number),
        "start_objective": float(start),
        "completed_trials": complete,
        "best_values": values,
        "best_passed": best.user_attrs.get("passed"),
        "targets_compared": best.user_attrs.get("targets"),
    }
    _write_settings(directory, settings, summary)
    return CalibrationResult(
        directory, values, float(best.value), overrides, complete, float(start), path
    )


def write_trials(study: Any, free: Sequence[FreeParameter], path: Path) -> None:
    """Write every completed trial of a study as a CSV table, in trial order.

    Args:
        study: The Optuna study.
        free: Its coordinates (:func:`free_parameters`), one column each after ``trial`` and
            ``objective_J``.
        path: The file, written atomically.
    """
    import optuna

    rows = [
        {
            "trial": trial.number,
            "objective_J": float(trial.value),
            **{p.name: float(trial.params[p.name]) for p in free},
        }
        for trial in sorted(study.trials, key=lambda t: t.number)
        if trial.state == optuna.trial.TrialState.COMPLETE
    ]
    table = pd.DataFrame(rows, columns=["trial", "objective_J", *(p.name for p in free)])
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)


def best_scenario_yaml(
    overrides: Mapping[str, Value], settings: CalibrationSettings, best: float, trials: int
) -> str:
    """The best parameters as a scenario file (``{path: value}``, plus name and description)."""
    content: dict[str, Any] = {
        "name": "calibrated",
        "description": (
            f"best of {trials} calibration trials (objective J = {best:.4g}; scale "
            f"{settings.scale:g}, seed {settings.seed}, end {settings.end}; targets sha256 "
            f"{settings.targets_sha256[:12]})"
        ),
    }
    for path, value in overrides.items():
        content[path] = _plain(value)
    return yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=100)


def _plain(value: Value) -> Any:
    if isinstance(value, dict):
        return {int(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [float(np.float64(v)) for v in value]
    return float(value)


def _write_settings(
    directory: Path, settings: CalibrationSettings, result: Mapping[str, Any] | None
) -> None:
    from importlib.metadata import PackageNotFoundError, version

    import optuna

    try:
        package = version("migrant_health")
    except PackageNotFoundError:  # pragma: no cover - not installed
        package = "unknown"
    path = directory / SETTINGS_FILE
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    content = {
        "migrant_health": package,
        "optuna": optuna.__version__,
        "created": previous.get("created", time.strftime("%Y-%m-%dT%H:%M:%S")),
        "updated": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "settings": asdict(settings),
        "objective": "weighted mean of (error / tolerance)^2 over the compared targets "
        "(migrant_health.experiments.fit.objective); tolerances fixed in tolerances.csv",
        "result": result if result is not None else previous.get("result"),
    }
    with atomic_path(path) as tmp:
        tmp.write_bytes((json.dumps(content, indent=2) + "\n").encode("utf-8"))


__all__ = [
    "CalibrationError",
    "CalibrationResult",
    "CalibrationSettings",
    "FreeParameter",
    "calibrate",
    "finish",
    "fixed_tolerances",
    "free_parameters",
    "optimize_worker",
    "parameter_overrides",
]
