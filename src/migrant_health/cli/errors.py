"""One place that turns the package's user errors into a message and exit code 2."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from migrant_health.errors import MigrantHealthError

P = ParamSpec("P")
R = TypeVar("R")
stderr = Console(stderr=True)


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print a :class:`MigrantHealthError` without a traceback and exit with status 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except MigrantHealthError as exc:
            stderr.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(code=2) from None

    return wrapper
