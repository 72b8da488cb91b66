"""Metadata that travels with a survey table: the scales of its health items.

A column map declares them (``scales:``); readers store them in ``frame.attrs["survey_meta"]``
so that validation checks ``srh`` and ``depression_score`` against the scale the file really uses.
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from migrant_health.survey.errors import ColumnMapError

META_KEY = "survey_meta"
VALUE_LABELS_KEY = "value_labels"
#: ``frame.attrs`` key of the file a table was read from, so that messages can name it.
SOURCE_KEY = "source_file"


class SurveyMeta(BaseModel):
    """Scales of the survey's health and support items.

    Attributes:
        srh_levels: Number of self-rated-health levels, coded 1 (worst) to ``srh_levels`` (best).
            5 by default; 4 for the CMDS item.
        depression_scale: Name of the depressive-symptom instrument (e.g. ``"CES-D 10"``).
        depression_min: Lowest possible depression score.
        depression_max: Highest possible depression score (no upper check when ``None``).
        social_support_scale: Name of the social-support instrument (e.g. ``"SSRS"``).
        source: Where the data come from (free text).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    srh_levels: Annotated[int, Field(ge=3, le=7)] = 5
    depression_scale: str = "unspecified"
    depression_min: float = 0.0
    depression_max: float | None = None
    social_support_scale: str = "unspecified"
    source: str = ""

    @model_validator(mode="after")
    def _range_is_ordered(self) -> SurveyMeta:
        if self.depression_max is not None and self.depression_max <= self.depression_min:
            raise ValueError("depression_max must exceed depression_min")
        return self


def meta_from_mapping(raw: Any, where: str) -> SurveyMeta:
    """Build :class:`SurveyMeta` from a ``scales:`` mapping, naming ``where`` on error."""
    if raw is None:
        return SurveyMeta()
    if not isinstance(raw, dict):
        raise ColumnMapError(f"{where}: 'scales' must be a mapping, got {type(raw).__name__}")
    try:
        return SurveyMeta(**raw)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'scales'}: {e['msg']}" for e in exc.errors()
        )
        raise ColumnMapError(f"{where}: invalid 'scales': {reasons}") from exc


def get_meta(frame: pd.DataFrame) -> SurveyMeta:
    """The metadata attached to ``frame`` (defaults if there is none)."""
    raw = frame.attrs.get(META_KEY)
    if isinstance(raw, SurveyMeta):
        return raw
    if isinstance(raw, dict):
        return SurveyMeta(**raw)
    return SurveyMeta()


def set_meta(frame: pd.DataFrame, meta: SurveyMeta) -> pd.DataFrame:
    """Attach ``meta`` to ``frame`` (in place) and return it."""
    frame.attrs[META_KEY] = meta.model_dump()
    return frame
