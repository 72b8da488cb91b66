"""Progress bars that count: the runs of a comparison or study, the kernels a first run compiles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)


def transient_bar(*columns: str | ProgressColumn, console: Console, **options: Any) -> Progress:
    """A progress bar that is gone when the work is done, drawn only on an interactive console.

    Off a terminal (output piped or captured) the bar would never show, yet rich would still
    leave an empty line where it stood; so it is disabled there, on rich's own condition.

    Args:
        columns: The bar's columns.
        console: Where the bar is drawn.
        options: Other :class:`rich.progress.Progress` options (``redirect_stdout``, ...).
    """
    return Progress(
        *columns, console=console, transient=True, disable=not console.is_interactive, **options
    )


@contextmanager
def count_progress(
    label: str, unit: str, console: Console, redirect_streams: bool = True
) -> Iterator[Callable[[int, int], None]]:
    """A transient bar of things done; yields the ``(done, total)`` callback that moves it.

    Args:
        label: The word in front of the bar (``comparing``, ``compiling``).
        unit: What is counted (``runs``, ``kernels``).
        console: Where the bar is drawn.
        redirect_streams: Whether the bar takes over stdout and stderr while it shows (not
            when the work forks processes that may write to them).
    """
    with transient_bar(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        console=console,
        redirect_stdout=redirect_streams,
        redirect_stderr=redirect_streams,
    ) as bar:
        task = bar.add_task(unit, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield progress


@contextmanager
def runs_progress(label: str, notes: Console) -> Iterator[Callable[[int, int], None]]:
    """A transient bar of runs done (:func:`count_progress`) on the notes console (stderr).

    Args:
        label: The word in front of the bar (``comparing``, ``sampling``).
        notes: The console of notes (stderr), where the bar is drawn.
    """
    with count_progress(label, "runs", notes) as progress:
        yield progress
