"""Depressive-symptom instruments and their screening cut-offs.

A wave's metadata names its instrument (the column map's ``scales: depression_scale``, the
survey schema's instrument field); a respondent screens positive when ``depression_score`` is at
or above that instrument's published cut-off. A wave whose instrument is not listed here gets no
depressive-symptom indicator (the page says why) rather than a guessed cut-off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    """A screening instrument: its name, positive cut-off and where the cut-off comes from."""

    name: str
    cutoff: float
    source: str


# Keys are names with case, spaces, hyphens and punctuation removed; the first prefix matching
# wins, so the 10-item CES-D is listed before the 20-item one.
INSTRUMENTS: tuple[tuple[str, Instrument], ...] = (
    ("cesd10", Instrument("CES-D 10", 10, "Andresen et al. 1994, Am J Prev Med 10(2)")),
    ("cesd8", Instrument("CES-D 8", 9, "Briggs et al. 2018, BMC Psychiatry 18")),
    ("cesd", Instrument("CES-D 20", 16, "Radloff 1977, Appl Psychol Meas 1(3)")),
    ("phq9", Instrument("PHQ-9", 10, "Kroenke et al. 2001, J Gen Intern Med 16(9)")),
    ("phq8", Instrument("PHQ-8", 10, "Kroenke et al. 2009, J Affect Disord 114")),
    ("k6", Instrument("K6", 13, "Kessler et al. 2003, Arch Gen Psychiatry 60(2)")),
    ("k10", Instrument("K10", 22, "Andrews and Slade 2001, Aust N Z J Public Health 25(6)")),
)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def instrument_of(scale: str) -> Instrument | None:
    """The instrument a wave's ``depression_scale`` names, or ``None`` if it is not listed.

    ``"PHQ-9-like (synthetic, 0-27; >= 10 screens positive)"``, the synthetic survey's scale,
    is PHQ-9.
    """
    key = _key(scale)
    return next((inst for prefix, inst in INSTRUMENTS if key.startswith(prefix)), None)
