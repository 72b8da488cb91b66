"""Every command and Python example in README.md and docs/*.md runs, so no example can rot.

Fenced blocks are extracted from the Markdown: ``bash`` blocks (every line a command, ``\\``
continues a line, ``#`` starts a comment), ``console`` blocks (lines after ``$ `` are commands,
the rest is output) and ``python`` blocks (the blocks of one part run in order in one
interpreter, like a notebook, after the part's commands). A Markdown file is one part unless it
says otherwise; each part is a test of its own and runs in a fresh directory, in order, with
the repository's ``examples/``, ``benchmarks/`` and ``tools/`` beside it and
``MIGRANT_HEALTH_SMALL_RUNS=1``, which shrinks every run the command line starts (see README,
Development). Markers on the line before a fence say what is special about the block:

- ``<!-- docs-test: skip: REASON -->`` (an install, a national 1:1 run, a long calibration);
- ``<!-- docs-test: exit N -->`` (an example of an error: every command must exit with N);
- ``<!-- docs-test: part -->`` (the block starts a new part: it and the blocks after it need
  nothing an earlier block wrote). Parts let the two test workers share a long document.

A part's commands run in one Python process (``tests/docs_part_runner.py``): a plain
``migrant-health ...`` command, with at most a ``> FILE``, through the command line's entry
function, so that the part starts Python and loads the compiled kernels once rather than for
each command (about six seconds each, most of a small run's time); anything else in bash.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKER = re.compile(r"<!--\s*docs-test:\s*(skip|exit|part)\s*:?\s*(.*?)\s*-->")
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
    starts_part: bool = False

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks_of(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, with the markers on the line before each."""
    return blocks_of_text(path, path.read_text(encoding="utf-8"))


def blocks_of_text(path: Path, markdown: str) -> list[Block]:
    """The fenced blocks of Markdown text read from ``path``."""
    lines = markdown.splitlines()
    found: list[Block] = []
    k = 0
    while k < len(lines):
        opening = FENCE.match(lines[k])
        if not opening:
            k += 1
            continue
        end = next(j for j in range(k + 1, len(lines)) if lines[j].startswith("```"))
        markers = {m[1]: m[2] for m in MARKER.finditer(lines[k - 1])} if k > 0 else {}
        skip = markers["skip"] or "no reason given" if "skip" in markers else None
        exit_code = int(markers["exit"]) if "exit" in markers else 0
        text = "\n".join(lines[k + 1 : end])
        language = opening.group(1) or ""
        found.append(Block(path, k + 1, language, text, skip, exit_code, "part" in markers))
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
    tmp_path.mkdir()
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    (tmp_path / "benchmarks").symlink_to(ROOT / "benchmarks")
    (tmp_path / "tools").symlink_to(ROOT / "tools")  # docs/policy.md runs one on its comparison
    return tmp_path


def _run(args: list[str], cwd: Path, where: str, timeout: float = TIMEOUT) -> None:
    """Run a program in ``cwd`` with the documentation's environment; it must succeed."""
    done = subprocess.run(
        args, cwd=cwd, env=_environment(), capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, (
        f"{where}: `{' '.join(args)}` exited {done.returncode}\n"
        f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    )


ALL_BLOCKS = [block for path in DOCUMENTS for block in blocks_of(path)]
RUNNABLE = ("bash", "console", "python")


def parts_of(blocks: list[Block]) -> list[list[Block]]:
    """The runnable blocks of one file, cut where a block starts a part."""
    parts: list[list[Block]] = []
    for block in blocks:
        if block.language not in RUNNABLE or block.skip:
            continue
        if block.starts_part or not parts:
            parts.append([])
        parts[-1].append(block)
    return parts


PARTS = [part for path in DOCUMENTS for part in parts_of(blocks_of(path))]


def _run_commands(commands: list[dict[str, object]], workdir: Path, scratch: Path) -> None:
    """Run commands with ``tests/docs_part_runner.py``; each must exit as the Markdown says."""
    plan, results = scratch / "commands.json", scratch / "results.json"
    plan.write_text(json.dumps(commands), encoding="utf-8")
    runner = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "docs_part_runner.py"), str(plan), str(results)],
        cwd=workdir,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so that a stuck runner goes with every process it started
    )
    try:
        # Each command has TIMEOUT seconds in the runner; this only catches a runner stuck
        # between commands or at its exit.
        stdout, stderr = runner.communicate(timeout=len(commands) * TIMEOUT + 60)
    except subprocess.TimeoutExpired:
        os.killpg(runner.pid, signal.SIGKILL)
        stdout, stderr = runner.communicate()
        stderr += "\n(the runner was stopped)"
    ran = json.loads(results.read_text(encoding="utf-8")) if results.exists() else []
    for step in ran:
        assert step["code"] == step["expected"], (
            f"{step['where']}: `{step['command']}` exited {step['code']} "
            f"(expected {step['expected']})\n"
            f"stdout:\n{step['stdout']}\nstderr:\n{step['stderr']}"
        )
    if len(ran) < len(commands):
        unfinished = commands[len(ran)]
        pytest.fail(
            f"{unfinished['where']}: `{unfinished['command']}` did not finish (the runner "
            f"exited {runner.returncode})\nstdout:\n{stdout[-3000:]}\nstderr:\n{stderr[-3000:]}"
        )
    assert runner.returncode == 0, f"the runner failed after its commands:\n{stderr[-3000:]}"


@pytest.mark.parametrize("part", PARTS, ids=lambda part: part[0].where)
def test_documented_commands_run(part: list[Block], tmp_path: Path) -> None:
    """The part's commands, in order (``tests/docs_part_runner.py`` runs them in one process,
    bash for what is not a plain ``migrant-health`` command), then its Python blocks as one
    script."""
    workdir = _workdir(tmp_path / "work")
    commands = [
        {"where": block.where, "command": command, "expected": block.exit_code}
        for block in part
        if block.language != "python"
        for command in commands_of(block)
    ]
    if commands:
        _run_commands(commands, workdir, tmp_path)
    python_blocks = [block for block in part if block.language == "python"]
    if python_blocks:
        script = "\n\n".join(f"# {b.where}\n{b.text}" for b in python_blocks)
        (workdir / "docs_examples.py").write_text(script, encoding="utf-8")
        where = ", ".join(b.where for b in python_blocks)
        _run([sys.executable, "docs_examples.py"], workdir, where)


def test_every_marker_sits_on_the_line_before_a_fence() -> None:
    """A marker anywhere else would be ignored without a word."""
    for path in DOCUMENTS:
        lines = path.read_text(encoding="utf-8").splitlines()
        for k, line in enumerate(lines):
            if line.startswith("<!--") and MARKER.search(line):
                following = lines[k + 1] if k + 1 < len(lines) else ""
                where = f"{path.relative_to(ROOT)}:{k + 1}"
                assert FENCE.match(following), f"{where}: a docs-test marker must precede a fence"


def test_every_exemption_gives_a_reason() -> None:
    for block in ALL_BLOCKS:
        if block.skip is not None:
            assert len(block.skip) > 10, f"{block.where}: say why the block cannot run in a test"


def test_a_part_starts_only_at_a_runnable_block() -> None:
    for block in ALL_BLOCKS:
        if block.starts_part:
            assert block.language in RUNNABLE and not block.skip, (
                f"{block.where}: a part must start at a block that runs"
            )


def test_documents_are_cut_into_parts_where_marked() -> None:
    text = (
        "```bash\necho a > a.txt\n```\n\n```bash\ncat a.txt\n```\n\n"
        "<!-- docs-test: part -->\n```bash\necho b\n```\n"
        "<!-- docs-test: skip: needs a cluster of machines -->\n```bash\nnot run\n```\n"
    )
    blocks = blocks_of_text(Path("example.md"), text)
    assert [[b.text for b in part] for part in parts_of(blocks)] == [
        ["echo a > a.txt", "cat a.txt"],
        ["echo b"],
    ]


def test_blocks_are_parsed_as_documented() -> None:
    console = Block(ROOT, 1, "console", "$ migrant-health plan\nStep 1\n$ a \\\n    b  # note")
    assert commands_of(console) == ["migrant-health plan", "a b"]
    bash = Block(ROOT, 1, "bash", "# comment\nmigrant-health simulate   # 2008-2035\n")
    assert commands_of(bash) == ["migrant-health simulate"]
    quoted = Block(ROOT, 1, "bash", 'pip install -e ".[test]" && echo "#1"  # note')
    assert commands_of(quoted) == ['pip install -e ".[test]" && echo "#1"']


def test_plain_commands_run_in_the_runner_and_the_rest_in_bash() -> None:
    from docs_part_runner import in_process_arguments

    assert in_process_arguments("migrant-health metrics --format csv > metrics.csv") == (
        ["metrics", "--format", "csv"],
        "metrics.csv",
    )
    assert in_process_arguments("migrant-health fit --params 'a.b,c.d'") == (
        ["fit", "--params", "a.b,c.d"],
        None,
    )
    for shell_business in (
        "migrant-health runs list | head",
        "MIGRANT_HEALTH_SMALL_RUNS=1 migrant-health simulate",
        "migrant-health simulate > a.json 2> errors.txt",
        "migrant-health simulate >> a.json",
        "migrant-health simulate --out $HOME/run",
        "duckdb -readonly runs/catalogue.duckdb",
    ):
        assert in_process_arguments(shell_business) is None, shell_business


def test_the_runner_captures_each_command_and_stops_at_the_first_that_fails(
    tmp_path: Path,
) -> None:
    commands = [
        {
            "where": "a.md:1",
            "command": "migrant-health metrics --format csv > m.csv",
            "expected": 0,
        },
        {"where": "a.md:2", "command": "migrant-health params show no.such.thing", "expected": 0},
        {"where": "a.md:3", "command": "echo never", "expected": 0},
    ]
    (tmp_path / "commands.json").write_text(json.dumps(commands), encoding="utf-8")
    runner = [sys.executable, str(ROOT / "tests" / "docs_part_runner.py")]
    _run([*runner, "commands.json", "results.json"], tmp_path, "the runner")
    ran = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [step["code"] for step in ran] == [0, 2]
    assert (tmp_path / "m.csv").read_text(encoding="utf-8").startswith("metric,")
    assert ran[0]["stdout"] == ""  # it went to the file
    assert "no.such.thing" in ran[1]["stderr"]
    assert "Traceback" not in ran[1]["stderr"]
