"""Whether an output can be written at a path, checked before any work and without side effects.

A national run or a calibration takes minutes to hours; finding out at the end that ``--out``
points into a read-only folder (or through a file) throws that work away. The check here probes
the folder that would hold the output by creating and removing a temporary file in it, which
answers for permissions, read-only file systems and ACLs alike (``os.access`` does not: it says
yes to root everywhere). Missing folders are not created: a rejected command leaves nothing
behind, not even an empty ``runs/``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from migrant_health.errors import RunConfigError
from migrant_health.setting_names import setting


def _nearest_existing(path: Path) -> Path:
    """``path`` itself or its closest ancestor that exists (the folder a write would start in)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or ".")  # pragma: no cover - the root always exists


def check_can_write(
    target: str | Path, option: str, *, directory: bool = False, what: str | None = None
) -> None:
    """Fail unless ``target`` could be written now, creating nothing.

    Args:
        target: The output: a file to create or replace, or a directory to create or fill.
        option: The setting that names it, as Python calls it (``out``, ``study``); the
            message says ``--out`` to a command-line user.
        directory: Whether the output is a directory (an existing one is written into).
        what: What the output is, for the message (default: the setting).

    Raises:
        RunConfigError: naming the setting, the path and the reason, and asking for another
            path.
    """
    target = Path(target).absolute()
    fix = f"choose another path for {setting(option)}"
    named = setting(option, str(target))
    what = what or setting(option)
    if target.is_dir() and not directory:
        raise RunConfigError(f"{named} is a directory; give the path of a file")
    if target.exists() and not target.is_dir() and directory:
        raise RunConfigError(f"{named} is a file; give the path of a directory")
    place = target if directory and target.is_dir() else _nearest_existing(target.parent)
    if not place.is_dir():
        raise RunConfigError(
            f"cannot write {what} {target}: {place} is a file, not a folder; {fix}"
        )
    try:
        handle, probe = tempfile.mkstemp(prefix=".write-check.", dir=place)
    except OSError as exc:
        raise RunConfigError(
            f"cannot write {what} {target}: {exc.strerror or exc} in {place}; {fix}"
        ) from exc
    os.close(handle)
    os.unlink(probe)


def check_new_directory(out: str | Path | None, runs: Path, what: str) -> None:
    """Fail unless a new output directory could be created now, creating nothing.

    Args:
        out: The directory to create (must not exist), or ``None`` for a new one in ``runs``.
        runs: Where a directory goes when ``out`` is not given.
        what: What the directory is, for the message (``the comparison directory``).

    Raises:
        RunConfigError: if ``out`` exists or its folder cannot be written.
    """
    if out is None:
        check_can_write(runs, "out", directory=True)
        return
    refuse_existing(Path(out))
    check_can_write(Path(out), "out", directory=True, what=what)


def refuse_existing(out: Path) -> None:
    """Fail if ``out``, a new output directory, exists already (as a directory or a file).

    Raises:
        RunConfigError: naming it and what to do.
    """
    if out.is_dir():
        raise RunConfigError(
            f"output directory {out} already exists; choose another path for "
            f"{setting('out')} or remove it"
        )
    if out.exists():
        raise RunConfigError(
            f"{setting('out', str(out))} is an existing file, not a directory; choose another "
            f"path for {setting('out')}"
        )
