"""CSV downloads embedded in a page, so a self-contained report stays one file.

Each table or plot's data travels inside the page as a base64 ``data:`` URI on a link with a
``download`` attribute: a click saves it as a CSV file, with no server and no second file to
lose when the report is mailed or archived. Base64 rather than percent-encoding, because the
targets' units and caveats hold commas, quotes and non-ASCII text.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class CsvDownload:
    """A table ready to be offered as a CSV file.

    Attributes:
        filename: Name the browser saves it under.
        href: The ``data:`` URI holding the CSV (UTF-8).
        rows: Number of data rows (the header not counted).
    """

    filename: str
    href: str
    rows: int


def file_stem(text: str) -> str:
    """A file-name-safe version of ``text`` (a target key), e.g. ``nbs.age_share_50_``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "data"


def csv_download(frame: pd.DataFrame, filename: str) -> CsvDownload:
    """Embed ``frame`` (without its index) as a CSV download named ``filename``."""
    text = frame.to_csv(index=False, lineterminator="\n")
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return CsvDownload(filename, f"data:text/csv;charset=utf-8;base64,{encoded}", len(frame))
