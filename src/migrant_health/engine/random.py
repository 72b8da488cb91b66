"""Counter-based named random streams.

Every draw is a pure function of ``(seed, stream, year, person id)``, where ``stream`` names the
module and the decision (``"migration.return"``). Nothing is sequential, so:

- a run gives identical results whatever the number of workers or the order of chunks;
- the person id, not the chunk, keys a draw, so the draws do not depend on the chunk size
  either (results do a little, through the chunk-level normalisations of mortality and hukou
  conversion; the chunk size is a fixed run setting);
- a baseline and a reform draw the same numbers for the same person, decision and year
  (common random numbers), so a policy's effect is not sampling noise.

The mixing function is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied as a hash.
"""

from __future__ import annotations

import zlib

import numpy as np

from migrant_health.engine.fast_exp import exp
from migrant_health.engine.jit import inline

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def stream_key(name: str) -> np.uint64:
    """The 64-bit key of a stream name (a pure function; :func:`stream` also registers it)."""
    low = zlib.crc32(name.encode("utf-8"))
    high = zlib.crc32(name[::-1].encode("utf-8"))
    return np.uint64((high << 32) | low)


# Every stream named so far: name -> key. A name used twice would make two decisions draw the
# same numbers for the same person and year, so registering it again is an error.
STREAMS: dict[str, np.uint64] = {}


def stream(name: str) -> np.uint64:
    """Register the named stream of one decision, such as ``"health.physical_shock"``.

    Args:
        name: ``"module.decision"``; unique across the model.

    Returns:
        The stream's 64-bit key.

    Raises:
        ValueError: If the name is malformed or already registered, or its key collides with
            another stream's.
    """
    if name.count(".") != 1 or not all(name.split(".")):
        raise ValueError(f"stream name '{name}' must read 'module.decision'")
    if name in STREAMS:
        raise ValueError(f"random stream '{name}' is defined twice; give each decision its own")
    key = stream_key(name)
    if key in STREAMS.values():
        raise ValueError(f"random stream '{name}' collides with another stream's key")
    STREAMS[name] = key
    return key


@inline
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective avalanche of a 64-bit word."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@inline
def year_key(seed: np.uint64, stream_key: np.uint64, year: int) -> np.uint64:
    """Key of one stream in one year of one run; combine with a person id in :func:`uniform`."""
    return mix64(seed ^ mix64(stream_key ^ mix64(np.uint64(year) * _GOLDEN)))


# The "year" of draws that belong to a person for life (frailty, ability, a place in a queue).
PERMANENT = 0


@inline
def permanent_key(seed: np.uint64, stream_key: np.uint64) -> np.uint64:
    """Key of a stream's permanent draws: one number per person for the whole run."""
    return year_key(seed, stream_key, PERMANENT)


@inline
def uniform(key: np.uint64, pid: int) -> float:
    """A uniform number in [0, 1) for person ``pid`` under ``key``."""
    x = mix64(key ^ mix64(np.uint64(pid) + _GOLDEN))
    return float(x >> _S11) * _TO_UNIT


# Coefficients of Acklam's rational approximation of the inverse normal CDF (relative error
# below 1.2e-9): a polynomial in the central 95% and a tail formula outside it. It needs one
# hash and, in 95% of draws, no transcendental function, several times cheaper than Box-Muller.
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_P_LOW = 0.02425
#: Below ``P_LOW`` (and above ``1 - P_LOW``) :func:`inverse_normal_cdf` takes its tail formula.
P_LOW = _P_LOW


@inline
def central_inverse_normal_cdf(u: float) -> float:
    """:func:`inverse_normal_cdf` of ``u`` in ``[P_LOW, 1 - P_LOW]`` (its central formula)."""
    q = u - 0.5
    r = q * q
    return (
        (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
        * q
        / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
    )


@inline
def inverse_normal_cdf(u: float) -> float:
    """Standard normal quantile of ``u`` in (0, 1) (Acklam's approximation)."""
    if u < _P_LOW:
        q = np.sqrt(-2.0 * np.log(u))
        return (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    if u > 1.0 - _P_LOW:
        q = np.sqrt(-2.0 * np.log(1.0 - u))
        return -(((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    return central_inverse_normal_cdf(u)


@inline
def uniform_for_normal(key: np.uint64, pid: int) -> float:
    """The uniform number in (0, 1) that :func:`normal` transforms."""
    x = mix64(key ^ mix64(np.uint64(pid) + _GOLDEN))
    return (float(x >> _S11) + 0.5) * _TO_UNIT


@inline
def normal(key: np.uint64, pid: int) -> float:
    """A standard normal number for person ``pid`` under ``key`` (inverse CDF of one draw)."""
    return inverse_normal_cdf(uniform_for_normal(key, pid))


@inline
def logistic(x: float) -> float:
    """The logistic function, safe for large arguments."""
    if x >= 0.0:
        return 1.0 / (1.0 + exp(-x))
    e = exp(x)
    return e / (1.0 + e)


@inline
def clip01(x: float) -> float:
    """Clip to [0, 1]."""
    return min(1.0, max(0.0, x))
