"""The progress bar over the runs of a comparison or a study (on the notes console)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def runs_progress(label: str, notes: Console) -> Iterator[Callable[[int, int], None]]:
    """A transient bar of runs done; yields the ``(done, total)`` callback that moves it.

    Args:
        label: The word in front of the bar (``comparing``, ``sampling``).
        notes: The console of notes (stderr), where the bar is drawn.
    """
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        console=notes,
        transient=True,
    ) as bar:
        task = bar.add_task("runs", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield progress
