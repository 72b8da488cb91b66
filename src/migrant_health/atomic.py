"""Atomic file writes: nothing half-written is ever left at the target path.

Every file the package writes for a user (survey tables, reports, calibration studies) goes
through :func:`atomic_path`: the content is written to a temporary file in the target's folder
and renamed onto the target only when writing succeeded. A rename within one folder is atomic,
so a reader sees the old file or the new one, never a truncated one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
    left as it was (absent, or its previous content).

    Example::

        with atomic_path("scores.csv") as tmp:
            frame.to_csv(tmp, index=False)

    Args:
        target: The file to write.

    Yields:
        The temporary path to write to.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    tmp = Path(name)
    try:
        os.chmod(tmp, _default_file_mode())
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
