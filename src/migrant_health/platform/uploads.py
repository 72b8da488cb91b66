"""A survey wave as it is uploaded: size limit, content sniffing, column map, validation.

The file is streamed to a private temporary folder with a byte limit, its first bytes are
checked against what its extension claims (a ``.parquet`` that is really a spreadsheet is
refused before any parser sees it), then the survey toolkit reads it through the optional
column map and checks it against the schema. Every problem comes back per row and column;
nothing is stored unless the whole file is valid.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import yaml

from migrant_health.errors import MigrantHealthError
from migrant_health.platform.errors import UploadError
from migrant_health.survey import ColumnMap, SurveyMeta, check_survey, get_meta, read_survey
from migrant_health.survey.encoding import BYTE_ORDER_MARKS
from migrant_health.survey.readers import FORMATS

_CHUNK = 1 << 20
# The magic bytes of each binary format; a CSV must be text (no NUL byte in its first block).
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "parquet": (b"PAR1",),
    "spss": (b"$FL2", b"$FL3"),
    # Stata 13+ (XML-like header) or the binary header of Stata 8-12 (format 113-115).
    "stata": (b"<stata_dta>", b"\x71", b"\x72", b"\x73"),
}
_KNOWN_HEADS = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Office document (.xls?)",
}


@dataclass(frozen=True)
class CheckedWave:
    """A survey file that passed or failed validation.

    Attributes:
        table: The coerced table (``None`` if the file could not be read at all).
        problems: One row per problem: column, row (1-based, ``None`` for a whole column),
            reason, value. Empty when the wave is valid.
        meta: The wave's metadata (scales of its health items).
    """

    table: pd.DataFrame | None
    problems: pd.DataFrame
    meta: SurveyMeta

    @property
    def ok(self) -> bool:
        """Whether the wave may be stored."""
        return self.table is not None and self.problems.empty


def suffix_format(filename: str) -> tuple[str, str]:
    """The suffix and survey format of an uploaded file's name.

    Raises:
        UploadError: For a name without one of the survey formats' suffixes.
    """
    suffix = Path(filename).suffix.lower()
    if suffix not in FORMATS:
        raise UploadError(
            f"'{filename}': unknown survey format '{suffix or '(no extension)'}'; upload a "
            f"{', '.join(sorted(FORMATS))} file"
        )
    return suffix, FORMATS[suffix]


def sniff(head: bytes, kind: str, filename: str) -> None:
    """Refuse a file whose first bytes are not those of ``kind``.

    Raises:
        UploadError: Saying what the file seems to be instead.
    """
    seems = next((what for magic, what in _KNOWN_HEADS.items() if head.startswith(magic)), None)
    if kind == "csv":
        # UTF-16 and UTF-32 text (Excel's "Unicode text") is full of NUL bytes; its byte-order
        # mark says it is text, which the reader decodes.
        unicode_text = head.startswith(tuple(mark for mark, _ in BYTE_ORDER_MARKS))
        if seems is not None or (b"\x00" in head[:4096] and not unicode_text):
            raise UploadError(
                f"'{filename}' is not a CSV text file (it is {seems or 'binary data'}); export "
                "the survey as CSV (or tab-separated text), Parquet, Stata or SPSS and upload "
                "that"
            )
        return
    if not head.startswith(_MAGIC[kind]):
        raise UploadError(
            f"'{filename}' is not a {kind} file although its name says so (its content is "
            f"{seems or 'something else'}); upload the file in the format its extension names"
        )


def save_limited(source: BinaryIO, target: Path, limit: int, filename: str) -> int:
    """Copy ``source`` to ``target``, refusing more than ``limit`` bytes.

    Returns:
        The number of bytes written.

    Raises:
        UploadError: When the file is larger than the limit (the partial copy is removed).
    """
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > limit:
                out.close()
                target.unlink()
                raise UploadError(
                    f"'{filename}' is larger than the platform's limit of "
                    f"{limit / 1024 / 1024:.1f} MB; upload a smaller wave or ask the admin "
                    "to raise --max-upload-mb"
                )
            out.write(chunk)
    if written == 0:
        raise UploadError(f"'{filename}' is empty; choose the survey file again")
    return written


def parse_column_map(text: str) -> ColumnMap | None:
    """The column map typed or uploaded beside the file (``None`` when blank).

    Raises:
        UploadError: If it is not a YAML mapping or not a valid column map.
    """
    if not text.strip():
        return None
    try:
        with tempfile.TemporaryDirectory(prefix="mh-map-") as folder:
            path = Path(folder) / "column_map.yaml"
            path.write_text(text, encoding="utf-8")
            # Named as the page names it in later messages too (a source column the file
            # lacks), not by the temporary file's server path.
            return dataclasses.replace(ColumnMap.load(path), origin="column map")
    except (MigrantHealthError, yaml.YAMLError) as exc:
        # The map was written to a temporary file: name it as the page does.
        text = str(exc).replace(str(path), "column map")
        raise UploadError(text if text.startswith("column map") else f"column map: {text}") from exc


def check_wave(source: BinaryIO, filename: str, column_map: str, limit: int) -> CheckedWave:
    """Read and validate an uploaded wave (see the module docstring).

    Args:
        source: The uploaded bytes.
        filename: The file's name as uploaded (its extension picks the reader).
        column_map: Column-map YAML text, or blank when the file uses the schema's names.
        limit: Largest size accepted, in bytes.

    Raises:
        UploadError: For a file refused before validation (size, format, content, map).
    """
    suffix, kind = suffix_format(filename)
    cmap = parse_column_map(column_map)
    with tempfile.TemporaryDirectory(prefix="mh-upload-") as folder:
        path = Path(folder) / f"wave{suffix}"
        save_limited(source, path, limit, filename)
        with path.open("rb") as handle:
            sniff(handle.read(4096), kind, filename)
        try:
            frame = read_survey(path, column_map=cmap)
        except MigrantHealthError as exc:
            raise UploadError(str(exc).replace(str(path), f"'{filename}'")) from exc
    table, report = check_survey(frame, source=filename)
    problems = report.frame.copy()
    if problems.empty:
        problems = weight_problems(table)
    return CheckedWave(table, problems, get_meta(table))


#: A weight more than this many times the wave's median weight is refused (docs/platform.md,
#: "Survey waves": real designs vary 1:10 to 1:50; such a weight is a unit or typing error).
MAX_WEIGHT_RATIO = 100


def _problems(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["column", "row", "reason", "value"])


def weight_problems(table: pd.DataFrame) -> pd.DataFrame:
    """Weights that no survey design produces, as problems (empty when the weights are fine).

    Checked when the wave's weights are used (every respondent has one; see
    :func:`.indicators.design_of`): the weights must sum to more than 0, no respondent may have
    weight 0 (they would count in n, and so in the small-cell rule, but in no estimate), and no
    weight may exceed :data:`MAX_WEIGHT_RATIO` times the median weight (one respondent standing
    for a hundred typical ones turns every estimate into that person's answer).
    """
    if "weight" not in table.columns or table["weight"].isna().any() or table.empty:
        return _problems([])
    weights = pd.to_numeric(table["weight"], errors="coerce").astype(float).to_numpy()
    if weights.sum() <= 0:
        return _problems(
            [
                {
                    "column": "weight",
                    "row": None,
                    "reason": "every weight is 0, so the wave stands for no one: give the "
                    "survey's weights, or leave the weight column out (each respondent then "
                    "counts once)",
                    "value": "",
                }
            ]
        )
    found = []
    median = float(pd.Series(weights[weights > 0]).median())
    for position, weight in enumerate(weights):
        if weight == 0:
            reason = (
                "weight 0: the respondent would count in n but in no estimate; give their "
                "weight or drop the row"
            )
        elif weight > MAX_WEIGHT_RATIO * median:
            reason = (
                f"weight {weight / median:.3g} times the wave's median weight ({median:.4g}): "
                f"one respondent would outweigh {MAX_WEIGHT_RATIO} typical ones; check the "
                f"value (a unit or typing error?). Weights up to {MAX_WEIGHT_RATIO} times the "
                "median are accepted"
            )
        else:
            continue
        found.append(
            {"column": "weight", "row": position + 1, "reason": reason, "value": f"{weight:g}"}
        )
    return _problems(found)


def rows_fingerprint(table: pd.DataFrame) -> str:
    """SHA-256 of a wave's rows, whatever their order, the order of columns or the format.

    Numbers are written the same way whether a format read them as integers or floats, so the
    same respondents uploaded as CSV and as Parquet have one fingerprint.
    """
    canonical = table[sorted(table.columns)].copy()
    for column in canonical.columns:
        values = canonical[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            canonical[column] = values.astype(float)
    text = canonical.to_csv(index=False, float_format="%.17g", lineterminator="\n")
    header, *rows = text.rstrip("\n").split("\n")
    digest = hashlib.sha256(header.encode())
    for row in sorted(rows):
        digest.update(b"\n" + row.encode())
    return digest.hexdigest()


def problems_by_row(problems: pd.DataFrame) -> Iterable[dict[str, object]]:
    """Problems as records for a page or JSON (whole-column problems first)."""
    ordered = problems.assign(_r=problems["row"].fillna(0)).sort_values(["_r", "column"])
    for column, row, reason, value in ordered[["column", "row", "reason", "value"]].itertuples(
        index=False
    ):
        yield {
            "column": column,
            "row": None if pd.isna(row) else int(row),
            "reason": reason,
            "value": value,
        }


def to_parquet_bytes(table: pd.DataFrame) -> bytes:
    """The validated table as Parquet bytes (its metadata kept in the file's pandas attrs)."""
    buffer = io.BytesIO()
    clean = table.copy()
    clean.attrs = {"survey_meta": get_meta(table).model_dump()}
    clean.to_parquet(buffer, index=False)
    return buffer.getvalue()


def from_parquet_bytes(data: bytes) -> pd.DataFrame:
    """A stored wave's table."""
    return pd.read_parquet(io.BytesIO(data))
