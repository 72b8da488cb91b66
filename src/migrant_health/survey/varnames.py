"""Variable names that Stata and SPSS accept, checked before a table is written.

The writer (ReadStat, through pyreadstat) refuses a bad name with a message that does not say
which column is at fault ("A provided name is too long for the file format"), and only after
part of the work is done. These rules are the ones it applies, so every offending column can be
named at once, with the rule it breaks:

* Stata (``.dta``, version 15): at most 32 characters; letters (any script, so Chinese names
  are fine), digits and ``_``; starting with a letter or ``_``; not a reserved word (``if``,
  ``in``, ``byte``, ``_n``, ``str1`` ...).
* SPSS (``.sav``): at most 64 bytes in UTF-8; letters, digits and ``. _ $ # @``; starting with
  a letter; not a reserved word (``ALL``, ``AND``, ``BY``, ... in any case).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from migrant_health.survey.errors import SurveyWriteError

_STATA_RESERVED = frozenset(
    [
        "_all",
        "_b",
        "byte",
        "_coef",
        "_cons",
        "double",
        "float",
        "if",
        "in",
        "int",
        "long",
        "_n",
        "_N",
        "_pi",
        "_pred",
        "_rc",
        "_skip",
        "strL",
        "using",
        "with",
    ]
)
_STATA_STR = re.compile(r"str[0-9]+")
_SPSS_RESERVED = frozenset(
    ["ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"]
)


def _stata_problem(name: str) -> str | None:
    if not name:
        return "is empty"
    if len(name) > 32:
        return f"has {len(name)} characters (at most 32)"
    if not (name[0].isalpha() or name[0] == "_"):
        return f"starts with {name[0]!r} (a letter or _ must come first)"
    bad = sorted({c for c in name if not (c.isalnum() or c == "_")})
    if bad:
        return "contains " + " ".join(repr(c) for c in bad) + " (letters, digits and _ only)"
    if name in _STATA_RESERVED or _STATA_STR.fullmatch(name):
        return "is a reserved word"
    return None


def _spss_problem(name: str) -> str | None:
    if not name:
        return "is empty"
    size = len(name.encode("utf-8"))
    if size > 64:
        return f"takes {size} bytes in UTF-8 (at most 64)"
    if not name[0].isalpha():
        return f"starts with {name[0]!r} (a letter must come first)"
    bad = sorted({c for c in name if not (c.isalnum() or c in "._$#@")})
    if bad:
        return "contains " + " ".join(repr(c) for c in bad) + " (letters, digits and . _ $ # @)"
    if name.upper() in _SPSS_RESERVED:
        return "is a reserved word"
    return None


_RULES = {"stata": ("Stata", _stata_problem), "spss": ("SPSS", _spss_problem)}


def check_variable_names(columns: Iterable[object], kind: str, target: str) -> None:
    """Raise if a column name cannot be a ``kind`` (``"stata"`` or ``"spss"``) variable name.

    Args:
        columns: The table's column names.
        kind: ``"stata"`` or ``"spss"``; other formats keep any name and pass.
        target: The file to be written (for the message).

    Raises:
        SurveyWriteError: Naming every column that breaks a rule, and how to fix it.
    """
    if kind not in _RULES:
        return
    program, problem_of = _RULES[kind]
    problems = [
        f"{name!r} {why}" for name in map(str, columns) if (why := problem_of(name)) is not None
    ]
    if problems:
        raise SurveyWriteError(
            f"{target}: {len(problems)} column name(s) are not valid {program} variable names: "
            + "; ".join(problems)
            + ". Rename the columns (in a column map's 'rename' section, or in pandas), or "
            "write .csv or .parquet, which keep any name"
        )
