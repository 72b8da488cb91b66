"""Errors of the survey toolkit: a validation report that lists every problem at once."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from migrant_health.errors import DataError

#: Rows listed per (column, reason) in the readable report; the full list stays in the report.
ROWS_SHOWN = 10


@dataclass(frozen=True)
class Problem:
    """One validation problem.

    Attributes:
        column: The column at fault.
        row: 1-based data row (row 1 is the first respondent, line 2 of a CSV with a header);
            ``None`` for a problem of the whole column (e.g. a missing required column).
        reason: What is wrong and what is allowed.
        value: The offending value as text ('' for column problems).
    """

    column: str
    row: int | None
    reason: str
    value: str = ""


class ValidationReport:
    """Every problem found in a survey table, held as a tidy frame (column, row, reason, value)."""

    COLUMNS = ("column", "row", "reason", "value")

    def __init__(self, frame: pd.DataFrame | None = None, source: str = "") -> None:
        self.frame = (
            frame.loc[:, list(self.COLUMNS)].reset_index(drop=True)
            if frame is not None
            else pd.DataFrame({c: pd.Series(dtype=object) for c in self.COLUMNS})
        )
        self.source = source

    @property
    def problems(self) -> list[Problem]:
        """The problems as a list, column problems first."""
        return [
            Problem(str(c), None if pd.isna(r) else int(r), str(why), str(v))
            for c, r, why, v in self.frame.itertuples(index=False)
        ]

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return self.frame.empty

    def __len__(self) -> int:
        return len(self.frame)

    def bad_columns(self) -> list[str]:
        """Columns with at least one problem, in order of appearance."""
        return list(dict.fromkeys(self.frame["column"].astype(str)))

    def __str__(self) -> str:
        if self.ok:
            return f"{self.source or 'survey'}: no problems found"
        n_rows = self.frame["row"].dropna().nunique()
        head = (
            f"{self.source or 'survey'}: {len(self.frame)} problem(s) in "
            f"{len(self.bad_columns())} column(s), {n_rows} row(s)"
        )
        lines = [head]
        for (column, reason), group in self.frame.groupby(
            ["column", "reason"], sort=False, dropna=False
        ):
            rows = group["row"].dropna().astype(int).tolist()
            if not rows:
                lines.append(f"  column '{column}': {reason}")
                continue
            shown = ", ".join(
                f"{r} ({v!r})" if v != "" else str(r)
                for r, v in zip(
                    rows[:ROWS_SHOWN], group["value"].tolist()[:ROWS_SHOWN], strict=True
                )
            )
            more = f" and {len(rows) - ROWS_SHOWN} more" if len(rows) > ROWS_SHOWN else ""
            lines.append(f"  column '{column}': {reason}: {len(rows)} row(s): {shown}{more}")
        lines.append(
            "Rows are numbered from 1 (the first respondent). Fix the data or the column map."
        )
        return "\n".join(lines)


class SurveyValidationError(DataError):
    """A survey table broke the schema; ``report`` lists every problem.

    Attributes:
        report: The full :class:`ValidationReport`.
    """

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(str(report))

    @property
    def problems(self) -> list[Problem]:
        """Every problem (column, row, reason, value)."""
        return self.report.problems


class ColumnMapError(DataError):
    """A column map (YAML) is malformed or does not fit the file it is applied to."""


class SurveyReadError(DataError):
    """A survey file cannot be read (missing, unknown format, corrupt, undecodable, empty)."""


class SurveyWriteError(DataError):
    """A survey table cannot be written in the format asked for (e.g. a bad Stata name)."""
