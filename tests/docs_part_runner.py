"""Run the commands of one part of a Markdown file, in order, in one Python process.

``tests/test_docs_commands.py`` starts this script once per part of a document, with a JSON
file of the part's commands. A ``migrant-health`` command (nothing but its arguments, and at
most a ``> FILE`` redirection) is run here, through the Typer app that the ``migrant-health``
script runs (the script's ``main()`` adds only that Ctrl-C is ignored while the program exits),
so the part pays Python's and the package's start-up (about six seconds: the imports and the
loading of the compiled kernels) once instead of once per command. Every other command
(``duckdb``, ``python tools/...``, a pipe, an environment variable before the command) runs in
bash, as a reader would type it. The first command that exits otherwise than the Markdown says
ends the part.

Each command's standard output and error are taken at the level of file descriptors 1 and 2,
so what the package's worker processes write is captured too, and the command sees files, not
a terminal, as it would with its output piped. A command that runs longer than
:data:`TIMEOUT` ends the runner with every thread's traceback on its standard error; a command
that leaves child processes running counts as failed (a program would hang at its exit).

Usage: ``python tests/docs_part_runner.py COMMANDS.json RESULTS.json``; ``COMMANDS.json``
holds a list of ``{"where", "command", "expected"}`` and the script writes, after each command,
the list of ``{"where", "command", "expected", "code", "stdout", "stderr"}`` so far (the last
3,000 characters of each stream).
"""

from __future__ import annotations

import ctypes
import faulthandler
import json
import multiprocessing
import os
import re
import shlex
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

#: Characters that make a command a shell's business (pipes, lists, expansions, quotes the
#: shell would interpret differently from :func:`shlex.split`).
SHELL_SYNTAX = set("|&;<$`*?(){}[]!~")
#: A ``>`` that a quote makes a word, not a redirection.
QUOTED_ARROW = re.compile(r"""['"][^'"]*>""")
#: Seconds any one command may take (in bash, or here under a watchdog).
TIMEOUT = 600
#: Characters of each stream kept in the results.
TAIL = 3000


def in_process_arguments(command: str) -> tuple[list[str], str | None] | None:
    """The arguments and the redirection target of a command this process can run itself.

    Args:
        command: One shell command as the Markdown gives it.

    Returns:
        ``(arguments after migrant-health, file of a '>' redirection or None)``, or None for
        a command that must go to bash.
    """
    if SHELL_SYNTAX & set(command) or ">>" in command or QUOTED_ARROW.search(command):
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if not words or words[0] != "migrant-health":
        return None
    target = None
    if ">" in words:
        at = words.index(">")
        if at != len(words) - 2:
            return None
        target = words[-1]
        words = words[:at]
    if any(">" in word for word in words):
        return None
    return words[1:], target


def run_in_process(arguments: list[str], target: str | None, scratch: Path) -> tuple[int, str, str]:
    """Run ``migrant-health ARGUMENTS`` here, as its script would.

    Args:
        arguments: The command's arguments after ``migrant-health``.
        target: The file of a ``> FILE`` redirection, or None.
        scratch: A directory for the captured streams.

    Returns:
        The exit status, and the standard output (empty when redirected) and error.
    """
    from migrant_health.cli.main import app

    out_path = Path(target) if target else scratch / "stdout"
    err_path = scratch / "stderr"
    try:
        out = open(out_path, "wb")  # noqa: SIM115 - closed below, after the descriptors return
    except OSError as error:  # what bash says of a redirection it cannot open, and its status
        return 1, "", f"bash: {target}: {error.strerror}\n"
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    code = 0
    try:
        with out, open(err_path, "wb") as err:
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            watchdog = os.fdopen(os.dup(saved[1]), "w")
            faulthandler.dump_traceback_later(TIMEOUT, exit=True, file=watchdog)
            try:
                app(arguments, prog_name="migrant-health")
            except SystemExit as stop:
                code = _exit_code(stop.code)
            except BaseException:  # what an uncaught error does to a program: status 1
                traceback.print_exc()
                code = 1
            finally:
                faulthandler.cancel_dump_traceback_later()
                watchdog.close()
                sys.stdout.flush()
                sys.stderr.flush()
                _flush_c_streams()
                left = multiprocessing.active_children()
                if left:
                    print(
                        f"the command left {len(left)} child process(es) running", file=sys.stderr
                    )
                    code = code or 1
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
    stdout = "" if target else out_path.read_text(encoding="utf-8", errors="replace")
    return code, stdout, err_path.read_text(encoding="utf-8", errors="replace")


def _flush_c_streams() -> None:
    """Flush C's stdio buffers, which a library may have written to (``fflush(NULL)``)."""
    ctypes.CDLL(None).fflush(None)


def _exit_code(code: object) -> int:
    """The status ``sys.exit(code)`` gives a program (a message is printed, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def run_in_bash(command: str) -> tuple[int, str, str]:
    """Run one command in bash, as the reader would.

    Args:
        command: The command line.

    Returns:
        The exit status (124, as ``timeout`` gives, after :data:`TIMEOUT` seconds), the
        standard output and the standard error.
    """
    try:
        done = subprocess.run(
            command,
            shell=True,
            executable="/bin/bash",
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as expired:
        said = f"\n(stopped after {TIMEOUT} s)\n"
        return 124, _text(expired.stdout), _text(expired.stderr) + said
    return done.returncode, done.stdout, done.stderr


def _text(stream: str | bytes | None) -> str:
    """What a stopped command wrote, as text."""
    if isinstance(stream, bytes):
        return stream.decode("utf-8", errors="replace")
    return stream or ""


def main(commands_file: str, results_file: str) -> int:
    """Run the commands of ``commands_file`` in the current directory.

    Args:
        commands_file: JSON list of ``{"where", "command", "expected"}``.
        results_file: Where the results are written, after each command.

    Returns:
        0: whether the commands exited as expected is for the caller to judge.
    """
    commands = json.loads(Path(commands_file).read_text(encoding="utf-8"))
    results = []
    with tempfile.TemporaryDirectory(prefix="docs-part-") as scratch:
        for step in commands:
            parsed = in_process_arguments(step["command"])
            if parsed is None:
                code, stdout, stderr = run_in_bash(step["command"])
            else:
                code, stdout, stderr = run_in_process(*parsed, Path(scratch))
            results.append(
                {**step, "code": code, "stdout": stdout[-TAIL:], "stderr": stderr[-TAIL:]}
            )
            Path(results_file).write_text(json.dumps(results), encoding="utf-8")
            if code != step["expected"]:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
