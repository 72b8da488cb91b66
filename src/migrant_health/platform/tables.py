"""Tables of indicator cells as the pages, the API and the downloads serve them.

The shared table holds every published wave's cells and the national picture (the published
waves of a year pooled, each weighted by its sum of weights); suppression is decided once on
that whole table and only then filtered, so that two requests with different filters cannot be
differenced to recover a hidden cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from migrant_health.platform.cache import SharedCache, published_key
from migrant_health.platform.models import Account, IndicatorCell, Region, Wave
from migrant_health.platform.suppression import Relation, suppress

NATIONAL = "national"
COLUMNS = [
    "wave_id",
    "region",
    "year",
    "indicator",
    "subgroup",
    "group",
    "n",
    "weight_sum",
    "estimate",
    "se",
]


def cells_of(session: Session, waves: Iterable[Wave]) -> pd.DataFrame:
    """The indicator cells of ``waves``, one row per cell (columns :data:`COLUMNS`)."""
    by_id = {w.id: w for w in waves}
    if not by_id:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    rows = session.execute(
        select(IndicatorCell).where(IndicatorCell.wave_id.in_(list(by_id)))
    ).scalars()
    records = [
        {
            "wave_id": c.wave_id,
            "region": by_id[c.wave_id].region.code,
            "year": by_id[c.wave_id].year,
            "indicator": c.indicator,
            "subgroup": c.subgroup,
            "group": c.group,
            "n": c.n,
            "weight_sum": c.weight_sum,
            "estimate": c.estimate,
            "se": c.se,
        }
        for c in rows
    ]
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def national_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """Each year's cells pooled over the waves of ``cells`` (weighted by their weight sums).

    The standard error treats the regional samples as independent.
    """
    if cells.empty:
        return cells.copy()
    data = cells.assign(
        _wy=cells["weight_sum"] * cells["estimate"].fillna(0.0),
        _wse=(cells["weight_sum"] * cells["se"].fillna(0.0)) ** 2,
    )
    keys = ["year", "indicator", "subgroup", "group"]
    pooled = (
        data.groupby(keys, sort=False)
        .agg(
            n=("n", "sum"),
            weight_sum=("weight_sum", "sum"),
            _wy=("_wy", "sum"),
            _wse=("_wse", "sum"),
        )
        .reset_index()
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled["estimate"] = np.where(pooled["n"] > 0, pooled["_wy"] / pooled["weight_sum"], np.nan)
        pooled["se"] = np.where(
            pooled["n"] > 1, np.sqrt(pooled["_wse"]) / pooled["weight_sum"], np.nan
        )
    pooled["wave_id"] = 0
    pooled["region"] = NATIONAL
    return pooled[COLUMNS]


def _relations(table: pd.DataFrame) -> list[Relation]:
    """The additive relations of a table of cells (see :mod:`.suppression`)."""
    unit = table["region"].astype(str) + "#" + table["wave_id"].astype(str)
    key = list(
        zip(unit, table["year"], table["indicator"], table["subgroup"], table["group"], strict=True)
    )
    position: dict[tuple[object, ...], int] = {k: i for i, k in enumerate(key)}
    relations: list[Relation] = []
    frame = table.assign(_unit=unit, _pos=np.arange(len(table)))
    # A breakdown adds up to the all-respondents cell of its wave (or of the nation).
    for (u, year, indicator, _subgroup), part in frame[frame["subgroup"] != "all"].groupby(
        ["_unit", "year", "indicator", "subgroup"], sort=False
    ):
        total = position.get((u, year, indicator, "all", "all"))
        relations.append(Relation(total, tuple(part["_pos"])))
    # The regions' cells add up to the national cell.
    national = frame["region"] == NATIONAL
    if national.any():
        for (year, indicator, subgroup, group), part in frame[~national].groupby(
            ["year", "indicator", "subgroup", "group"], sort=False
        ):
            total = position.get((f"{NATIONAL}#0", year, indicator, subgroup, group))
            relations.append(Relation(total, tuple(part["_pos"])))
    # The three stage shares of a cell add up to one.
    stages = frame[frame["indicator"].str.startswith("stage_")]
    for _, part in stages.groupby(["_unit", "year", "subgroup", "group"], sort=False):
        relations.append(Relation(None, tuple(part["_pos"])))
    return relations


def apply_suppression(
    table: pd.DataFrame, threshold: int, insiders: Sequence[frozenset[str]] = ()
) -> pd.DataFrame:
    """``table`` with a ``suppressed`` column and the hidden cells' n, estimate and SE blanked.

    ``insiders`` are the sets of region codes one analyst knows together (an account bound to
    several regions); each region's analysts are insiders of their region anyway.
    """
    table = table.reset_index(drop=True)
    # Each region's analysts know their region's cells; no one knows the national ones.
    owners = [None if r == NATIONAL else r for r in table["region"]]
    hidden = suppress(
        table["n"].to_numpy(dtype=np.int64), _relations(table), threshold, owners, insiders
    )
    out = table.assign(suppressed=hidden)
    out["n"] = out["n"].astype("Int64").mask(hidden)
    for column in ("weight_sum", "estimate", "se"):
        out[column] = out[column].astype(float).mask(hidden)
    return out


def published_waves(session: Session) -> list[Wave]:
    """Every published wave."""
    return list(session.scalars(select(Wave).where(Wave.published.is_(True))))


def shared_table(
    session: Session, threshold: int, cache: SharedCache | None = None
) -> pd.DataFrame:
    """Published waves' cells and the national picture, suppressed as one table.

    With a ``cache``, the table is computed once per set of published waves; callers must not
    modify it in place.
    """
    insiders = analysts_of_several_regions(session)
    if cache is not None:
        key = ("shared", published_key(session), threshold, insiders)
        table: pd.DataFrame = cache.get(key, lambda: shared_table(session, threshold))
        return table
    cells = cells_of(session, published_waves(session))
    return apply_suppression(
        pd.concat([cells, national_cells(cells)], ignore_index=True), threshold, insiders
    )


def analysts_of_several_regions(session: Session) -> tuple[frozenset[str], ...]:
    """The region codes each active analyst bound to several regions knows together, sorted:
    such an analyst sees all those regions' cells, so suppression must hold against them as
    one reader (and the shared table is cached per set of them)."""
    accounts = session.scalars(
        select(Account).where(Account.role == "analyst", Account.active.is_(True))
    )
    sets = {frozenset(r.code for r in a.regions) for a in accounts if len(a.regions) > 1}
    return tuple(sorted(sets, key=sorted))


def region_codes(session: Session) -> dict[int, str]:
    """Region id -> code."""
    return {r.id: r.code for r in session.scalars(select(Region))}
