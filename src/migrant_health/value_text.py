"""A parameter's value as a scenario file writes it, for every place that shows one.

``2025: 0.5, 2030: 1`` for a value that changes by year (years read back from JSON as text
too), ``[0.25, 0.25]`` for a vector, ``true`` for a switch: the command line's tables and the
report's lever tables. A module of its own with no imports, because every start of the command
line loads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def value_text(value: Any) -> str:
    """``value`` as a scenario file writes it (see the module's docstring)."""
    if isinstance(value, Mapping):
        return ", ".join(f"{year}: {value_text(item)}" for year, item in value.items())
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_text(item) for item in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}"
    return str(value)
