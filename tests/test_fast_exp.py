"""The kernels' inline exponential is the C library's, bit for bit (engine/fast_exp.py).

Every exponential of the yearly kernels goes through it, so a run's results are the same numbers
as with ``np.exp``: checked here on millions of arguments over the ranges the model uses and
beyond, on the machines where the C library is glibc's FMA build; and everywhere against the
exact exponential, to within an ulp.
"""

from __future__ import annotations

import platform
from decimal import Decimal, getcontext

import llvmlite.binding as llvm
import numba as nb
import numpy as np
import pytest

from migrant_health.engine.fast_exp import exp


@nb.njit(cache=False)
def _both(x: np.ndarray, ported: np.ndarray, library: np.ndarray) -> None:
    for i in range(x.size):
        ported[i] = exp(x[i])
        library[i] = np.exp(x[i])  # a call into the C library from compiled code


def _glibc_fma_machine() -> bool:
    """glibc 2.28 or later (the algorithm ported) on x86-64 with FMA and AVX2 (its FMA build)."""
    libc, version = platform.libc_ver()
    if platform.system() != "Linux" or platform.machine() != "x86_64" or libc != "glibc":
        return False
    if tuple(int(part) for part in version.split(".")[:2]) < (2, 28):
        return False
    features = llvm.get_host_cpu_features()
    return bool(features.get("fma")) and bool(features.get("avx2"))


def _arguments() -> np.ndarray:
    rng = np.random.default_rng(20261202)
    return np.concatenate(
        [
            rng.normal(0.0, 3.0, 4_000_000),  # logistic chances, relative risks, lognormal draws
            rng.uniform(-750.0, 720.0, 1_000_000),  # up to overflow and down to subnormals
            np.ldexp(rng.uniform(-1.0, 1.0, 1_000_000), rng.integers(-60, 12, 1_000_000)),
            [0.0, -0.0, 5e-324, 1e-300, -1e-300, 2.0**-54, 2.0**-55, -(2.0**-54), 1.0, -1.0],
            [511.999, 512.0, -512.0, 709.78, 709.79, -708.3, -708.4, -745.1, -745.2, -720.0],
            [np.inf, -np.inf, np.nan],
        ]
    )


@pytest.mark.skipif(not _glibc_fma_machine(), reason="bit-identity holds against glibc's FMA build")
def test_the_port_returns_the_c_librarys_exponential_bit_for_bit() -> None:
    x = _arguments()
    ported, library = np.empty_like(x), np.empty_like(x)
    _both(x, ported, library)
    same = (ported.view(np.uint64) == library.view(np.uint64)) | (
        np.isnan(ported) & np.isnan(library)
    )
    assert same.all(), f"{(~same).sum()} arguments differ, e.g. {x[~same][:5]}"


def test_the_port_is_within_an_ulp_of_the_exact_exponential() -> None:
    """On any machine: e^x to 40 digits, against the port, at arguments across the fast path."""
    getcontext().prec = 40
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(0.0, 2.0, 400), rng.uniform(-700.0, 700.0, 400)])
    ported, library = np.empty_like(x), np.empty_like(x)
    _both(x, ported, library)
    for value, result in zip(x, ported, strict=True):
        exact = Decimal(float(value)).exp()
        assert abs(Decimal(float(result)) - exact) <= Decimal(float(np.spacing(result)))


def test_the_special_cases_follow_ieee_rules() -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1000.0, -1000.0])
    ported, library = np.empty_like(x), np.empty_like(x)
    _both(x, ported, library)
    assert list(ported[:4]) == [1.0, 1.0, np.inf, 0.0]
    assert np.isnan(ported[4])
    assert ported[5] == np.inf and ported[6] == 0.0


def test_uncompiled_runs_get_an_exponential_too() -> None:
    """With NUMBA_DISABLE_JIT=1 (the profile's count of random draws traces the kernels in
    Python) the port's intrinsics do not exist; the module gives the C library's exponential
    instead of failing at the first logistic chance of the synthesis."""
    import os
    import subprocess
    import sys

    code = (
        "from migrant_health.engine.fast_exp import exp\n"
        "from migrant_health.engine.random import logistic\n"
        "print(exp(1.5), logistic(-2.0))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, NUMBA_DISABLE_JIT="1"),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    value, chance = (float(word) for word in done.stdout.split())
    assert value == float(np.exp(1.5))
    assert chance == pytest.approx(1.0 / (1.0 + np.exp(2.0)))
