"""Phase-in of a lever over several years, as the ``{year: value}`` a scenario file holds."""

from __future__ import annotations

from migrant_health.errors import ScenarioError


def phase_in(target: float, start: int, years: int, *, begin: float = 0.0) -> dict[int, float]:
    """Yearly values that move a lever from ``begin`` to ``target`` in equal steps.

    The first step is taken in ``start``; ``target`` is reached in ``start + years - 1`` and
    holds after it (a ``{year: value}`` holds from its year until the next key). Example::

        >>> phase_in(1.0, 2025, 4)
        {2025: 0.25, 2026: 0.5, 2027: 0.75, 2028: 1.0}

    Args:
        target: The lever's value once fully phased in, in the lever's unit.
        start: The first year of the phase-in.
        years: Years to phase in (1: at once).
        begin: The value before ``start`` (the baseline's, 0 for a neutral lever).

    Returns:
        ``{year: value}``, values rounded to 6 decimals.

    Raises:
        ScenarioError: if ``years`` is below 1.
    """
    if years < 1:
        raise ScenarioError(f"phase_in: years {years} must be 1 or more (1 means at once)")
    return {start + k: round(begin + (target - begin) * (k + 1) / years, 6) for k in range(years)}
