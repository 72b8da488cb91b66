"""Checks of the Python API's arguments, so that a wrong type gets one clear message.

The command line parses and types its own options; these catch what only a Python caller can
pass: a single name where a list is expected (a string is a sequence of letters, so
``compare("fair_employment")`` once compared the scenarios 'f', 'a', ...), a count given as text
or as a fraction, a dictionary where a :class:`~migrant_health.RunConfig` is expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np


def as_list(value: Any, *, what: str, one: tuple[type, ...], error: type[Exception]) -> list[Any]:
    """A list argument, with a single item of the types ``one`` taken as a list of one.

    Any iterable of items is a list of them; text (a sequence of letters), a mapping and
    anything that is no collection are refused.

    Args:
        value: What the caller passed.
        what: The argument as the caller wrote it, for the message (``compare(scenarios=...)``).
        one: The types of a single item (``str`` and ``Path`` for names and files).
        error: The exception to raise.

    Raises:
        error: for anything but a single item or a collection of items.
    """
    if isinstance(value, one):
        return [value]
    # Any collection of items (a list, a tuple, a NumPy array, a pandas Series, dict keys, a
    # generator), but not text or a mapping, whose iteration gives letters or keys.
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return list(value)
    raise error(
        f"{what}={value!r}: give a list (or one of {', '.join(t.__name__ for t in one)}), "
        f"not {type(value).__name__}"
    )


def is_whole_number(value: Any) -> bool:
    """Whether ``value`` is a whole number: an int or a NumPy integer, not a bool (which is an
    int to Python), text or a fraction."""
    return not isinstance(value, bool) and isinstance(value, int | np.integer)


def whole_number(value: Any, *, what: str, error: type[Exception]) -> int:
    """A count given as a whole number (:func:`is_whole_number`).

    Raises:
        error: naming the argument and what was given.
    """
    if not is_whole_number(value):
        raise error(f"{what}={value!r}: give a whole number, not {type(value).__name__}")
    return int(value)
