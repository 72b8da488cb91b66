"""The run directory: ``run.json``, ``aggregates.parquet`` and optional snapshots.

A partial run (``simulate --chunks``) also keeps its chunks' exact sums and records
(``chunk_sums.npz``, ``chunk_records.npz``, and ``chunk_fixed_factors.npz`` if it held mortality
factors fixed), which :func:`read_partial_run` reads back so that
``migrant-health combine`` can add the parts up to the whole run. :func:`read_parts` first checks
that the parts ran alike (package version, data, parameters and settings), so that parts whose
numbers cannot be added are refused before anything is read or written.

A run is written to a temporary sibling directory and renamed into place at the end, so an
interrupted or failed write leaves nothing half-written behind. Without an explicit ``--out`` a
run gets a new directory ``runs/run-<date>-<time>`` (``-2``, ``-3``, ... when two runs finish in
the same second); the name is reserved with an atomic ``mkdir``, so parallel runs never collide.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, fields, replace
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

import migrant_health
from migrant_health.atomic import claim_directory, make_folders, note_completed, remove_if_empty
from migrant_health.engine.run import RunResult
from migrant_health.engine.run_config import RunConfig
from migrant_health.errors import RunConfigError, StoreError
from migrant_health.params import ParameterTree, Scenario
from migrant_health.writable import check_can_write, refuse_existing

RUNS = Path("runs")
RUN_CONFIG_FIELDS = {f.name for f in fields(RunConfig)} - {"fixed_mortality_factors"}
#: A partial run's exact sums of its chunks' statistics, and its chunks' records.
PARTIAL_SUMS = "chunk_sums.npz"
PARTIAL_RECORDS = "chunk_records.npz"
#: A partial run's rows of the fixed mortality factors it held (``RunResult.fixed_factor_rows``).
PARTIAL_FIXED_FACTORS = "chunk_fixed_factors.npz"
#: A whole run's fixed mortality factors (the array it held, which run.json gives by its hash
#: only), so that load_run gives back the settings it ran with.
FIXED_FACTORS = "fixed_mortality_factors.npz"


def package_version() -> str:
    """Installed version of migrant_health (``0+unknown`` from a bare source tree)."""
    return migrant_health.__version__


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_writable(out: Path) -> None:
    """Fail early, before a long simulation, if the run directory ``out`` cannot be created.

    Nothing is created: a rejected command leaves no empty folder behind.

    Raises:
        RunConfigError: naming the directory and the reason.
    """
    out = Path(out)
    refuse_existing(out)
    check_can_write(out, "out", directory=True, what="the run directory")


def reserve_run_dir(runs: Path = RUNS, stamp: str | None = None) -> Path:
    """Create a new, empty run directory ``runs/run-<stamp>`` and return it.

    The name is claimed with ``mkdir``, which fails if the name exists, so two runs that finish
    in the same second (in parallel shells, or on a cluster sharing the folder) get
    ``run-<stamp>`` and ``run-<stamp>-2`` instead of one losing its results.

    Args:
        runs: The folder holding run directories (created if missing).
        stamp: Date and time in the name (default: now, as ``YYYYmmdd-HHMMSS``).
    """
    stamp = stamp or datetime.now().strftime("%Y%m%d-%H%M%S")
    return claim_directory(runs, "run", stamp)


def data_hashes() -> dict[str, str]:
    """SHA-256 of every data file shipped with the package (inputs of the run)."""
    folder = files("migrant_health.data")
    return {
        entry.name: hashlib.sha256(entry.read_bytes()).hexdigest()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".csv", ".yaml"))
    }


def factors_sha256(factors: np.ndarray | None) -> str | None:
    """SHA-256 of fixed mortality factors (their shape and float64 values), ``None`` if none.

    Recorded in ``run.json``: the flag alone cannot tell parts that held different baselines'
    factors apart, and the array (83 MB for a national run) is not kept with the run.
    """
    if factors is None:
        return None
    array = np.ascontiguousarray(factors, dtype=np.float64)
    digest = hashlib.sha256(repr(array.shape).encode())
    digest.update(array.tobytes())
    return digest.hexdigest()


def _resolved(result: RunResult, path: str) -> Any:
    """A parameter's value, or ``{year: value}`` over the run when it changes by year."""
    tree = result.tree
    spec = tree.specs[path]
    if path not in tree.overrides and not isinstance(spec.value, dict):
        return _jsonable(spec.value)
    years = range(result.config.start, result.config.end + 1)
    by_year = {year: _jsonable(np.asarray(tree.value_at(path, year)).tolist()) for year in years}
    values = list(by_year.values())
    return values[0] if all(v == values[0] for v in values) else by_year


def run_metadata(result: RunResult) -> dict[str, Any]:
    """Everything needed to reproduce and audit a run."""
    config = asdict(result.config)
    # Whether deaths responded to health against a reference run, not the factors themselves.
    config["fixed_mortality_factors"] = result.config.fixed_mortality_factors is not None
    scenario = result.config.scenario
    config["scenario"] = (
        None
        if scenario is None
        else {
            "name": scenario.name,
            "description": scenario.description,
            "origin": scenario.origin,
            "overrides": _jsonable(scenario.overrides),
        }
    )
    tree = result.tree
    parameters = {path: _resolved(result, path) for path in tree.paths()}
    return {
        "package": "migrant_health",
        "version": package_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "config": _jsonable(config),
        "resolved_parameters": parameters,
        "overridden_parameters": sorted(tree.overrides),
        "data_sha256": data_hashes(),
        # Of the whole array, also in a part (which is given the whole array): the parts of a
        # run, the whole run and the combined run record the same.
        "fixed_mortality_factors_sha256": factors_sha256(result.config.fixed_mortality_factors),
        "agents": result.n_agents,
        "chunks": result.n_chunks,
        "chunks_total": result.chunks_total,
        # A part of a run (simulate --chunks): its totals cover only its chunks' people.
        "partial": result.partial,
        "agent_years": result.agent_years,
        "timings_seconds": {k: round(v, 3) for k, v in result.timings.items()},
    }


def write_run(result: RunResult, out: Path | None = None, runs: Path = RUNS) -> Path:
    """Write a run directory atomically and return its path.

    The files are written to a temporary sibling directory that is renamed to the run directory
    at the end; on any failure (or Ctrl-C) it is removed, so nothing half-written is left behind.

    Args:
        result: The run.
        out: The directory to create; it must not exist. ``None``: a new directory under
            ``runs`` named by :func:`reserve_run_dir`.
        runs: Where unnamed runs go.

    Raises:
        RunConfigError: if ``out`` exists or cannot be written.
    """
    if out is not None:
        out = Path(out)
        check_writable(out)
    reserved = None
    staging = None
    created: list[Path] = []
    try:
        created = make_folders(Path(runs) if out is None else out.parent)
        if out is None:
            out = reserved = reserve_run_dir(runs)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        # mkdtemp makes an owner-only directory; give the run the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        (staging / "run.json").write_text(json.dumps(run_metadata(result), indent=2))
        result.aggregates.to_parquet(staging / "aggregates.parquet", index=False)
        if result.partial_sums:  # what combine adds up to the whole run, bit for bit
            levels: dict[str, Any] = {f"level_{k}": x for k, x in enumerate(result.partial_sums)}
            records: dict[str, Any] = dict(result.records)
            np.savez_compressed(staging / PARTIAL_SUMS, **levels)
            np.savez_compressed(staging / PARTIAL_RECORDS, **records)
            if result.fixed_factor_rows is not None:  # combine joins them into the whole array
                np.savez_compressed(staging / PARTIAL_FIXED_FACTORS, rows=result.fixed_factor_rows)
        elif result.config.fixed_mortality_factors is not None:
            np.savez_compressed(
                staging / FIXED_FACTORS, factors=result.config.fixed_mortality_factors
            )
        if not result.snapshots.empty:
            snap_dir = staging / "snapshots"
            snap_dir.mkdir()
            for year, rows in result.snapshots.groupby("year", sort=True):
                rows.to_parquet(snap_dir / f"snapshot_{year}.parquet", index=False)
        # rename() replaces an empty directory atomically: the reserved name becomes the run.
        staging.rename(out)
        note_completed(out)
    except BaseException as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if reserved is not None and reserved.is_dir() and not any(reserved.iterdir()):
            reserved.rmdir()
        remove_if_empty(created)
        if isinstance(exc, OSError):
            raise RunConfigError(f"cannot write the run directory {out}: {exc}") from exc
        raise
    return out


def save_run(result: RunResult, out: str | Path | None = None) -> Path:
    """Write a run as ``migrant-health simulate --out`` does and return its folder.

    The folder holds ``run.json`` (settings, every resolved parameter, versions, data hashes),
    ``aggregates.parquet`` and the snapshots; written atomically (nothing half-written is left
    on failure). Without ``out`` it is a new folder in ``runs/``, where ``list_runs`` finds it.
    :func:`load_run` reads it back.

    Raises:
        RunConfigError: if ``out`` exists or cannot be written.
    """
    return write_run(result, None if out is None else Path(out))


def load_run(run_dir: str | Path) -> RunResult:
    """A run directory (written by ``migrant-health simulate`` or :func:`write_run`) read back
    as a :class:`RunResult`: its settings, parameter tree, aggregates, snapshots, counts and
    timings. The weighted cells and per-chunk records are not stored with a whole run, so
    ``cells`` is empty and ``records`` holds nothing; a part of a run (``--chunks``) is read by
    :func:`read_parts` for combining.

    Example::

        run = simulate(RunConfig(end=2015, scale=50_000))
        folder = save_run(run, "my-run")
        again = load_run(folder)
        again.series("depression_share", "status=out_migrant")

    Raises:
        StoreError: if the folder is not a run directory or its files cannot be read, naming
            what is wrong.
    """
    run_dir = Path(run_dir)
    meta_path = run_dir / "run.json"
    if not meta_path.is_file() or not (run_dir / "aggregates.parquet").is_file():
        what = "no such folder" if not run_dir.exists() else "not a run directory"
        raise StoreError(
            f"{run_dir}: {what} (a run directory holds run.json and aggregates.parquet, as "
            "migrant-health simulate and save_run write it)"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("partial"):
            raise StoreError(
                f"{run_dir} is a part of a run (simulate --chunks); combine the parts "
                "(migrant-health combine) and read the combined run"
            )
        config = _config_from_json(meta["config"])
        if meta["config"].get("fixed_mortality_factors"):
            config = _with_fixed_factors(config, run_dir)
        tree = ParameterTree.load()
        if config.scenario is not None:
            tree = config.scenario.apply(tree)
        snapshots = sorted((run_dir / "snapshots").glob("snapshot_*.parquet"))
        rows = pd.concat([pd.read_parquet(f) for f in snapshots]) if snapshots else pd.DataFrame()
        result = RunResult(
            config,
            tree,
            read_aggregates(run_dir),
            pd.DataFrame(),
            rows.reset_index(drop=True),
            {k: float(v) for k, v in meta.get("timings_seconds", {}).items()},
            int(meta["agent_years"]),
            int(meta["agents"]),
            int(meta["chunks"]),
            {},
            int(meta.get("chunks_total", meta["chunks"])),
        )
        _warn_of_other_parameters(result, meta.get("resolved_parameters", {}), meta, run_dir)
        return result
    except StoreError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, pa.ArrowException) as exc:
        raise StoreError(
            f"{run_dir} cannot be read as a run ({type(exc).__name__}: {exc}); it may be "
            "damaged or written by another version: simulate it again"
        ) from None


class StoreWarning(UserWarning):
    """A run read back differs from what it ran with in a way the reader should know."""


def _with_fixed_factors(config: RunConfig, run_dir: Path) -> RunConfig:
    """``config`` with the mortality factors the run held fixed, read from its folder; a run
    written before they were kept (run.json has their hash only) is read without them, with a
    warning, as its settings then no longer say what it ran with."""
    path = run_dir / FIXED_FACTORS
    if not path.is_file():
        warnings.warn(
            f"{run_dir}: the run held mortality factors fixed, but its folder keeps only their "
            "hash (written by an earlier version): the settings read back hold none, so a run "
            "simulated from them would let deaths respond to health",
            StoreWarning,
            stacklevel=3,
        )
        return config
    with np.load(path) as stored:
        factors = stored["factors"]
    return replace(config, fixed_mortality_factors=factors)


def _warn_of_other_parameters(
    result: RunResult, recorded: dict[str, Any], meta: dict[str, Any], run_dir: Path
) -> None:
    """Warn when the parameters this version resolves for the run are not those its run.json
    records (a run written by a version with other defaults): its results are its own, but
    ``RunResult.tree`` holds this version's values."""
    now = json.loads(json.dumps({p: _resolved(result, p) for p in result.tree.paths()}))
    differ = sorted(p for p in set(recorded) | set(now) if recorded.get(p) != now.get(p))
    if not differ:
        return
    shown = ", ".join(
        f"{p}: {recorded.get(p, 'absent')!r} recorded, {now.get(p, 'absent')!r} now"
        for p in differ[:3]
    )
    warnings.warn(
        f"{run_dir}: written by version {meta.get('version', '?')}, whose parameters differ "
        f"from this version's in {len(differ)} place(s) ({shown}"
        f"{', ...' if len(differ) > 3 else ''}): the results read back are the run's own, but "
        "its parameter tree (RunResult.tree) holds this version's values; run.json records "
        "the run's",
        StoreWarning,
        stacklevel=3,
    )


def read_aggregates(run_dir: Path) -> pd.DataFrame:
    """The tidy aggregates of a run directory."""
    return pd.read_parquet(Path(run_dir) / "aggregates.parquet")


def _part_metadata(run_dir: Path) -> dict[str, Any]:
    """``run.json`` of a part of a run, once its exact sums and records are known to be there.

    Raises:
        RunConfigError: if the directory is not a partial run (naming what it lacks).
    """
    if not run_dir.exists():
        raise RunConfigError(f"{run_dir}: no such directory (name the folder of a part of a run)")
    if not run_dir.is_dir():
        raise RunConfigError(f"{run_dir} is a file; name the folder of a part of a run")
    missing = next(
        (n for n in ("run.json", PARTIAL_SUMS, PARTIAL_RECORDS) if not (run_dir / n).is_file()),
        None,
    )
    if missing is not None:
        raise RunConfigError(
            f"{run_dir} is not a part of a run: it lacks {missing} "
            "(write parts with migrant-health simulate --chunks A:B)"
        )
    try:
        meta: dict[str, Any] = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except ValueError as exc:  # not JSON (or not UTF-8): a damaged or foreign file
        raise RunConfigError(f"{run_dir / 'run.json'} is not a run's metadata: {exc}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("config"), dict):
        raise RunConfigError(
            f"{run_dir / 'run.json'} is not a run's metadata: it holds no 'config' mapping "
            "(simulate the part again)"
        )
    if (
        meta["config"].get("fixed_mortality_factors")
        and not (run_dir / PARTIAL_FIXED_FACTORS).is_file()
    ):
        # Written before parts kept their rows: the combined run could not record the factors.
        raise RunConfigError(
            f"{run_dir} held mortality factors fixed but lacks {PARTIAL_FIXED_FACTORS}; "
            "simulate the part again with this version"
        )
    return meta


def read_parts(run_dirs: Sequence[Path]) -> list[RunResult]:
    """The parts of one run (``simulate --chunks``), once they are known to have run alike.

    Every part's ``run.json`` is read and compared (:func:`check_parts_alike`) before any part's
    sums, so parts that cannot be added up are refused at once.

    Args:
        run_dirs: The parts' run directories, in any order.

    Raises:
        RunConfigError: if a directory is not a part of a run, or two parts differ in anything
            that makes their numbers incomparable (naming both, the field and both values).
    """
    dirs = [Path(d) for d in run_dirs]
    check_parts_alike([(d, _part_metadata(d)) for d in dirs])
    return [read_partial_run(d) for d in dirs]


def _provenance(meta: dict[str, Any]) -> dict[str, Any]:
    """What of a part's ``run.json`` must be the same in every part of a run.

    The package version, the data files' hashes, the settings (whether mortality factors were
    held fixed, and the hash of the array held), every parameter's resolved value (the
    parameter files and the scenario's overrides, whatever their files were called), and the
    run's number of chunks. Left out: what legitimately differs between machines or
    parts (the chunk range, the workers, when and where a part ran and how long it took, its
    own totals) and what does not change a number (where the scenario was read from and its
    description), as :func:`~migrant_health.engine.combine.combine_parts` compares settings.
    """
    config = {k: v for k, v in meta.get("config", {}).items() if k not in ("chunks", "workers")}
    scenario = config.get("scenario")
    if isinstance(scenario, dict):
        config["scenario"] = {
            k: v for k, v in scenario.items() if k not in ("description", "origin")
        }
    # In this order: a part of another version is reported as such, not as the first of the
    # parameters or data files that the other version changed.
    return {
        "version": meta.get("version"),
        "data_sha256": meta.get("data_sha256"),
        "config": config,
        "fixed_mortality_factors_sha256": meta.get("fixed_mortality_factors_sha256"),
        "resolved_parameters": meta.get("resolved_parameters"),
        "chunks_total": meta.get("chunks_total"),
    }


class _Missing:
    """A key one part's ``run.json`` lacks (a part written by another version)."""

    def __repr__(self) -> str:
        return "(missing)"


_MISSING = _Missing()


def _first_difference(a: Any, b: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The path of the first value in which two nested dicts differ, or ``None`` if they agree.

    Dicts are followed down to the differing entry (a data file, a parameter, a year), so the
    message can name it; any other values are compared whole.
    """
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            found = _first_difference(a.get(key, _MISSING), b.get(key, _MISSING), (*path, key))
            if found is not None:
                return found
        return None
    return None if a == b else path


def _lookup(tree: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = tree
    for key in path:
        value = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
    return value


def _field_name(path: tuple[str, ...]) -> str:
    """A path into ``run.json`` as written there: ``config.seed``, ``data_sha256['x.csv']``."""
    name = path[0]
    for key in path[1:]:
        name += f".{key}" if key.isidentifier() else f"[{key!r}]"
    return name


def _shown(value: Any, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_parts_alike(parts: Sequence[tuple[Path, dict[str, Any]]]) -> None:
    """Refuse parts of a run whose numbers cannot be added up to the whole run.

    Parts simulated by another package version, with other data or parameter files, another
    scenario, seed, scale or years hold numbers of another run; added up, they would give a
    run that nobody simulated. The first field in which the parts disagree is reported, with
    the part that differs from the others (of three parts or more, the one whose value the
    fewest share; of two, the second) and one that does not.

    Args:
        parts: Each part's run directory and its ``run.json``.

    Raises:
        RunConfigError: naming both directories, the field, both values and what to do.
    """
    provenances = [(run_dir, _provenance(meta)) for run_dir, meta in parts]
    if len(provenances) < 2:
        return
    first = provenances[0][1]
    for _, other in provenances[1:]:
        path = _first_difference(first, other)
        if path is None:
            continue
        values = [_lookup(prov, path) for _, prov in provenances]
        keys = [json.dumps(v, sort_keys=True, default=repr) for v in values]
        usual = Counter(keys).most_common(1)[0][0]  # ties: the first part's value
        ref = keys.index(usual)
        odd = next(k for k, key in enumerate(keys) if key != usual)
        (ref_dir, _), (odd_dir, odd_meta) = provenances[ref], parts[odd]
        chunks = odd_meta.get("config", {}).get("chunks") or ["A", "B"]
        raise RunConfigError(
            f"cannot combine {ref_dir} and {odd_dir}: their {_field_name(path)} differs "
            f"({_shown(values[ref])} in {ref_dir}, {_shown(values[odd])} in {odd_dir}); the "
            "parts of a run must be simulated by the same package version with the same data, "
            f"parameters and settings: simulate {odd_dir} again (--chunks "
            f"{chunks[0]}:{chunks[1]}) as {ref_dir} was"
        )


def read_partial_run(run_dir: Path) -> RunResult:
    """A partial run written by :func:`write_run`, as much of it as combining parts needs.

    The result holds the run's settings, exact sums, records, snapshot rows and timings (its
    tables are left empty: they are derived again from the combined sums), and its rows of the
    fixed mortality factors it held, if any (``fixed_factor_rows``; its settings lack the whole
    array, which only the parts together give back). It does not check the part against the
    others: :func:`read_parts` does.

    Raises:
        RunConfigError: if the directory is not a partial run (naming what it lacks).
    """
    run_dir = Path(run_dir)
    meta = _part_metadata(run_dir)
    # A part copied in half or edited by hand is named, not left to fail in numpy, zipfile or
    # pyarrow. Only the reading of its files and counts is guarded: a fault of this code's own
    # must not read as a reason to simulate the part again.
    damaged = (OSError, ValueError, EOFError, zlib.error, zipfile.BadZipFile, pa.ArrowException)
    try:
        with np.load(run_dir / PARTIAL_SUMS) as sums, np.load(run_dir / PARTIAL_RECORDS) as stored:
            levels = [sums[f"level_{k}"] for k in range(len(sums.files))]
            records = {name: stored[name] for name in stored.files}
        fixed_rows = None
        if meta["config"].get("fixed_mortality_factors"):
            with np.load(run_dir / PARTIAL_FIXED_FACTORS) as fixed:
                fixed_rows = fixed["rows"]
        counts = [int(meta[k]) for k in ("agent_years", "agents", "chunks", "chunks_total")]
        timings = {k: float(v) for k, v in meta.get("timings_seconds", {}).items()}
        snapshots = sorted((run_dir / "snapshots").glob("snapshot_*.parquet"))
        rows = pd.concat([pd.read_parquet(f) for f in snapshots]) if snapshots else pd.DataFrame()
    except KeyError as exc:  # a count missing from run.json, an array from an archive
        raise RunConfigError(
            f"{run_dir} is a damaged part of a run (it lacks {exc}); simulate the part again"
        ) from None
    except (*damaged, TypeError, AttributeError) as exc:  # a count or timing of another kind
        raise RunConfigError(
            f"{run_dir} is a damaged part of a run ({type(exc).__name__}: {exc}); simulate "
            "the part again"
        ) from None
    try:
        config = _config_from_json(meta["config"])
    except (TypeError, KeyError, ValueError, AttributeError, RunConfigError) as exc:
        # Settings edited by hand (a list where a number was, a scenario without overrides).
        raise RunConfigError(
            f"{run_dir / 'run.json'}: its settings ('config') cannot be read "
            f"({type(exc).__name__}: {exc}); simulate the part again"
        ) from None
    agent_years, agents, chunks, chunks_total = counts
    return RunResult(
        config,
        ParameterTree.load(),
        pd.DataFrame(),
        pd.DataFrame(),
        rows,
        timings,
        agent_years,
        agents,
        chunks,
        records,
        chunks_total,
        levels,
        fixed_rows,
    )


def _config_from_json(config: dict[str, Any]) -> RunConfig:
    """The :class:`RunConfig` that ``run.json`` records (fixed mortality factors left out)."""
    settings = {k: v for k, v in config.items() if k in RUN_CONFIG_FIELDS}
    settings["snapshot_years"] = tuple(settings.get("snapshot_years", ()))
    if settings.get("chunks") is not None:
        settings["chunks"] = tuple(settings["chunks"])
    scenario = config.get("scenario")
    if scenario is not None:
        # JSON wrote the years of ``{year: value}`` as text.
        overrides = {
            path: {int(k) if str(k).isdigit() else k: v for k, v in value.items()}
            if isinstance(value, dict)
            else value
            for path, value in scenario["overrides"].items()
        }
        settings["scenario"] = Scenario(
            scenario["name"], overrides, scenario["description"], scenario["origin"]
        )
    return RunConfig(**settings)
