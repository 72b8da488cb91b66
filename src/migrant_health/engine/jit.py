"""The two Numba decorators every kernel uses, so compile options live in one place.

``error_model="numpy"`` lets divisions follow IEEE rules (inf/nan) instead of raising
``ZeroDivisionError``, which removes a branch from every division on the hot path; kernels guard
their denominators themselves. Compiled code is cached next to the sources.

Numba keys a cached kernel on its own source file only, so a kernel that inlines a function from
another file (``random.uniform``, ``derived.srh_level``) would keep stale machine code after that
other file changed. :func:`invalidate_stale_caches` guards against it: it fingerprints every
kernel source file and clears the cache of all of them when any has changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numba as nb

_PACKAGE = Path(__file__).resolve().parents[1]
_KERNEL_DIRS = (_PACKAGE / "engine", _PACKAGE / "modules")
_MARKER = "kernel-sources.sha256"


# Files compiled into kernels (constants, compile options) without holding a kernel.
_CONSTANT_FILES = ("codes.py", "stats.py", "jit.py")


def _fingerprint() -> str:
    """Hash of every file that holds a kernel or constants compiled into kernels."""
    digest = hashlib.sha256()
    for directory in _KERNEL_DIRS:
        for source in sorted(directory.glob("*.py")):
            text = source.read_bytes()
            if source.name in _CONSTANT_FILES or b"@kernel" in text or b"@inline" in text:
                digest.update(source.name.encode())
                digest.update(text)
    return digest.hexdigest()


def _numba_cache_dir() -> str:
    """NUMBA_CACHE_DIR as Numba read it ('' when unset)."""
    return str(getattr(nb.config, "CACHE_DIR", "") or "")


def _cache_dirs() -> list[Path]:
    """Where Numba keeps this package's kernels: beside the sources, or under NUMBA_CACHE_DIR.

    Under NUMBA_CACHE_DIR Numba names each source folder's cache ``<name>_<sha1 of its path>``.
    """
    if _numba_cache_dir():
        root = Path(_numba_cache_dir())
        return [
            root / f"{d.name}_{hashlib.sha1(str(d).encode()).hexdigest()}" for d in _KERNEL_DIRS
        ]
    return [directory / "__pycache__" for directory in _KERNEL_DIRS]


def invalidate_stale_caches() -> None:
    """Delete cached kernels if any kernel source changed since they were compiled.

    Best effort: a read-only installation simply keeps (and cannot have edited) its cache.
    """
    try:
        fingerprint = _fingerprint()
        cache_dir = _numba_cache_dir()
        marker_dir = Path(cache_dir) if cache_dir else _KERNEL_DIRS[0] / "__pycache__"
        marker = marker_dir / _MARKER
        if marker.exists() and marker.read_text() == fingerprint:
            return
        for directory in _cache_dirs():
            for cached in directory.glob("*.nb[ic]"):
                cached.unlink(missing_ok=True)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(fingerprint)
    except OSError:  # pragma: no cover - read-only site-packages
        return


def kernels_cached() -> bool:
    """Whether compiled kernels are cached, i.e. a run will not start by compiling them.

    The first run after installing (or after a kernel source changed) compiles every kernel,
    which takes about a minute before the first chunk finishes; commands say so up front.
    """
    return all(any(directory.glob("*.nbi")) for directory in _cache_dirs())


invalidate_stale_caches()

kernel = nb.njit(cache=True, error_model="numpy")
inline = nb.njit(inline="always", cache=True, error_model="numpy")
