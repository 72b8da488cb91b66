"""Counter-based named random streams.

Every draw is a pure function of ``(seed, stream, year, person id)``, where ``stream`` names the
module and the decision (``"migration.return"``). Nothing is sequential, so:

- a run gives identical results whatever the number of workers or the order of chunks;
- the person id, not the chunk, keys a draw, so results do not depend on the chunk size either;
- a baseline and a reform draw the same numbers for the same person, decision and year
  (common random numbers), so a policy's effect is not sampling noise.

The mixing function is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied as a hash.
"""

from __future__ import annotations

import zlib

import numba as nb
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_SECOND = np.uint64(0xD1B54A32D192ED03)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def stream(name: str) -> np.uint64:
    """The 64-bit key of a named stream such as ``"health.shock"``.

    Args:
        name: ``"module.decision"``; names must be unique across the model.
    """
    low = zlib.crc32(name.encode("utf-8"))
    high = zlib.crc32(name[::-1].encode("utf-8"))
    return np.uint64((high << 32) | low)


@nb.njit(inline="always", cache=True)
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective avalanche of a 64-bit word."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(inline="always", cache=True)
def year_key(seed: np.uint64, stream_key: np.uint64, year: int) -> np.uint64:
    """Key of one stream in one year of one run; combine with a person id in :func:`uniform`."""
    return mix64(seed ^ mix64(stream_key ^ mix64(np.uint64(year) * _GOLDEN)))


@nb.njit(inline="always", cache=True)
def uniform(key: np.uint64, pid: int) -> float:
    """A uniform number in [0, 1) for person ``pid`` under ``key``."""
    x = mix64(key ^ mix64(np.uint64(pid) + _GOLDEN))
    return float(x >> _S11) * _TO_UNIT


@nb.njit(inline="always", cache=True)
def normal(key: np.uint64, pid: int) -> float:
    """A standard normal number for person ``pid`` under ``key`` (Box-Muller)."""
    u1 = uniform(key, pid)
    u2 = uniform(key ^ _SECOND, pid)
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


@nb.njit(inline="always", cache=True)
def logistic(x: float) -> float:
    """The logistic function, safe for large arguments."""
    if x >= 0.0:
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x)
    return e / (1.0 + e)


@nb.njit(inline="always", cache=True)
def clip01(x: float) -> float:
    """Clip to [0, 1]."""
    return min(1.0, max(0.0, x))
