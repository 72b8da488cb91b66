"""The Numba decorators every kernel uses, so compile options live in one place.

``kernel`` compiles a yearly kernel, ``inline`` a helper that the yearly kernels inline,
``init_kernel`` a kernel run once per chunk, which calls the large helpers instead of inlining
them (see :func:`_inline_into_yearly_kernels`), and ``history_kernel`` a once-per-chunk helper
that loops over a person's past years and inlines every helper it calls.

``error_model="numpy"`` lets divisions follow IEEE rules (inf/nan) instead of raising
``ZeroDivisionError``, which removes a branch from every division on the hot path; kernels guard
their denominators themselves. Compiled code is cached next to the sources.

Numba keys a cached kernel on its own source file only, so a kernel that inlines a function from
another file (``random.uniform``, ``derived.srh_level``) would keep stale machine code after that
other file changed. :func:`invalidate_stale_caches` guards against it: it fingerprints every
kernel source file and clears the cache of all of them when any has changed.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from pathlib import Path
from typing import Any, TypeVar, cast

import numba as nb

_PACKAGE = Path(__file__).resolve().parents[1]
_KERNEL_DIRS = (_PACKAGE / "engine", _PACKAGE / "modules")
_MARKER = "kernel-sources.sha256"
# The decorators below, as they appear in a file that holds a kernel.
_KERNEL_MARKS = (b"@kernel", b"@inline", b"@init_kernel", b"@history_kernel")

F = TypeVar("F")


# Files compiled into kernels (constants, compile options) without holding a kernel.
_CONSTANT_FILES = ("codes.py", "stats.py", "jit.py")
# Files that decide the types of the kernels' arguments (the columns' dtypes, the parameter
# record, how arguments are passed, the demographic tables' dtypes and writability), relative to
# the package: an edit can make every kernel compile for new types.
_ARGUMENT_TYPE_FILES = (
    "engine/population.py",
    "engine/context.py",
    "engine/binding.py",
    "data/demography.py",
)


def _kernel_sources() -> list[Path]:
    """Every file that holds a kernel or constants compiled into kernels, in a fixed order."""
    sources = []
    for directory in _KERNEL_DIRS:
        for source in sorted(directory.glob("*.py")):
            text = source.read_bytes()
            if source.name in _CONSTANT_FILES or any(mark in text for mark in _KERNEL_MARKS):
                sources.append(source)
    return sources


def _fingerprint() -> str:
    """Hash of every file that holds a kernel or constants compiled into kernels."""
    digest = hashlib.sha256()
    for source in _kernel_sources():
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
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


def cache_marker_dir() -> Path:
    """The folder of the cache's markers: NUMBA_CACHE_DIR, or the engine's ``__pycache__``."""
    cache_dir = _numba_cache_dir()
    return Path(cache_dir) if cache_dir else _KERNEL_DIRS[0] / "__pycache__"


def cache_stamp() -> str:
    """What a complete cache of compiled kernels was built for.

    The kernel sources' content (:func:`_fingerprint`), their latest modification time (Numba's
    own index checks each file's time, so a checkout that touches a file makes Numba compile it
    again), and the Numba and Python versions (each keys its own cache files). The times are
    those of the fingerprint's files and of the files that decide the kernels' argument types
    (``population.py``, ``context.py``, ``binding.py``, ``data/demography.py``): an edit of the
    engine's other files (``run.py``) compiles nothing, and no longer makes the next run announce
    a compilation. And the layout of the parameter record (:func:`parameter_record_layout`): a
    parameter added to or removed from the defaults changes the record's Numba type, so that every
    kernel taking it compiles again; a changed value does not.
    """
    sources = [*_kernel_sources(), *(_PACKAGE / name for name in _ARGUMENT_TYPE_FILES)]
    latest = max(source.stat().st_mtime_ns for source in sources)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    layout = parameter_record_layout()
    return f"{_fingerprint()} {latest} record {layout} numba {nb.__version__} python {version}"


def parameter_record_layout() -> str:
    """A hash of the parameter record's fields and their shapes under the package defaults.

    The kernels are compiled for the record's type, which these make: without them in
    :func:`cache_stamp`, a run after a parameter was added to the defaults compiled every kernel
    taking the record again, for minutes, one after another and without notice. Reading the
    defaults costs about 0.6 s once per process, which the run's own loading then reuses
    (``params.tree`` keeps the parsed files).
    """
    # Imported here: the parameters are read by modules that import this one.
    from migrant_health.errors import MigrantHealthError
    from migrant_health.params.tree import files_stamp

    try:
        return _record_layout(files_stamp())
    except MigrantHealthError:  # a defaults file being edited: the run itself will say what
        return "unreadable"


@functools.lru_cache(maxsize=4)
def _record_layout(defaults: tuple[tuple[str, int, int], ...]) -> str:
    """:func:`parameter_record_layout` of the default files ``defaults`` (path, mtime, size): a
    run calls it once per run, and loading the tree copies every parameter (about 12 ms)."""
    from migrant_health.engine.context import compile_parameters
    from migrant_health.params import load_parameters

    record = compile_parameters(load_parameters(), range(2008, 2009))
    return hashlib.sha256(str(record.dtype.descr).encode()).hexdigest()[:16]


def invalidate_stale_caches() -> None:
    """Delete cached kernels if any kernel source changed since they were compiled.

    Best effort: a read-only installation simply keeps (and cannot have edited) its cache.
    """
    try:
        fingerprint = _fingerprint()
        marker = cache_marker_dir() / _MARKER
        if marker.exists() and marker.read_text() == fingerprint:
            return
        for directory in _cache_dirs():
            for cached in directory.glob("*.nb[ic]"):
                cached.unlink(missing_ok=True)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(fingerprint)
    except OSError:  # pragma: no cover - read-only site-packages
        return


#: Written beside the cache by a run that finished on this machine, holding :func:`cache_stamp`.
_RUN_MARKER = "kernels-compiled-by-a-run"


def kernels_cached() -> bool:
    """Whether compiled kernels are cached, i.e. a run will not start by compiling them.

    The first run after installing (or after a kernel source changed) compiles every kernel,
    which takes a few minutes before the first chunk finishes (288 s for a two-year run on one
    core of a 2-core AMD EPYC machine on 2026-12-05); commands say so up front. True once a run
    has finished on this machine since the kernel sources last changed
    (:func:`note_kernels_compiled`): cache files alone may be those of a first run stopped
    half-way, which left the rest to compile.
    """
    try:
        marker = cache_marker_dir() / _RUN_MARKER
        return marker.read_text(encoding="utf-8") == cache_stamp()
    except OSError:
        return False


def note_kernels_compiled(stamp: str | None = None) -> None:
    """Record that a run finished here, so every kernel a run needs is cached.

    Best effort (a read-only installation keeps no marker), and nothing without the JIT.

    Args:
        stamp: :func:`cache_stamp` as the run began (the sources and parameters its kernels
            were compiled for, even if a file changed while it ran); now if not given.
    """
    if getattr(nb.config, "DISABLE_JIT", False) or kernels_cached():
        return
    try:
        marker = cache_marker_dir() / _RUN_MARKER
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(stamp or cache_stamp(), encoding="utf-8")
    except OSError:  # pragma: no cover - read-only site-packages
        return


invalidate_stale_caches()

# Marks the Python function of code that is compiled on its own only for once-per-chunk callers:
# init kernels and their helpers (init_kernel), and @inline helpers, which are compiled on their
# own only where they are not inlined, i.e. when called from such code.
_RUNS_ONCE = "_migrant_health_runs_once_per_chunk"
# Marks once-per-chunk code that loops over a person's past years (history_kernel): it inlines
# every helper, as the yearly kernels do.
_INLINES_ALL = "_migrant_health_inlines_all_helpers"
# Helpers of at most this many Numba IR instructions are inlined into once-per-chunk code too:
# the random draws and small formulas called in its loops over people and past years. With none
# inlined there, a chunk's initialisation took 19 % more CPU time than with all; with these,
# 10 % (0.178 against 0.161 s a chunk at scale 200), for 83-94 s of a cold compilation (two
# measurements) against 82 s with none inlined and 120 s with a threshold of 80.
_SMALL_HELPER_INSTRUCTIONS = 30


def _inline_into_yearly_kernels(call: Any, caller_ir: Any, callee_ir: Any) -> bool:
    """Numba inlining cost model: inline ``@inline`` helpers into the yearly kernels.

    Numba calls it with the call expression and the IR of the function being compiled and of
    the helper. Inlining at Numba's IR level retypes the helper's body at every call site: it
    is what makes the yearly kernels fast, and it made the once-per-chunk kernels (the steady
    start's histories call the yearly model's helpers at hundreds of sites) take minutes to
    compile. In those a helper stays a call, compiled once per signature, unless it is small;
    the arithmetic, and so every result, is the same bit for bit.
    """
    caller = caller_ir.func_id.func
    if not getattr(caller, _RUNS_ONCE, False) or getattr(caller, _INLINES_ALL, False):
        return True
    instructions = sum(len(block.body) for block in callee_ir.blocks.values())
    return instructions <= _SMALL_HELPER_INSTRUCTIONS


kernel = nb.njit(cache=True, error_model="numpy")
_inline_helper = nb.njit(inline=_inline_into_yearly_kernels, cache=True, error_model="numpy")


def history_kernel(func: F) -> F:
    """Compile a once-per-chunk helper that loops over a person's past years, inlining helpers.

    Like :func:`init_kernel`, except that every ``@inline`` helper it calls is inlined, as in
    the yearly kernels. The steady start's histories (savings year by year, spells of local
    work, the city years of ties, integration and mental health) call the yearly model's
    helpers once per past year, about 25 times per base-year person. Inlined there, the steady
    start's main kernel takes 0.88 of the time it took with those helpers as calls (median of
    12 alternating runs of five 100,000-agent chunks, 0.78-1.04; about 0.016 CPU s a chunk,
    under 2 % of a whole chunk), with the same numbers bit for bit. Only these few functions
    inline, so a cold compilation takes no longer (71 against 72 s for the once-per-chunk
    kernels, one measurement each).
    """
    setattr(func, _INLINES_ALL, True)
    return init_kernel(func)


def inline(func: F) -> F:
    """Compile a helper that the yearly kernels inline (see :func:`_inline_into_yearly_kernels`)."""
    setattr(func, _RUNS_ONCE, True)
    return cast(F, _inline_helper(func))


def init_kernel(func: F) -> F:
    """Compile a kernel that runs once per chunk (an init kernel, or a helper only they call).

    Like :data:`kernel`, except that the ``@inline`` helpers it calls, except small ones, stay
    calls (see :func:`_inline_into_yearly_kernels`): code run once per chunk does not need all
    of the inlining's speed, and compiles in seconds instead of minutes without it.
    """
    setattr(func, _RUNS_ONCE, True)
    return cast(F, kernel(func))
