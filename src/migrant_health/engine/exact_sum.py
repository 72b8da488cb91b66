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
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from migrant_health.engine.jit import kernel


@kernel
def _add_exactly(components: np.ndarray, values: np.ndarray, spill: np.ndarray) -> int:
    """Add ``values`` into ``components`` (levels x elements) without rounding anything.

    At each level TwoSum leaves the rounding error as the carry to the next level; a carry that
    no level can take is written to ``spill`` (a new level for the caller). Returns how many
    elements spilled. Non-finite values have no rounding error to keep: they stay in level 0.
    """
    spilled = 0
    levels = components.shape[0]
    for i in range(values.size):
        carry = values[i]
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

    def add(self, values: np.ndarray) -> None:
        """Add an array of :attr:`shape` exactly."""
        values = np.asarray(values, dtype=np.float64)
        if values.shape != self.shape:
            raise ValueError(f"cannot add an array of shape {values.shape} to sums of {self.shape}")
        if _add_exactly(self._levels, np.ascontiguousarray(values).reshape(-1), self._spill):
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
