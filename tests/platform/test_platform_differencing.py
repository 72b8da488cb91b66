"""No analyst can recover another region's suppressed cells from the shared tables.

Every region's analyst is an insider: they see all of their own region's cells unsuppressed.
The attack of these tests is theirs: take the shared table (as ``/api/indicators`` serves it),
add one's own cells, and solve every relation the shared table publishes (a breakdown adds up to
its ``all`` cell, the regions to the national cell, the stage shares to one) for the cells
still hidden. A hidden cell is recovered when the relations, as linear equations, fix its value
whatever the other hidden cells are; the reviewer's differencing (national minus one's own minus
the other regions' shown cells) is the simplest case of it. Each region in turn is the insider,
over several wave sizes, weighted and unweighted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from platform_helpers import build_deployment, login, publish, upload, wave_frame, wave_id_of

from migrant_health.platform import create_app
from migrant_health.platform.admin import create_account
from migrant_health.platform.database import make_engine, session_scope
from migrant_health.platform.indicators import wave_indicators
from migrant_health.platform.models import Region
from migrant_health.platform.tables import NATIONAL, apply_suppression, national_cells
from migrant_health.survey import get_meta, validate_survey

THRESHOLD = 30
KEY = ["indicator", "subgroup", "group"]


def published_relations(table: pd.DataFrame) -> list[tuple[int | None, list[int]]]:
    """Every additive relation of a shared table, built here independently of the platform's
    code: (position of the total or ``None`` for a known constant, positions of the parts)."""
    frame = table.reset_index(drop=True).assign(_pos=lambda t: np.arange(len(t)))
    unit = ["region", "wave_id", "year"]
    alls = frame[frame["subgroup"] == "all"].set_index([*unit, "indicator"])["_pos"]
    relations: list[tuple[int | None, list[int]]] = []
    for (region, wave, year, indicator, _), part in frame[frame["subgroup"] != "all"].groupby(
        [*unit, "indicator", "subgroup"]
    ):
        relations.append((alls.get((region, wave, year, indicator)), list(part["_pos"])))
    regions = frame[frame["region"] != NATIONAL]
    nation = frame[frame["region"] == NATIONAL].set_index(["year", *KEY])["_pos"]
    for key, part in regions.groupby(["year", *KEY]):
        relations.append((nation.get(key), list(part["_pos"])))
    stages = frame[frame["indicator"].str.startswith("stage_")]
    for _, part in stages.groupby([*unit, "subgroup", "group"]):
        relations.append((None, list(part["_pos"])))
    return relations


def recovered_by(table: pd.DataFrame, insider: str | set[str]) -> list[int]:
    """Positions of the hidden cells of other regions (or the nation) that ``insider``'s analyst
    (of one region, or of a set of regions) can solve for: those whose value every solution of
    the relations agrees on."""
    table = table.reset_index(drop=True)
    known = {insider} if isinstance(insider, str) else insider
    unknown = np.flatnonzero(
        table["suppressed"].to_numpy(bool) & ~table["region"].isin(known).to_numpy()
    )
    if unknown.size == 0:
        return []
    matrix = relations_over(table, unknown)
    if not len(matrix):
        return []  # no relation ties them: nothing to solve
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:]  # the directions in which the unknowns can move together
    free = np.abs(null).max(axis=0) > 1e-9 if len(null) else np.zeros(unknown.size, bool)
    return [int(p) for p, moves in zip(unknown, free, strict=True) if not moves]


def relations_over(table: pd.DataFrame, unknown: np.ndarray) -> np.ndarray:
    """The published relations as rows of a matrix over the ``unknown`` cells (everything
    else known and moved aside): +1 for a part, -1 for the total."""
    column = {int(p): i for i, p in enumerate(unknown)}
    rows = []
    for total, parts in published_relations(table):
        row = np.zeros(unknown.size)
        for p in parts:
            if p in column:
                row[column[p]] = 1.0
        if total is not None and total in column:
            row[column[total]] = -1.0
        if row.any():
            rows.append(row)
    return np.array(rows) if rows else np.zeros((0, unknown.size))


def wave_cells(region: str, wave_id: int, n: int, seed: int, weighted: bool) -> pd.DataFrame:
    """The cells of a synthetic 2019 wave, as the platform stores them."""
    frame = wave_frame(2019, n, seed)
    if not weighted:
        frame = frame.drop(columns=["weight", "strata", "psu"])
    table = validate_survey(frame)
    cells, _ = wave_indicators(table, get_meta(table))
    return cells.assign(wave_id=wave_id, region=region, year=2019)


def shared(cells: pd.DataFrame) -> pd.DataFrame:
    table = pd.concat([cells, national_cells(cells)], ignore_index=True)
    return apply_suppression(table, THRESHOLD)


SIZES = [(300, 40, 45), (60, 300, 45), (120, 35, 500), (40, 45, 50), (300, 300, 31)]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("sizes", SIZES, ids=["-".join(map(str, s)) for s in SIZES])
def test_no_region_s_analyst_recovers_another_region_s_hidden_cells(
    sizes: tuple[int, int, int], weighted: bool
) -> None:
    cells = pd.concat(
        [
            wave_cells(region, i + 1, n, seed=i + 10 * n, weighted=weighted)
            for i, (region, n) in enumerate(zip("ABC", sizes, strict=True))
        ],
        ignore_index=True,
    )
    table = shared(cells)
    assert table["suppressed"].any(), "the example must have hidden cells"
    for insider in ("A", "B", "C"):
        found = table.iloc[recovered_by(table, insider)]
        assert found.empty, f"{insider}'s analyst recovers:\n{found[['region', *KEY]]}"
    # The outside reader (a viewer, an anonymous visitor) recovers nothing either.
    assert not recovered_by(table, "")


def _small_groups_learned(
    full: pd.DataFrame, table: pd.DataFrame, insider: str | set[str]
) -> list[str]:
    """What ``insider``'s analyst learns of fewer than THRESHOLD other respondents: a hidden
    cell of another region, or a hidden national cell less their own part (their own cells and
    the shown ones are known, so it gives the hidden rest's pooled value)."""
    learned = []
    for position in recovered_by(table, insider):
        row = full.iloc[position]
        same = (full[KEY] == row[KEY]).all(axis=1)
        known = {insider} if isinstance(insider, str) else insider
        own = int(full.loc[same & full["region"].isin(known), "n"].sum())
        others = int(row["n"]) - own if row["region"] == NATIONAL else int(row["n"])
        if 0 < others < THRESHOLD:
            learned.append(f"{row['region']} {row['subgroup']}={row['group']}: {others}")
    return learned


def _cells_by_age(plan: dict[str, dict[str, int]], subgroup: str = "age") -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(1)
    for wave, (region, groups) in enumerate(plan.items(), start=1):
        means = {group: rng.normal(25, 3) for group in groups}
        total = sum(groups.values())
        cell = {"wave_id": wave, "region": region, "year": 2019, "indicator": "bmi", "se": 0.1}
        mean = sum(n * means[g] for g, n in groups.items()) / total
        rows.append(cell | {"subgroup": "all", "group": "all", "n": total, "estimate": mean})
        for group, n in groups.items():
            estimate = means[group] if n else np.nan
            rows.append(cell | {"subgroup": subgroup, "group": group, "n": n, "estimate": estimate})
    cells = pd.DataFrame(rows).assign(weight_sum=lambda t: t["n"].astype(float))
    return pd.concat([cells, national_cells(cells)], ignore_index=True)


def test_groups_with_no_answers_lead_no_analyst_to_a_small_group() -> None:
    """A and C have no one aged c, so the national cell of age c is B's own: B's analyst can
    work it out although it is hidden, and carry it into the national breakdown. Solving one
    relation at a time, the rule had left national age a and b to give the pooled value of A's
    9 and C's 5 respondents aged b."""
    full = _cells_by_age(
        {
            "A": {"a": 24, "b": 9, "c": 0},
            "B": {"a": 1, "b": 52, "c": 5},
            "C": {"a": 45, "b": 5, "c": 0},
        }
    )
    table = apply_suppression(full, THRESHOLD)
    for insider in ("", "A", "B", "C"):
        assert not _small_groups_learned(full, table, insider), insider


def _pairs_learned(full: pd.DataFrame, table: pd.DataFrame, insider: str) -> list[tuple[str, ...]]:
    """Pairs of hidden cells of other regions in one relation (a breakdown, or the regions of a
    national cell) whose pooled value ``insider``'s analyst can work out, holding fewer than
    THRESHOLD respondents together."""
    table = table.reset_index(drop=True)
    unknown = np.flatnonzero(table["suppressed"].to_numpy(bool) & (table["region"] != insider))
    column = {int(p): i for i, p in enumerate(unknown)}
    matrix = relations_over(table, unknown)
    rank = np.linalg.matrix_rank(matrix) if len(matrix) else 0
    learned = []
    for _, parts in published_relations(table):
        hidden = [p for p in parts if p in column and full.loc[p, "region"] != NATIONAL]
        for i, first in enumerate(hidden):
            for second in hidden[i + 1 :]:
                together = int(full.loc[first, "n"]) + int(full.loc[second, "n"])
                if not 0 < together < THRESHOLD:
                    continue
                pair = np.zeros(unknown.size)
                pair[[column[first], column[second]]] = 1.0
                if np.linalg.matrix_rank(np.vstack([matrix, pair])) == rank:
                    learned.append((full.loc[first, "region"], full.loc[second, "region"]))
    return learned


@pytest.mark.parametrize(
    "plan, subgroup",
    [
        # Two small groups of one region beside a shown total and a shown third group.
        ({"A": {"a": 3, "b": 4, "c": 93}, "B": {"a": 40, "b": 40, "c": 40}}, "age"),
        # Two regions' small groups beside a shown national cell and a shown third region.
        ({"A": {"m": 3, "f": 97}, "B": {"m": 4, "f": 96}, "C": {"m": 50, "f": 50}}, "sex"),
    ],
    ids=["one-region", "two-regions"],
)
def test_two_small_hidden_cells_are_not_left_to_give_their_pooled_value(
    plan: dict[str, dict[str, int]], subgroup: str
) -> None:
    """A total less its shown parts is the pooled value of the hidden ones: with 3 and 4
    respondents hidden beside a shown total, any reader had learned those 7 respondents'
    mean."""
    full = _cells_by_age(plan, subgroup)
    table = apply_suppression(full, THRESHOLD)
    for insider in ("", *plan):
        assert not _pairs_learned(full, table, insider), insider


def test_an_analyst_of_two_regions_learns_nothing_of_the_third() -> None:
    """With A and B known together, the national cell less A and B is C's: an account bound
    to both had recovered C's small cell. Such accounts are readers of their own."""
    cells = pd.concat(
        [
            wave_cells("A", 1, 100, 1, False),
            wave_cells("B", 2, 200, 2, False),
            wave_cells("C", 3, 45, 3, False),
        ],
        ignore_index=True,
    )
    full = pd.concat([cells, national_cells(cells)], ignore_index=True)
    alone = apply_suppression(full, THRESHOLD)
    assert _small_groups_learned(full, alone, {"A", "B"})  # the rule for one region each
    table = apply_suppression(full, THRESHOLD, insiders=[frozenset({"A", "B"})])
    for reader in ("", "A", "B", "C", {"A", "B"}):
        assert not _small_groups_learned(full, table, reader), reader


def test_two_regions_hide_the_national_cell_with_the_small_one() -> None:
    # With two regions the national cell minus one's own is the other region's cell: when B's
    # cell is small, A's and the national cell are hidden too (A's analyst knows A's cell).
    cells = pd.concat(
        [wave_cells("A", 1, 300, 1, False), wave_cells("B", 2, 40, 2, False)], ignore_index=True
    )
    table = shared(cells).set_index(["region", *KEY])
    small_b = table.loc["B"][table.loc["B", "n"].isna()].index
    primary = [k for k in small_b if cells.set_index(["region", *KEY]).loc[("B", *k), "n"] > 0]
    assert primary
    for key in primary:
        assert table.loc[(NATIONAL, *key), "suppressed"], key
    assert not recovered_by(table.reset_index(), "A")


def test_the_reviewers_differencing_through_the_api_finds_nothing(tmp_path: Path) -> None:
    """Three regions publish 2019 waves through the pages; each analyst in turn subtracts their
    own (unsuppressed) cells and the other regions' shown cells from the national cell."""
    deployment = build_deployment(tmp_path)
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        region_c = Region(code="C", name="Region C")
        session.add(region_c)
        session.flush()
        create_account(session, "carl", "analyst-c-passphrase", "analyst", [region_c.id])
        c_id = region_c.id
    engine.dispose()
    app = create_app(deployment.settings)
    waves = {}
    plans = [
        ("A", "ana", deployment.region_a, 300, True),
        ("B", "bob", deployment.region_b, 40, False),
        ("C", "carl", c_id, 45, True),
    ]
    with TestClient(app) as client:
        tables = {}
        for code, user, region, n, weighted in plans:
            token = login(client, user, "analyst-c-passphrase" if user == "carl" else None)
            frame = wave_frame(2019, n, seed=n)
            if not weighted:
                frame = frame.drop(columns=["weight", "strata", "psu"])
            waves[code] = wave_id_of(
                upload(client, token, region, frame.to_csv(index=False).encode())
            )
            assert publish(client, token, waves[code]).status_code == 200
            mine = client.get(f"/api/waves/{waves[code]}/indicators").json()["cells"]
            tables[code] = pd.DataFrame(mine).set_index(KEY)
        cells = pd.DataFrame(client.get("/api/indicators?year=2019").json()["cells"])
    nation = cells[cells["region"] == NATIONAL].set_index(KEY)
    hidden_total = 0
    for insider, _, _, _, _ in plans:
        for other in {"A", "B", "C"} - {insider}:
            third = ({"A", "B", "C"} - {insider, other}).pop()
            theirs = cells[cells["region"] == other].set_index(KEY)
            shown = cells[cells["region"] == third].set_index(KEY)
            for key in theirs.index[theirs["suppressed"]]:
                hidden_total += 1
                if bool(nation.loc[key, "suppressed"]) or bool(shown.loc[key, "suppressed"]):
                    continue  # a second unknown: the difference fixes nothing
                n = nation.loc[key, "n"] - tables[insider].loc[key, "n"] - shown.loc[key, "n"]
                pytest.fail(f"{insider} recovers {other}'s hidden {key}: n = {n}")
    assert hidden_total > 0


def test_the_shared_table_knows_the_analysts_bound_to_several_regions(tmp_path: Path) -> None:
    from migrant_health.platform.tables import analysts_of_several_regions

    deployment = build_deployment(tmp_path)
    engine = make_engine(deployment.settings)
    with session_scope(engine) as session:
        assert analysts_of_several_regions(session) == ()
        both = [deployment.region_a, deployment.region_b]
        create_account(session, "nora", "analyst-n-passphrase", "analyst", both)
        session.flush()
        codes = {r.code for r in session.query(Region).where(Region.id.in_(both))}
        assert analysts_of_several_regions(session) == (frozenset(codes),)
    engine.dispose()


def test_the_suppression_benchmark_runs_and_reports_its_table() -> None:
    """``benchmarks/bench_suppression.py``, whose figures docs/platform.md quotes."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "bench_suppression.py"), "--regions", "2"],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    header, row = done.stdout.strip().splitlines()
    assert header.split() == ["regions", "years", "cells", "hidden", "seconds"]
    regions, years, cells, hidden, _ = row.split()
    assert (regions, years) == ("2", "1") and 0 < int(hidden.replace(",", "")) < int(
        cells.replace(",", "")
    )
