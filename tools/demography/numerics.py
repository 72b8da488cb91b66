"""Root finding shared by the calibrations of the rural-hukou profile and the 2015 bridge."""

from __future__ import annotations

from collections.abc import Callable


def bisect_root(func: Callable[[float], float], lo: float, hi: float) -> float:
    """Root of an increasing function on [lo, hi].

    A fixed 100 halvings take any bracket used here to the limit of double precision; changing
    the count would change the built files in their last digits.

    Args:
        func: An increasing function with a sign change on [lo, hi].
        lo: Lower end of the bracket.
        hi: Upper end of the bracket.

    Returns:
        The midpoint of the final bracket.
    """
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if func(mid) < 0 else (lo, mid)
    return (lo + hi) / 2
