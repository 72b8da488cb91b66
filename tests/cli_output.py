"""Reading the commands' ``--format json`` and ``--format csv`` output as a program would."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd


def strict_json(text: str) -> Any:
    """Parse JSON as strict readers do: the bare words NaN and Infinity are errors."""

    def refuse(word: str) -> None:
        raise ValueError(f"{word} in JSON output")

    return json.loads(text, parse_constant=refuse)


def csv_table(text: str) -> pd.DataFrame:
    """A CSV printed on stdout, read with its header row."""
    return pd.read_csv(io.StringIO(text))
