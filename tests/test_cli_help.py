"""Every command's help reads as paragraphs and loses nothing to the markdown that reflows it.

Help texts come from docstrings wrapped at the code's width; shown as written they came out
ragged ("...baseline and each / scenario..."). The apps render them as markdown, which joins a
paragraph's lines, and in which ``<date>`` would be an HTML tag and vanish, so no help holds
one outside a code span.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import redirect_stdout
from typing import Any

import click
import pytest
import typer
from typer.main import get_command

from migrant_health.cli.main import app


def _apps(root: typer.Typer) -> Iterator[typer.Typer]:
    yield root
    for group in root.registered_groups:
        assert group.typer_instance is not None
        yield from _apps(group.typer_instance)


def _commands() -> Iterator[tuple[str, Any]]:
    """The command line, and every command and subcommand, with their names."""

    def walk(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        yield " ".join(path), command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    yield from walk(get_command(app), ["migrant-health"])


def _rendered(name: str) -> str:
    """A command's help as printed at 200 columns."""
    command = dict(_commands())[name]
    shown = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(shown):
        patch.setenv("COLUMNS", "200")
        text = command.get_help(click.Context(command, info_name=name))
    return shown.getvalue() + (text or "")


def test_every_app_renders_its_help_as_markdown() -> None:
    assert {a.rich_markup_mode for a in _apps(app)} == {"markdown"}


def test_no_help_holds_what_markdown_would_swallow() -> None:
    """Outside code spans, ``<date>`` is an HTML tag to markdown (it vanished from
    ``runs/run-<date>-<time>``), and ``*a*`` or ``__a__`` emphasis."""
    texts = []
    for name, command in _commands():
        texts.append((name, command.help or ""))
        texts += [(f"{name} {p.name}", getattr(p, "help", None) or "") for p in command.params]
    assert len(texts) > 100
    for where, text in texts:
        plain = re.sub(r"``.*?``|`[^`]*`", "", text, flags=re.S)
        assert not re.search(r"<[A-Za-z_][\w-]*>|\*\S[^*]*\*|__\w", plain), (where, text)
    assert "runs/run-<date>-<time>" in _rendered("migrant-health simulate")


def test_a_docstring_paragraph_reads_as_one() -> None:
    """The report's first paragraph ran over lines broken where the source broke them."""
    shown = " ".join(_rendered("migrant-health report").split())
    assert "baseline and each scenario, with 90 % bands over replicates" in shown
