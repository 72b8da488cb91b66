"""Atomic file writes: nothing half-written is ever left at the target path.

Every file the package writes for a user (survey tables, reports, calibration studies) goes
through :func:`atomic_path`: the content is written to a temporary file in the target's folder
and renamed onto the target only when writing succeeded. A rename within one folder is atomic,
so a reader sees the old file or the new one, never a truncated one. A directory of results
(a comparison) goes through :func:`atomic_directory` in the same way.

While a command runs (:func:`recording_outputs`), each output renamed into place is recorded,
so that a Ctrl-C after it (while a summary prints) can name it as complete. Files written into
a staging directory are not outputs of their own: only the directory, once renamed, is.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path

# The outputs completed while a command runs (see :func:`recording_outputs`); ``None`` outside
# one and inside a staging directory (:func:`not_recorded`).
_completed: ContextVar[list[Path] | None] = ContextVar("completed_outputs", default=None)


@contextmanager
def recording_outputs() -> Iterator[list[Path]]:
    """Collect the outputs renamed into place while the block runs, in order.

    A command interrupted after it wrote its results (while it prints a summary) can then say
    that they are complete, rather than that nothing was written. Code that runs inside the
    block in the same thread, or in tasks and worker threads that copy its context (asyncio,
    anyio), records into the same list; plain threads start without it.

    Yields:
        The list of outputs, each once, in the order they were completed.
    """
    completed: list[Path] = []
    token = _completed.set(completed)
    try:
        yield completed
    finally:
        _completed.reset(token)


@contextmanager
def not_recorded() -> Iterator[None]:
    """Record nothing while the block runs (files filled into a staging directory, a server)."""
    token = _completed.set(None)
    try:
        yield
    finally:
        _completed.reset(token)


def note_completed(path: Path) -> None:
    """Record ``path`` as written in full (called right after its atomic rename)."""
    completed = _completed.get()
    if completed is not None and path not in completed:  # a file rewritten counts once
        completed.append(path)


def _default_file_mode() -> int:
    """Permissions of a new file under the process's umask.

    ``mkstemp`` creates files readable by their owner only (0600); the target should get the
    permissions any other new file would get. The umask can only be read by setting it, so it is
    set and restored at once.
    """
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` if the block succeeds.

    The temporary file keeps the target's suffix, so writers that choose a format or a
    compression by suffix (pandas, pyreadstat) behave as they would on the target. Missing parent
    folders are created. If the block raises, the temporary file is removed and ``target`` is
    left as it was (absent, or its previous content). A target renamed into place is recorded
    as a command's output (:func:`recording_outputs`).

    Example::

        with atomic_path("scores.csv") as tmp:
            frame.to_csv(tmp, index=False)

    Args:
        target: The file to write.

    Yields:
        The temporary path to write to.
    """
    target = Path(target)
    created = make_folders(target.parent)
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
        )
    except BaseException:
        remove_if_empty(created)
        raise
    os.close(handle)
    tmp = Path(name)
    try:
        os.chmod(tmp, _default_file_mode())
        yield tmp
        os.replace(tmp, target)
        note_completed(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        remove_if_empty(created)
        raise


@contextmanager
def atomic_directory(
    target: str | Path | None, parent: str | Path, prefix: str, stamp: str | None = None
) -> Iterator[tuple[Path, Path]]:
    """Yield ``(staging, target)``: fill ``staging``; it becomes ``target`` if the block succeeds.

    ``staging`` is a new directory beside ``target``. Without a ``target`` a new one is named
    ``parent/<prefix>-<date>-<time>`` (``-2``, ``-3``, ... when the name is taken) and claimed at
    once with ``mkdir``, so two commands finishing in the same second never collide; renaming
    the staging directory onto that empty directory is atomic. If the block raises, the staging
    directory, a claimed name and the folders made for them are removed: nothing half-written
    is left, not even an empty parent folder.

    Args:
        target: The directory to create (must not exist), or ``None`` for a new name.
        parent: Where a new name goes (created if missing).
        prefix: The new name's first word (``comparison``).
        stamp: Date and time in a new name (default: now, as ``YYYYmmdd-HHMMSS``).

    Yields:
        The staging directory and the final directory.
    """
    claimed = None
    staging = None
    created: list[Path] = []
    try:
        created = make_folders(Path(parent) if target is None else Path(target).parent)
        if target is None:
            target = claimed = claim_directory(Path(parent), prefix, stamp)
        target = Path(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        # mkdtemp makes an owner-only directory; give the result the usual permissions.
        staging.chmod(0o777 & ~_umask())
        with not_recorded():  # the directory is the output, not the files filled into it
            yield staging, target
        staging.rename(target)
        note_completed(target)
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if claimed is not None and claimed.is_dir() and not any(claimed.iterdir()):
            claimed.rmdir()
        remove_if_empty(created)
        raise


def make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those this call created, outermost
    first (what :func:`remove_if_empty` undoes when the write fails).

    Each folder along the path is created on its own, and one that is there by the time it is
    created is not counted: so ``new/../kept`` counts only ``new`` (``new/..`` and ``kept``
    exist once ``new`` does), and a folder another process makes meanwhile is not this call's.
    """
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    created: list[Path] = []
    try:
        for candidate in reversed(missing):
            try:
                candidate.mkdir()
            except FileExistsError:
                continue  # made by another writer meanwhile: not ours to remove
            created.append(candidate)
    except BaseException:
        remove_if_empty(created)
        raise
    return created


def remove_if_empty(folders: list[Path]) -> None:
    """Remove the folders a failed write made, innermost first, as long as they are empty
    (another writer may have put something in one meanwhile: it and its parents stay)."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def claim_directory(parent: Path, prefix: str, stamp: str | None = None) -> Path:
    """Create and return a new empty directory ``parent/<prefix>-<stamp>[-n]``."""
    stamp = stamp or datetime.now().strftime("%Y%m%d-%H%M%S")
    parent.mkdir(parents=True, exist_ok=True)
    for count in itertools.count(1):
        path = parent / (f"{prefix}-{stamp}" if count == 1 else f"{prefix}-{stamp}-{count}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise AssertionError("unreachable")  # pragma: no cover - itertools.count never ends
