"""Do the age targets of migrant workers agree with each other? (docs/calibration.md, section 7)

The one target the shipped defaults miss is the share of migrant workers aged 40 or under
(``nbs.age_share_40_or_under``, 2017); every search that lowered it took the share of local
migrant workers aged 21-40 in 2010 (``mw.local_share_21_40``) out of its tolerance. These
tests show, from the targets file alone, that the two sets of figures cannot both hold: the
out-migrant and local shares a secondary essay quotes from the NBS reports of 2010 and 2011,
weighted with the NBS counts, imply an age structure of the whole workforce that the NBS age
bands of the same years do not have. Reading them together is arithmetic on published
figures, not a model result; if the targets are corrected, these tests fail and the section
of the docs that rests on them must be rewritten.
"""

from __future__ import annotations

import pandas as pd
import pytest

from migrant_health.experiments import load_targets


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return load_targets()


def value(targets: pd.DataFrame, key: str, year: int) -> float:
    """The target's value (a share in percent or a count in 10,000 persons)."""
    row = targets[(targets["key"] == key) & (targets["year"] == year)]
    assert len(row) == 1, f"{key} {year}: {len(row)} rows"
    return float(row["value"].iloc[0])


def test_the_essay_shares_of_2010_make_the_workforce_younger_than_the_nbs_bands(
    targets: pd.DataFrame,
) -> None:
    """2010: out-migrants aged 21-40 (73.1 %) and local migrant workers aged 21-40 (41.8 %),
    weighted with the NBS counts (153.35 and 88.88 million), make 61.6 % of all migrant
    workers aged 21-40; the NBS bands of 2010 give 35.9 + 23.5 = 59.4 %."""
    out = value(targets, "nbs.outmigrant_workers (waichu)", 2010)
    local = value(targets, "nbs.local_migrant_workers (bendi)", 2010)
    total = value(targets, "nbs.migrant_workers_total", 2010)
    assert abs(out + local - total) < 1  # the counts add up
    implied = (
        out * value(targets, "mw.out_share_21_40", 2010)
        + local * value(targets, "mw.local_share_21_40", 2010)
    ) / total
    bands = value(targets, "nbs.age_share_21-30", 2010) + value(
        targets, "nbs.age_share_31-40", 2010
    )
    assert implied - bands > 2.0


def test_the_essay_shares_leave_too_few_young_local_workers_in_2011(
    targets: pd.DataFrame,
) -> None:
    """2011: the NBS bands put 61.7 % of 252.78 million migrant workers at 40 or under (155.97
    million); out-migrants under 40 (81.8 % of 158.63 million) are 129.76 million of them, which
    leaves 26.21 million of 94.15 million local migrant workers, 27.8 %, at 40 or under, while
    the essay's 2010 figure has 41.8 % of local migrant workers aged 21-40 alone. The share
    would have fallen by 14 points in a year in which the whole workforce's share at 40 or under
    fell by 4.2 (65.9 % to 61.7 %)."""
    total = value(targets, "nbs.migrant_workers_total", 2011)
    out = value(targets, "nbs.outmigrant_workers (waichu)", 2011)
    local = total - out
    young_share = sum(
        value(targets, f"nbs.age_share_{band}", 2011) for band in ("16-20", "21-30", "31-40")
    )
    young_local = young_share * total - value(targets, "mw.out_share_under40", 2011) * out
    local_share_2011 = young_local / local
    local_21_40_in_2010 = value(targets, "mw.local_share_21_40", 2010)
    assert local_21_40_in_2010 - local_share_2011 > 10.0
    whole_fall = value(targets, "nbs.age_share_40_or_under", 2010) - young_share
    assert 0.0 < whole_fall < 5.0
