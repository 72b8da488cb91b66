"""The exact sum of chunk accumulators: the same bits whatever the order or grouping."""

from __future__ import annotations

import math

import numpy as np
import pytest

from migrant_health.engine.exact_sum import ExactSum, Packed, pack


def _arrays(seed: int, count: int, shape: tuple[int, ...]) -> list[np.ndarray]:
    # Magnitudes spread over 16 orders, signs mixed: plain float sums depend on the order.
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 8, size=shape) for _ in range(count)
    ]


def _summed(arrays: list[np.ndarray]) -> ExactSum:
    total = ExactSum(arrays[0].shape)
    for array in arrays:
        total.add(array)
    return total


def test_order_and_grouping_do_not_change_a_bit() -> None:
    arrays = _arrays(1, 8, (40, 30))
    plain_forward = np.sum(arrays, axis=0)
    plain_backward = np.sum(arrays[::-1], axis=0)
    assert not np.array_equal(plain_forward, plain_backward)  # what the exact sum fixes
    whole = _summed(arrays).value()
    backward = _summed(arrays[::-1]).value()
    halves = _summed(arrays[:3])
    halves.add_sum(_summed(arrays[3:]).components())
    np.testing.assert_array_equal(whole, backward)
    np.testing.assert_array_equal(whole, halves.value())


def test_the_sum_is_the_correctly_rounded_exact_sum() -> None:
    arrays = _arrays(2, 6, (25, 20))
    expected = np.array(
        [math.fsum(a.flat[k] for a in arrays) for k in range(arrays[0].size)]
    ).reshape(arrays[0].shape)
    np.testing.assert_array_equal(_summed(arrays).value(), expected)


def test_a_rounding_error_that_no_level_can_hold_gets_a_new_level() -> None:
    # 1 + 2^-60 - 1: float64 loses 2^-60 in the first addition; the exact sum keeps it.
    total = ExactSum((1,))
    for value in (1.0, 2.0**-60, 2.0**-120, -1.0):
        total.add(np.array([value]))
    assert total.value()[0] == 2.0**-60 + 2.0**-120
    assert len(total.components()) >= 2


def test_a_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        ExactSum((2, 3)).add(np.zeros((3, 2)))


def _sparse(arrays: list[np.ndarray], seed: int) -> list[np.ndarray]:
    """The arrays with about 70 % of their elements zero (as a chunk's accumulator is), a
    negative zero and a NaN among them."""
    rng = np.random.default_rng(seed)
    out = [np.where(rng.random(a.shape) < 0.7, 0.0, a) for a in arrays]
    out[1].flat[0] = -0.0
    out[3].flat[1] = np.nan
    return out


def test_packed_arrays_travel_their_nonzero_elements_and_add_to_the_same_bits() -> None:
    """What a worker process sends back: the non-zero elements and their places."""
    arrays = _sparse(_arrays(3, 6, (30, 20)), 3)
    packed = [pack(a) for a in arrays]
    assert all(p.values.size < 0.4 * a.size for p, a in zip(packed, arrays, strict=True))
    for p, a in zip(packed, arrays, strict=True):
        np.testing.assert_array_equal(p.unpack(), a)
    dense = _summed(arrays)
    mixed = ExactSum(arrays[0].shape)
    for k, (p, a) in enumerate(zip(packed, arrays, strict=True)):
        mixed.add(p if k % 2 else a)
    all_packed = ExactSum(arrays[0].shape)
    for p in packed:
        all_packed.add(p)
    for total in (mixed, all_packed):
        np.testing.assert_array_equal(total.value(), dense.value())
        for a, b in zip(total.components(), dense.components(), strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_packed_rounding_error_gets_a_new_level_too() -> None:
    total = ExactSum((3,))
    for value in (1.0, 2.0**-60, 2.0**-120, -1.0):
        total.add(pack(np.array([0.0, value, 0.0])))
    assert total.value()[1] == 2.0**-60 + 2.0**-120
    assert total.value()[0] == 0.0 and total.value()[2] == 0.0
    assert len(total.components()) >= 2


def test_a_packed_array_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        ExactSum((2, 3)).add(pack(np.ones((3, 2))))


def test_a_packed_array_with_places_outside_it_is_refused() -> None:
    """The compiled addition writes where the places say: they are checked first."""
    with pytest.raises(ValueError, match="outside"):
        Packed((2, 3), np.array([0, 6], dtype=np.int32), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="one length"):
        Packed((2, 3), np.array([0, 1], dtype=np.int32), np.array([1.0]))
