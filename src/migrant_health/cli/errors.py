"""The one place that turns a user's error into a message on stderr and exit status 2.

Every command is decorated with :func:`friendly_errors`. Three kinds of error are the user's to
fix, so they get a one-line message and no traceback: the package's own
:class:`~migrant_health.errors.MigrantHealthError` (bad parameters, data, settings), a singular
matrix while estimating a model (collinear covariates, a rank-deficient instrument), and a file
that cannot be read or written. Ctrl-C ends a command with one line and status 130 (the shell's
128 + SIGINT), SIGTERM with status 143 (128 + SIGTERM); workers are stopped and nothing
half-written is left (outputs are renamed into
place only when complete). The line names any output the command had already written in full
(a run directory, when the Ctrl-C came while its summary was printed).
"""

from __future__ import annotations

import functools
import io
import os
import select
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, ParamSpec, TextIO, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from migrant_health.atomic import recording_outputs
from migrant_health.errors import MigrantHealthError
from migrant_health.setting_names import from_the_command_line

P = ParamSpec("P")
R = TypeVar("R")
stderr = Console(stderr=True, soft_wrap=True)


def _lin_alg_errors() -> tuple[type[Exception], ...]:
    """NumPy's ``LinAlgError``, if NumPy's linear algebra is loaded; otherwise none.

    Not imported here: NumPy costs a tenth of a second at every start of the command line, and
    a command that never loaded ``numpy.linalg`` cannot have raised its error.
    """
    error = getattr(sys.modules.get("numpy.linalg"), "LinAlgError", None)
    return (error,) if error is not None else ()


def user_errors() -> tuple[type[Exception], ...]:
    """The errors a user can fix; anything else is a bug and keeps its traceback.

    The package's own errors, a singular matrix while estimating a model (NumPy's
    ``LinAlgError``) and a file that cannot be read or written.
    """
    return (MigrantHealthError, *_lin_alg_errors(), OSError)


def error_message(exc: Exception) -> str:
    """The one-line message shown for one of the :func:`user_errors`."""
    if isinstance(exc, _lin_alg_errors()):
        return (
            f"the model could not be estimated ({exc}): covariates are collinear or an "
            "instrument is rank-deficient; drop or combine variables"
        )
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot read or write{where}: {exc.strerror or exc}"
    return str(exc)


def _print_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Show a warning raised within a command as ``warning: ...`` on stderr."""
    typer.echo(f"warning: {message}", err=True)


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Run ``command``; print a user's error as ``error: ...`` on stderr and exit with status 2.

    The wrapper keeps ``command``'s signature (``functools.wraps``), so typer still sees its
    options when the decorator sits below ``@app.command()``.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        # Messages shared with the Python API name flags (--end 2040) within the command, and
        # a warning reads as one line, not as Python's file:line: Category: message.
        with recording_outputs() as completed, from_the_command_line(), warnings.catch_warnings():
            warnings.showwarning = _print_warning
            try:
                return command(*args, **kwargs)
            except BrokenPipeError as exc:
                if not _stdout_reader_gone():
                    _report(exc)  # another pipe (a worker's, a socket): an error as any other
                # The reader of stdout stopped reading (``| head``): not an error to report.
                # Quiet, with status 1, as rich's console does when it meets one.
                raise typer.Exit(code=1) from None
            except user_errors() as exc:
                _report(exc)
            except KeyboardInterrupt:
                from migrant_health.engine.interrupts import terminated

                stopped = terminated()
                stderr.print(interrupted_message(completed, terminated=stopped), highlight=False)
                raise typer.Exit(code=143 if stopped else 130) from None

    return wrapper


def _report(exc: Exception) -> NoReturn:
    """Print a user's error as ``error: ...`` on stderr and exit with status 2."""
    # Text, not markup: messages quote user input such as ``C(education)[2]``.
    stderr.print(Text.assemble(("error:", "bold red"), f" {error_message(exc)}"), highlight=False)
    raise typer.Exit(code=2) from None


def _stdout_reader_gone() -> bool:
    """Whether stdout is a pipe whose reader has gone (``poll`` reports an error on it); if
    so, stdout now goes to devnull, so that flushing it at exit does not fail again."""
    try:
        descriptor = sys.stdout.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):  # no file behind sys.stdout
        return False
    if not hasattr(select, "poll"):  # pragma: no cover - Windows: take it for stdout's
        return True
    poller = select.poll()
    poller.register(descriptor, select.POLLOUT)
    if not any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0)):
        return False
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    return True


def interrupted_message(completed: list[Path], terminated: bool = False) -> Text:
    """The line for Ctrl-C (or SIGTERM, ``terminated``): nothing half-written, and what was
    already written in full."""
    written = ""
    if completed:
        names = ", ".join(str(path) for path in completed)
        written = f"; {names} had been written in full before it"
    return Text.assemble(
        ("terminated:" if terminated else "interrupted:", "bold red"),
        f" stopped before finishing{written}; nothing half-written was left",
    )


def ignore_ctrl_c_while_exiting() -> None:
    """Ignore Ctrl-C from here on: the command is over, and the interpreter is exiting.

    Python's exit takes a moment (threads joined, modules torn down). A Ctrl-C then (a second
    press after the first one's message, say) would print a traceback from the middle of that
    teardown, or, once Python has handed SIGINT back to the system, end the process by the
    signal instead of with the status the command chose (130 after an interrupt).
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # A SIGTERM now ends the process by its default action: raised as an interrupt in the
        # teardown it would print a traceback, and ignored it could not stop a hung exit.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
