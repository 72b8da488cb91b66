"""The exponential of the yearly kernels, compiled into them instead of called from the C library.

An agent-year takes about five exponentials (logistic chances, the mortality relative risk, the
price of care, the onset hazard of chronic illness) and a base-year person about fifty more in
the steady start. Called from compiled code, each ``np.exp`` is a call into the C library
(glibc's ``exp``, a wrapper that checks for overflow, then the exponential itself), around
which the kernel must save and restore every floating-point value it holds in a register: the
exponentials and their calls took about 15 % of a run's CPU time (``perf``, one core, whole
100,000-agent chunks).

:func:`exp` is glibc's algorithm (since glibc 2.28, from Arm's optimized-routines:
Szabolcs Nagy, ``sysdeps/ieee754/dbl-64/e_exp.c``) written out in Numba with the fused
multiply-adds its x86-64 FMA build uses, the same constants and the same table of 2^(k/128),
so it returns the same number bit for bit wherever the C library is that build (glibc on an
x86-64 processor with FMA and AVX2, as on the development and CI machines; tests/test_fast_exp.py
compares them on six million arguments). Arguments outside 2^-54 <= |x| < 512, where
glibc takes its slow paths (0, subnormal results, overflow, infinities, NaN), go to ``np.exp``
itself. Nothing in NumPy, Numba or the dependencies compiles an exponential inline with the C
library's exact results, hence the port.

Where the C library differs (another libc, a processor without FMA), :func:`exp` still returns
glibc's FMA result (LLVM's ``fma`` is exactly rounded everywhere), within an ulp of the true
value: the kernels' exponentials are then the same on every machine, though their logarithms
and powers are still the local library's.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import config as numba_config
from numba import types
from numba.core import cgutils
from numba.core.extending import intrinsic

from migrant_health.engine.jit import inline

# Constants of glibc's __exp_data (math/math_config.h, sysdeps/ieee754/dbl-64/e_exp_data.c):
# N = 2^7 table entries, 1/ln(2) x N, -ln(2)/N split in a high and a low part, the polynomial's
# last four coefficients and the shift that rounds to an integer.
_INV_LN2_N = float.fromhex("0x1.71547652b82fep+7")
_NEG_LN2_HI_N = float.fromhex("-0x1.62e42fefa0000p-8")
_NEG_LN2_LO_N = float.fromhex("-0x1.cf79abc9e3b3ap-47")
_C2 = float.fromhex("0x1.ffffffffffdbdp-2")
_C3 = float.fromhex("0x1.555555555543cp-3")
_C4 = float.fromhex("0x1.55555cf172b91p-5")
_C5 = float.fromhex("0x1.1111167a4d017p-7")
_SHIFT = float.fromhex("0x1.8p52")
_TABLE_MASK = np.uint64(127)
_TOP_SHIFT = np.uint64(45)  # 52 - 7: the integer part of x/ln2 goes to the exponent field
_EXPONENT_SHIFT = np.uint64(52)
_EXPONENT_MASK = np.uint64(0x7FF)
# glibc's fast path: 2^-54 <= |x| < 512 (top 12 bits of |x| in 0x3c9 .. 0x407).
_FAST_FIRST = np.uint64(0x3C9)
_FAST_LAST = np.uint64(0x407)


def _exp_table() -> np.ndarray:
    """glibc's table: for k = 0..127 the relative error of 2^(k/128) rounded to a double
    (``tail``) and the bits of the rounded value less k << 45 (``sbits``), interleaved, as in
    ``__exp_data.tab``.

    Rebuilt here from its definition (in 60-digit decimal arithmetic) rather than copied; the
    exponent's share of k is taken out of the bits because the algorithm adds it back.
    tests/test_fast_exp.py checks the results against the library's.
    """
    from decimal import Decimal, getcontext

    getcontext().prec = 60
    table = np.empty(256, np.uint64)
    for k in range(128):
        exact = Decimal(2) ** (Decimal(k) / Decimal(128))
        value = float(exact)
        rest = float((exact - Decimal(value)) / Decimal(value))
        bits = np.float64(value).view(np.uint64)
        table[2 * k] = np.float64(rest).view(np.uint64)
        table[2 * k + 1] = bits - (np.uint64(k) << _TOP_SHIFT)
    return table


_TABLE = _exp_table()


@intrinsic
def _bits(typingctx, x):  # type: ignore[no-untyped-def]
    """The IEEE-754 bits of a double, as an unsigned 64-bit integer."""
    sig = types.uint64(types.float64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


@intrinsic
def _double(typingctx, bits):  # type: ignore[no-untyped-def]
    """The double whose IEEE-754 bits are ``bits``."""
    sig = types.float64(types.uint64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@intrinsic
def _fma(typingctx, a, b, c):  # type: ignore[no-untyped-def]
    """a * b + c rounded once (LLVM's fma: the processor's instruction where it has one)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        double = ir.DoubleType()
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(double, [double, double, double]), "llvm.fma.f64"
        )
        return builder.call(fn, args)

    return sig, codegen


@inline
def exp(x: float) -> float:
    """e^x, bit for bit glibc's (see the module's docstring), compiled inline."""
    top = (_bits(x) >> _EXPONENT_SHIFT) & _EXPONENT_MASK  # type: ignore[call-arg]
    if top < _FAST_FIRST or top > _FAST_LAST:
        return np.exp(x)
    # x = k ln2/N + r with |r| <= ln2/2N; e^x = 2^(k/N) e^r.
    kd = _fma(x, _INV_LN2_N, _SHIFT)
    ki = _bits(kd)
    kd -= _SHIFT
    r = _fma(kd, _NEG_LN2_HI_N, x)
    r = _fma(kd, _NEG_LN2_LO_N, r)
    idx = np.intp(ki & _TABLE_MASK) * 2  # an int times a uint64 is a float in Numba
    tail = _double(_TABLE[idx])
    sbits = _TABLE[idx + 1] + (ki << _TOP_SHIFT)
    r2 = r * r
    tmp = _fma(r2 * r2, _fma(r, _C5, _C4), _fma(_fma(r, _C3, _C2), r2, r + tail))
    scale = _double(sbits)
    return _fma(scale, tmp, scale)


def _uncompiled_exp(x: float) -> float:
    """e^x uncompiled (the intrinsics above exist only in compiled code): the C library's, for
    runs that trace the kernels in Python, such as the profile's count of random draws."""
    return float(np.exp(x))


if getattr(numba_config, "DISABLE_JIT", False):  # NUMBA_DISABLE_JIT=1
    exp = _uncompiled_exp
