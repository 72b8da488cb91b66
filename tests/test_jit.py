"""The compile options of the kernels: which helpers are inlined where.

The yearly kernels inline every ``@inline`` helper at Numba's IR level (fast code); code that
runs once per chunk calls them instead (fast compilation), except the loops over a person's
past years (``history_kernel``), which inline them as the yearly kernels do. Either way the
numbers are the same.
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.jit import history_kernel, init_kernel, inline, kernel


@inline
def _tiny(x: float) -> float:
    return 2.0 * x


@inline
def _scaled_logistic(x: float, scale: float) -> float:
    # Long enough (in Numba IR instructions) to stay a call in once-per-chunk code.
    total = 0.0
    for k in range(1, 6):
        total += scale / (1.0 + np.exp(-x * k)) - scale / (2.0 + np.exp(x / k))
    if total > 1.0:
        total = 1.0 + np.log(total)
    elif total < -1.0:
        total = -1.0 - np.log(-total)
    return total + _tiny(x)


# The same loop under each decorator: the decorator marks the function it compiles, so one
# function cannot serve as both.
@kernel
def _yearly(values: np.ndarray) -> float:
    total = 0.0
    for x in values:
        total += _scaled_logistic(x, 0.7)
    return total


@init_kernel
def _once(values: np.ndarray) -> float:
    total = 0.0
    for x in values:
        total += _scaled_logistic(x, 0.7)
    return total


@history_kernel
def _history(values: np.ndarray) -> float:
    total = 0.0
    for x in values:
        total += _scaled_logistic(x, 0.7)
    return total


def test_the_yearly_kernel_inlines_the_helper_and_the_init_kernel_calls_it() -> None:
    values = np.linspace(-3.0, 3.0, 101)
    # The same arithmetic, so the same number to the last bit.
    assert _yearly(values) == _once(values)
    # Numba shows no machine code for kernels it loaded from its cache: compile them afresh.
    _yearly.recompile()
    _once.recompile()
    yearly_text = "\n".join(_yearly.inspect_asm().values())
    once_text = "\n".join(_once.inspect_asm().values())
    # A call that stays a call leaves the helper's mangled symbol in the caller's machine code.
    assert "_scaled_logistic" not in yearly_text
    assert "_scaled_logistic" in once_text
    # A small helper is inlined into both (here into the large one, compiled on its own).
    assert "_tiny" not in yearly_text
    assert "_tiny" not in once_text


def test_a_history_kernel_inlines_the_helper_as_a_yearly_kernel_does() -> None:
    values = np.linspace(-3.0, 3.0, 101)
    assert _history(values) == _yearly(values)
    _history.recompile()
    history_text = "\n".join(_history.inspect_asm().values())
    assert "_scaled_logistic" not in history_text


def test_every_file_with_compiled_code_is_in_the_cache_fingerprint() -> None:
    """A cached kernel is stale when any file it compiles from changes: every module file that
    defines a kernel or a helper (any of the four decorators) counts in the fingerprint. A
    file holding only ``@history_kernel`` helpers (``modules/spell_employment.py``) was once
    left out, so an edit to it would have left the kernels that inline it cached as before."""
    import re

    from migrant_health.engine import jit

    decorated = re.compile(rb"^@(kernel|inline|init_kernel|history_kernel)\b", re.MULTILINE)
    for directory in jit._KERNEL_DIRS:
        for source in sorted(directory.glob("*.py")):
            text = source.read_bytes()
            if decorated.search(text):
                assert any(mark in text for mark in jit._KERNEL_MARKS), source.name
