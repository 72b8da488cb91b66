"""A setting named the way the user gave it: ``--end 2040`` on the command line, ``end=2040``
from Python.

The checks of the engine, the experiments and the report are shared by the command line and
the Python API, so a message cannot know by itself which of the two the user typed. The
command line runs its commands within :func:`from_the_command_line`; everything else
reads as Python, where a message that said ``--end 2040`` named a flag the caller never saw.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_FROM_THE_COMMAND_LINE: ContextVar[bool] = ContextVar("from_the_command_line", default=False)

#: No value given: the setting's name alone.
_NO_VALUE = object()


class verbatim(str):  # noqa: N801 - used like str, as a value's spelling
    """A value shown as written in a Python message (``bounds={'x': (low, high)}``), where
    ``repr`` would quote it."""

    def __repr__(self) -> str:
        return str(self)


@contextmanager
def from_the_command_line(active: bool = True) -> Iterator[None]:
    """Within the block, :func:`setting` names flags (``--end 2040``); with ``active=False``,
    Python arguments again (the web platform's requests, served from a command)."""
    token = _FROM_THE_COMMAND_LINE.set(active)
    try:
        yield
    finally:
        _FROM_THE_COMMAND_LINE.reset(token)


def on_the_command_line() -> bool:
    """Whether the current message is for a command-line user."""
    return _FROM_THE_COMMAND_LINE.get()


def setting(
    name: str,
    value: object = _NO_VALUE,
    *,
    flag_value: object = _NO_VALUE,
    flag: str | None = None,
) -> str:
    """``name`` (and its value) as the user wrote it.

    Args:
        name: The Python argument (``snapshot_years``).
        value: Its value as Python holds it, shown with ``repr`` (``end=2040``,
            ``chunks=(3, 5)``); leave out for the name alone.
        flag_value: The value as the command line takes it, when it is written differently
            (``3:5`` for ``chunks``); ``value`` by default, shown with ``str``.
        flag: The command-line flag, when it is not ``--`` and the name with hyphens.

    Returns:
        ``--snapshot-years 2050`` on the command line, ``snapshot_years=2050`` from Python
        (``--end`` and ``end`` without a value).
    """
    if on_the_command_line():
        text = flag or "--" + name.replace("_", "-")
        shown = value if flag_value is _NO_VALUE else flag_value
        return text if shown is _NO_VALUE else f"{text} {shown}"
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        value = value.item()  # type: ignore[attr-defined]  # end=2009, not end=np.int64(2009)
    return name if value is _NO_VALUE else f"{name}={value!r}"
