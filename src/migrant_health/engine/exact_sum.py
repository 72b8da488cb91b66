"""An exact, order-free sum of float arrays: what lets a run be split into chunk ranges.

Floating-point addition is not associative: summing chunks 0..3 in order differs in the last
bit, here and there, from adding the sum of chunks 0..1 to the sum of chunks 2..3. A run's
statistics are sums over chunks, so a national run split over machines (``--chunks``) could
not be put back together bit for bit. :class:`ExactSum` keeps the sum exactly, as a few arrays
whose element-wise real sum is the exact sum of every array added (error-free transformations:
Knuth's TwoSum); :meth:`ExactSum.value` rounds that exact sum once, correctly. The result is
therefore a function of the set of chunks summed, not of their order or grouping, and parts
kept as :meth:`ExactSum.components` add up to the whole exactly (:meth:`ExactSum.add_sum`).

The cost is one compiled pass over the accumulator per chunk (milliseconds); the rounding at
the end touches only the elements whose sum was not exact in float64.

A chunk's accumulator is mostly zeros (about 70 % of its 4.4 million cells and statistics), and
adding a zero changes no sum. A chunk simulated in another process therefore travels as a
:class:`Packed` array, its non-zero elements and their places, and is added as such: less than
half the bytes through the pipe and a pass over the non-zero elements only, with the same sum
bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from migrant_health.engine.jit import kernel


@kernel
def _add_exactly(
    components: np.ndarray, index: np.ndarray, values: np.ndarray, spill: np.ndarray
) -> int:
    """Add an array into ``components`` (levels x elements) without rounding anything: the
    flattened array itself as ``values`` (``index`` empty), or ``values`` at the places
    ``index`` and zero elsewhere (a :class:`Packed` array).

    At each level TwoSum leaves the rounding error as the carry to the next level; a carry that
    no level can take is written to ``spill`` (a new level for the caller). Returns how many
    elements spilled. Non-finite values have no rounding error to keep: they stay in level 0.
    One loop for both forms: a TwoSum step shared through an inlined helper instead made the
    dense addition take 93-135 ms for a chunk's 4.4 million elements against 2-24 ms written
    out (measured 2026-12-02).
    """
    spilled = 0
    levels = components.shape[0]
    dense = index.size == 0
    for j in range(values.size):
        i = j if dense else index[j]
        carry = values[j]
        for level in range(levels):
            if carry == 0.0:
                break
            a = components[level, i]
            s = a + carry
            if not math.isfinite(s):
                components[0, i] = components[0, i] + carry
                carry = 0.0
                break
            b_virtual = s - a
            a_virtual = s - b_virtual
            carry = (a - a_virtual) + (carry - b_virtual)
            components[level, i] = s
        if carry != 0.0:
            spill[i] = carry
            spilled += 1
    return spilled


#: The ``index`` of a dense addition.
_DENSE = np.empty(0, dtype=np.int32)


def load_compiled() -> None:
    """Load the compiled addition now, with arguments of the types a run's sums pass.

    A process's first call loads the machine code (about half a second), partly inside LLVM's
    callbacks into Python, where a ``KeyboardInterrupt`` is swallowed: a Ctrl-C then would be
    lost. A run loads it before its workers start, with Ctrl-C held back
    (:func:`migrant_health.engine.interrupts.sigint_deferred`).
    """
    _add_exactly(np.zeros((1, 1)), _DENSE, np.zeros(1), np.zeros(1))


@kernel
def _count_nonzero(values: np.ndarray) -> int:
    n = 0
    for i in range(values.size):
        n += values[i] != 0.0  # NaN counts: it is not zero
    return n


@kernel
def _gather_nonzero(values: np.ndarray, index: np.ndarray, kept: np.ndarray) -> None:
    n = 0
    for i in range(values.size):
        if values[i] != 0.0:
            index[n] = i
            kept[n] = values[i]
            n += 1


@dataclass(frozen=True, eq=False)
class Packed:
    """A float64 array as its non-zero elements and their places in the flattened array.

    What a chunk's accumulator travels as between processes (:func:`pack`); an
    :class:`ExactSum` adds it as it is, and :meth:`unpack` gives the array back (a -0.0 comes
    back as 0.0, which no sum tells apart).

    Raises:
        ValueError: if the places and values do not match or a place lies outside the array
            (the compiled addition does not check them).
    """

    shape: tuple[int, ...]
    index: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        size = int(np.prod(self.shape))
        if (
            self.index.ndim != 1
            or self.index.shape != self.values.shape
            or self.index.dtype.kind != "i"
            or self.values.dtype != np.float64
        ):
            raise ValueError(
                "a packed array needs 1-D integer places and float64 values of one length"
            )
        if self.index.size and (self.index.min() < 0 or self.index.max() >= size):
            raise ValueError(f"packed places outside an array of shape {self.shape}")

    def unpack(self) -> np.ndarray:
        """The dense array."""
        dense = np.zeros(int(np.prod(self.shape)), dtype=np.float64)
        dense[self.index] = self.values
        return dense.reshape(self.shape)


def pack(values: np.ndarray) -> Packed:
    """``values`` (float64) as a :class:`Packed` array: the non-zero elements (NaN included,
    -0.0 left out: adding it changes no sum) and their places."""
    flat = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
    n = _count_nonzero(flat)
    index = np.empty(n, dtype=np.int32 if flat.size < 2**31 else np.int64)
    kept = np.empty(n, dtype=np.float64)
    _gather_nonzero(flat, index, kept)
    return Packed(tuple(values.shape), index, kept)


class ExactSum:
    """The exact sum of float64 arrays of one shape, rounded once when read.

    The sum is held as levels of the same size (the first carries the value, the others what
    rounding left over); their element-wise real sum is always the exact sum. A level is added
    only when the ones before cannot take a rounding error, which is rare: two levels are
    typical, a third is seldom needed.
    """

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = tuple(shape)
        self._size = int(np.prod(self.shape))
        self._levels = np.zeros((1, self._size), dtype=np.float64)
        self._spill = np.zeros(self._size, dtype=np.float64)

    def add(self, values: np.ndarray | Packed) -> None:
        """Add an array of :attr:`shape` (dense or :class:`Packed`) exactly."""
        if isinstance(values, Packed):
            shape, index, flat = values.shape, values.index, values.values
        else:
            dense = np.asarray(values, dtype=np.float64)
            shape, index, flat = dense.shape, _DENSE, np.ascontiguousarray(dense).reshape(-1)
        if shape != self.shape:
            raise ValueError(f"cannot add an array of shape {shape} to sums of {self.shape}")
        if _add_exactly(self._levels, index, flat, self._spill):
            self._levels = np.vstack([self._levels, self._spill[np.newaxis]])
            self._spill = np.zeros(self._size, dtype=np.float64)

    def add_sum(self, other: ExactSum | Sequence[np.ndarray]) -> None:
        """Add another exact sum (or its :meth:`components`), exactly."""
        parts = other.components() if isinstance(other, ExactSum) else list(other)
        for part in parts:
            self.add(part)

    def components(self) -> list[np.ndarray]:
        """Arrays whose exact element-wise sum is the sum (to keep a part of a run)."""
        return [level.reshape(self.shape).copy() for level in self._levels]

    def value(self) -> np.ndarray:
        """The exact sum rounded once to float64 (to nearest, ties to even: ``math.fsum``)."""
        total = self._levels[0].copy()
        if len(self._levels) > 1:
            lower = self._levels[1:]
            inexact = np.flatnonzero(lower.any(axis=0))
            # Elsewhere the first level alone is the exact sum, hence its own rounding.
            rows = self._levels[:, inexact].T.tolist()
            total[inexact] = [math.fsum(row) for row in rows]
        return total.reshape(self.shape)
