"""Counter-based streams: uniform, independent across streams, and a pure function of keys."""

from __future__ import annotations

import numba as nb
import numpy as np

from migrant_health.engine.random import normal, stream, uniform, year_key


@nb.njit
def _draws(seed, key, year, n):  # type: ignore[no-untyped-def]
    out = np.empty(n)
    k = year_key(np.uint64(seed), key, year)
    for i in range(n):
        out[i] = uniform(k, np.int64(i))
    return out


@nb.njit
def _normals(seed, key, year, n):  # type: ignore[no-untyped-def]
    out = np.empty(n)
    k = year_key(np.uint64(seed), key, year)
    for i in range(n):
        out[i] = normal(k, np.int64(i))
    return out


def test_uniforms_are_uniform_and_reproducible() -> None:
    a = _draws(1, stream("test.a"), 2010, 200_000)
    assert a.min() >= 0.0 and a.max() < 1.0
    counts, _ = np.histogram(a, bins=10, range=(0, 1))
    assert np.all(np.abs(counts / a.size - 0.1) < 0.005)
    np.testing.assert_array_equal(a, _draws(1, stream("test.a"), 2010, 200_000))


def test_streams_years_and_seeds_are_independent() -> None:
    base = _draws(1, stream("test.a"), 2010, 100_000)
    for other in (
        _draws(1, stream("test.b"), 2010, 100_000),
        _draws(1, stream("test.a"), 2011, 100_000),
        _draws(2, stream("test.a"), 2010, 100_000),
    ):
        assert abs(np.corrcoef(base, other)[0, 1]) < 0.02


def test_normals_have_unit_variance() -> None:
    z = _normals(3, stream("test.n"), 2020, 200_000)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01
