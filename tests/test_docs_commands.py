"""Every command and Python example in README.md and docs/*.md runs, so no example can rot.

Fenced blocks are extracted from the Markdown: ``bash`` blocks (every line a command, ``\\``
continues a line, ``#`` starts a comment), ``console`` blocks (lines after ``$ `` are commands,
the rest is output) and ``python`` blocks (the blocks of one file run in order in one
interpreter, like a notebook). They run in a fresh directory per Markdown file, in order, with
the repository's ``examples/``, ``benchmarks/`` and ``tools/`` beside them and
``MIGRANT_HEALTH_SMALL_RUNS=1``, which shrinks every run the command line starts (see README,
Development). A block that cannot run in a test says so in the Markdown itself, on the line
before its fence:

- ``<!-- docs-test: skip: REASON -->`` (an install, a national 1:1 run, a long calibration);
- ``<!-- docs-test: exit N -->`` (an example of an error: every command must exit with N).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKER = re.compile(r"<!--\s*docs-test:\s*(skip|exit)\s*:?\s*(.*?)\s*-->")
FENCE = re.compile(r"^```(\w+)?\s*$")
TIMEOUT = 600


@dataclass(frozen=True)
class Block:
    """One fenced block of a Markdown file."""

    path: Path
    line: int
    language: str
    text: str
    skip: str | None = None
    exit_code: int = 0

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks_of(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, with the marker on the line before each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    k = 0
    while k < len(lines):
        opening = FENCE.match(lines[k])
        if not opening:
            k += 1
            continue
        end = next(j for j in range(k + 1, len(lines)) if lines[j].startswith("```"))
        marker = MARKER.search(lines[k - 1]) if k > 0 else None
        skip = marker.group(2) or "no reason given" if marker and marker[1] == "skip" else None
        exit_code = int(marker.group(2)) if marker and marker[1] == "exit" else 0
        text = "\n".join(lines[k + 1 : end])
        found.append(Block(path, k + 1, opening.group(1) or "", text, skip, exit_code))
        k = end + 1
    return found


def commands_of(block: Block) -> list[str]:
    """Shell commands of a ``bash`` or ``console`` block (continuations joined)."""
    commands: list[str] = []
    pending = ""
    for raw in block.text.splitlines():
        line = raw.rstrip()
        if block.language == "console" and not pending:
            if not line.startswith("$ "):
                continue  # output shown in the docs
            line = line[2:]
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending:
            line = line.lstrip()
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        commands.append(_without_comment(pending + line))
        pending = ""
    return commands


def _without_comment(command: str) -> str:
    """Drop a trailing ``# comment`` (a ``#`` after white space, outside quotes)."""
    for at in (m.start() for m in re.finditer(r"\s#", command)):
        head = command[:at]
        if head.count('"') % 2 == 0 and head.count("'") % 2 == 0:
            return head.strip()
    return command.strip()


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["MIGRANT_HEALTH_SMALL_RUNS"] = "1"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def _workdir(tmp_path: Path) -> Path:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    (tmp_path / "benchmarks").symlink_to(ROOT / "benchmarks")
    (tmp_path / "tools").symlink_to(ROOT / "tools")  # docs/policy.md runs one on its comparison
    return tmp_path


def _run(args: list[str] | str, cwd: Path, where: str, expected: int, shell: bool) -> None:
    done = subprocess.run(
        args,
        cwd=cwd,
        env=_environment(),
        shell=shell,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        executable="/bin/bash" if shell else None,
    )
    assert done.returncode == expected, (
        f"{where}: `{args}` exited {done.returncode} (expected {expected})\n"
        f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    )


ALL_BLOCKS = [block for path in DOCUMENTS for block in blocks_of(path)]
RUNNABLE = ("bash", "console", "python")


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_documented_commands_run(path: Path, tmp_path: Path) -> None:
    workdir = _workdir(tmp_path)
    python_blocks: list[Block] = []
    for block in blocks_of(path):
        if block.language not in RUNNABLE or block.skip:
            continue
        if block.language == "python":
            python_blocks.append(block)
            continue
        for command in commands_of(block):
            _run(command, workdir, block.where, block.exit_code, shell=True)
    if python_blocks:
        script = "\n\n".join(f"# {b.where}\n{b.text}" for b in python_blocks)
        (workdir / "docs_examples.py").write_text(script, encoding="utf-8")
        where = ", ".join(b.where for b in python_blocks)
        _run([sys.executable, "docs_examples.py"], workdir, where, 0, shell=False)


def test_every_exemption_gives_a_reason() -> None:
    for block in ALL_BLOCKS:
        if block.skip is not None:
            assert len(block.skip) > 10, f"{block.where}: say why the block cannot run in a test"


def test_blocks_are_parsed_as_documented() -> None:
    console = Block(ROOT, 1, "console", "$ migrant-health plan\nStep 1\n$ a \\\n    b  # note")
    assert commands_of(console) == ["migrant-health plan", "a b"]
    bash = Block(ROOT, 1, "bash", "# comment\nmigrant-health simulate   # 2008-2035\n")
    assert commands_of(bash) == ["migrant-health simulate"]
    quoted = Block(ROOT, 1, "bash", 'pip install -e ".[test]" && echo "#1"  # note')
    assert commands_of(quoted) == ['pip install -e ".[test]" && echo "#1"']
