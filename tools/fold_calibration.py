"""Fold a scenario's values (a calibration's best.yaml) into the shipped default parameters.

Usage::

    python tools/fold_calibration.py BEST_YAML [--note TEXT] [--keep-source]

Each ``path: value`` of the scenario replaces the ``value`` of that leaf in
``src/migrant_health/params/defaults/*.yaml`` in place, leaving every other line (comments,
order, layout) as it was. Unless ``--keep-source`` is given, the leaf's ``source`` becomes
``calibration: NOTE; prior <value> from <original source>``. The prior is the value before
any calibration: when the source already starts ``calibration: ...; prior P from``, that
prefix is replaced and P kept, so folding twice neither nests nor loses the prior.

The defaults are YAML written for people (one leaf per parameter with description, unit,
range, source); PyYAML cannot round-trip them with their layout, hence this line editor.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

DEFAULTS = Path(__file__).resolve().parents[1] / "src" / "migrant_health" / "params" / "defaults"
KEY_LINE = re.compile(r"^( *)([A-Za-z0-9_]+):(.*)$")
EARLIER_CALIBRATION = re.compile(r"^calibration: .*?; prior (.*?) from (.*)$", re.DOTALL)


def _flow(value: object) -> str:
    """A value in YAML flow style on one line, numbers rounded to 4 significant digits."""

    def rounded(v: object) -> object:
        if isinstance(v, dict):
            return {k: rounded(x) for k, x in v.items()}
        if isinstance(v, list):
            return [rounded(x) for x in v]
        if isinstance(v, float):
            return float(f"{v:.4g}")
        return v

    text = yaml.safe_dump(rounded(value), default_flow_style=True, width=10_000).strip()
    return text.removesuffix("\n...").strip()


def _wrapped(name: str, text: str, indent: int) -> list[str]:
    """``name: 'text'`` as YAML lines of at most about 100 characters at ``indent``."""
    dumped = yaml.safe_dump({name: text}, width=100 - indent, allow_unicode=True).rstrip("\n")
    return [" " * indent + line for line in dumped.splitlines()]


def _field_span(lines: list[str], start: int, end: int, indent: int, name: str) -> tuple[int, int]:
    """Lines [first, last) of field ``name`` at ``indent`` inside a leaf's lines [start, end)."""
    for i in range(start, end):
        m = KEY_LINE.match(lines[i])
        if m and len(m.group(1)) == indent and m.group(2) == name:
            j = i + 1
            while j < end and (lines[j].startswith(" " * (indent + 1)) or not lines[j].strip()):
                j += 1
            return i, j
    raise KeyError(name)


def _leaf_span(lines: list[str], parts: list[str]) -> tuple[int, int, int]:
    """Lines [first, last) of the leaf at ``parts`` and the indent of its fields."""
    start, end, indent = 0, len(lines), 0
    for part in parts:
        try:
            key, end = _field_span(lines, start, end, indent, part)
        except KeyError:
            raise KeyError(".".join(parts)) from None
        start, indent = key + 1, indent + 2
    return start, end, indent


def fold(path: str, value: object, note: str | None, defaults: Path = DEFAULTS) -> None:
    """Write ``value`` (and, with ``note``, a calibration source) into the leaf at ``path``."""
    top, *rest = path.split(".")
    file = defaults / f"{top}.yaml"
    lines = file.read_text(encoding="utf-8").splitlines()
    start, end, indent = _leaf_span(lines, rest)
    pad = " " * indent
    v0, v1 = _field_span(lines, start, end, indent, "value")
    prior = yaml.safe_load("\n".join(line[indent:] for line in lines[v0:v1]))["value"]
    lines[v0:v1] = [f"{pad}value: {_flow(value)}"]
    if note is not None:
        start, end, indent = _leaf_span(lines, rest)
        s0, s1 = _field_span(lines, start, end, indent, "source")
        source = yaml.safe_load("\n".join(line[indent:] for line in lines[s0:s1]))["source"]
        earlier = EARLIER_CALIBRATION.match(source)
        # The prior is the value before any calibration: an earlier study's prior is kept.
        prior_text, original = earlier.groups() if earlier else (_flow(prior), source)
        text = f"calibration: {note}; prior {prior_text} from {original}"
        lines[s0:s1] = _wrapped("source", text, indent)
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    """Fold every value of a scenario file into the defaults."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--note", help="what the calibration was (for the sources)")
    parser.add_argument("--keep-source", action="store_true", help="change values only")
    args = parser.parse_args()
    values = yaml.safe_load(args.scenario.read_text(encoding="utf-8"))
    values.pop("name", None)
    values.pop("description", None)
    note = None if args.keep_source else (args.note or "migrant-health calibrate")
    for path, value in values.items():
        fold(path, value, note)
    print(f"folded {len(values)} values into {DEFAULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
