"""Primary and complementary suppression of small cells, safe against an insider.

Hand-written (no maintained Python library does cell suppression for tables of means): a cell
with fewer respondents than the threshold is suppressed (primary), and then, so that it cannot
be recovered by differencing, every additive relation between the cells is checked: a subgroup
breakdown adds up to its ``all`` cell, the regions' cells add up to the national cell, and the
three stage shares of a cell add up to one.

A reader knows the shown cells and, if they are a region's analyst, all of their own
region's cells (unsuppressed, on their wave pages); an analyst bound to several regions knows
all of theirs. For every reader, the rule keeps:

1. In every relation, the hidden members the reader does not know are none or at least two,
   and when the relation's total is known to the reader, the hidden parts they do not know
   hold at least the threshold's respondents together (total less the known parts is their
   pooled value).
2. Solving all relations together, the reader cannot work out a hidden cell of another
   region with fewer than the threshold's respondents, nor a hidden national cell whose
   hidden part from other regions holds fewer (where the other regions have no one in a
   group, the national cell is the reader's own, and carried into the national breakdown it
   had given away others' small groups).

Where a reader would learn too much, one more cell they do not know is hidden: a cell of the
region of the cells they miss if there is one (that region's analyst knows both, everyone else
misses both), else the smallest cell of another region, else the total (the national cell).
Each addition may break another relation, so the rule runs to a fixed point, which always
exists: hiding every member satisfies it. Not checked: the pooled value of hidden cells of
different relations that a reader might work out by combining several relations.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Relation:
    """An additive relation between cells (positions in the table).

    Attributes:
        total: The cell that the components add up to, or ``None`` when they add up to a known
            constant (the stage shares of a cell sum to one).
        components: The cells that add up.
    """

    total: int | None
    components: tuple[int, ...]


Reader = frozenset[Hashable]


def _readers_of(
    members: Sequence[int], own: Sequence[Hashable | None], insiders: Sequence[Reader]
) -> list[Reader]:
    """The readers who see a relation differently: the outside reader (no region), the analyst
    of each region owning a member, and each multi-region analyst sharing one. Any other
    reader knows no member, as the outside reader."""
    owners = {own[m] for m in members if own[m] is not None}
    readers: list[Reader] = [frozenset()]
    readers += [frozenset({o}) for o in owners]
    readers += [s for s in insiders if s & owners]
    return readers


def _leak(
    relation: Relation,
    hidden: np.ndarray,
    n: np.ndarray,
    own: Sequence[Hashable | None],
    reader: Reader,
    threshold: int,
) -> list[int]:
    """The members of ``relation`` that ``reader`` does not know, if the relation alone tells
    them something about fewer than ``threshold`` respondents of others; else nothing.

    It does when the reader misses exactly one member (they solve for it), or when the total
    is known to them (shown, or theirs) and the hidden parts they miss hold fewer than the
    threshold's respondents together (total less the known parts is those respondents' pooled
    value: two hidden cells of 3 and 4 respondents beside a shown total)."""
    members = [*relation.components] + ([relation.total] if relation.total is not None else [])
    unknown = [m for m in members if hidden[m] and own[m] not in reader]
    if not unknown:
        return []
    if len(unknown) == 1:
        return unknown
    total = relation.total
    if total is not None and total not in unknown:
        pooled = sum(int(n[m]) for m in unknown)
        if 0 < pooled < threshold:
            return unknown
    return []


def _one_more(
    relation: Relation,
    missed: list[int],
    hidden: np.ndarray,
    n: np.ndarray,
    own: Sequence[Hashable | None],
    reader: Reader,
) -> int | None:
    """The cell to hide next in ``relation`` for ``reader``: a part of a region the missed
    cells belong to (its analyst knows both, everyone else misses both), else the smallest
    part of another region, else the total; none the reader knows, none empty."""
    regions = {own[m] for m in missed}
    candidates = [
        c for c in relation.components if not hidden[c] and n[c] > 0 and own[c] not in reader
    ]
    if candidates:
        return min(candidates, key=lambda c: (own[c] not in regions, int(n[c]), c))
    total = relation.total
    if total is not None and not hidden[total] and n[total] > 0 and own[total] not in reader:
        return total
    return None


def suppress(
    n: np.ndarray,
    relations: Sequence[Relation],
    threshold: int,
    owners: Sequence[Hashable | None] | None = None,
    insiders: Sequence[frozenset[Hashable]] = (),
) -> np.ndarray:
    """Which cells to hide: primary (``0 < n < threshold``) plus complementary suppression.

    Args:
        n: Respondents of each cell (a cell with none has nothing to hide).
        relations: The table's additive relations (see the module docstring).
        threshold: Smallest number of respondents a shown cell may have.
        owners: The region whose analysts know each cell unsuppressed (``None`` for a cell that
            no one knows, the national picture). Without it, only the outside reader counts.
        insiders: The sets of regions that one reader knows together (an analyst bound to
            several regions), besides each region alone.

    Returns:
        A boolean mask of the cells to suppress.
    """
    n = np.asarray(n)
    own: Sequence[Hashable | None] = [None] * len(n) if owners is None else owners
    several = [frozenset(s) for s in insiders if len(s) > 1]
    readers_of = [
        _readers_of([*r.components, *([r.total] if r.total is not None else [])], own, several)
        for r in relations
    ]
    hidden = (n > 0) & (n < threshold)
    changed = True
    while changed:
        changed = False
        for relation, readers in zip(relations, readers_of, strict=True):
            for reader in readers:
                missed = _leak(relation, hidden, n, own, reader, threshold)
                if not missed:
                    continue
                pick = _one_more(relation, missed, hidden, n, own, reader)
                if pick is not None:
                    hidden[pick] = True
                    changed = True
        if not changed and owners is not None:
            # One relation at a time is not all a reader can do: they can solve every relation
            # at once, carrying a cell they work out in one (a national cell whose other
            # regions show no answers equals their own) into the next.
            solvable = _solvable_pick(n, relations, hidden, own, threshold, several)
            if solvable is not None:
                hidden[solvable] = True
                changed = True
    return hidden


def _solvable_pick(
    n: np.ndarray,
    relations: Sequence[Relation],
    hidden: np.ndarray,
    own: Sequence[Hashable | None],
    threshold: int,
    insiders: Sequence[Reader] = (),
) -> int | None:
    """A cell to hide because some reader, solving all relations together, learns a small
    group's value: a hidden cell of another region with fewer than ``threshold`` respondents,
    or a hidden national cell whose hidden part from other regions has fewer (its shown parts
    and the reader's own are known, so the national value gives those respondents' pooled
    value). ``None`` when no reader learns one.
    """
    regions_of = {
        r.total: r.components
        for r in relations
        if r.total is not None
        and r.components
        and own[r.total] is None
        and all(own[c] is not None for c in r.components)
    }
    touching: dict[int, list[int]] = {}  # cell -> the relations it is a member of
    for k, r in enumerate(relations):
        for m in (*r.components, *([r.total] if r.total is not None else [])):
            touching.setdefault(m, []).append(k)
    # A reader is the set of regions whose cells they know: none (a viewer, a visitor), each
    # region's analyst, and each analyst bound to several regions.
    regions = frozenset(o for o in own if o is not None)
    readers = [frozenset(), *(frozenset({r}) for r in regions)]
    readers += [s & regions for s in insiders if len(s & regions) > 1]
    for reader in dict.fromkeys(readers):
        unknown = [c for c in map(int, np.flatnonzero(hidden)) if own[c] not in reader]
        for cells in _linked_groups(unknown, relations, touching):
            near = sorted({k for c in cells for k in touching.get(c, ())})
            for cell in _worked_out(cells, [relations[k] for k in near]):
                if own[cell] is not None:
                    small = int(n[cell])
                else:
                    parts = regions_of.get(cell, ())
                    small = (
                        sum(int(n[c]) for c in parts if hidden[c] and own[c] not in reader)
                        if parts
                        else int(n[cell])
                    )
                if 0 < small < threshold:
                    pick = _breaking_cell(cell, relations, hidden, n, own, reader)
                    if pick is not None:
                        return pick
    return None


def _linked_groups(
    unknown: list[int], relations: Sequence[Relation], touching: dict[int, list[int]]
) -> list[list[int]]:
    """The unknown cells split into groups that no relation joins (solved one group at a time,
    which keeps each system small); ``touching`` gives each cell's relations."""
    parent = {c: c for c in unknown}

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for k in sorted({k for c in unknown for k in touching.get(c, ())}):
        relation = relations[k]
        members = [m for m in (*relation.components, relation.total) if m in parent]
        for m in members[1:]:
            parent[root(m)] = root(members[0])
    groups: dict[int, list[int]] = {}
    for c in unknown:
        groups.setdefault(root(c), []).append(c)
    return list(groups.values())


def _worked_out(cells: list[int], relations: Sequence[Relation]) -> list[int]:
    """The cells among ``cells`` (a reader's unknowns) whose value every solution of the
    relations agrees on: the relations, with everything known moved aside, pin them down."""
    column = {c: k for k, c in enumerate(cells)}
    rows = []
    for relation in relations:
        row = np.zeros(len(cells))
        for c in relation.components:
            if c in column:
                row[column[c]] += 1.0
        if relation.total is not None and relation.total in column:
            row[column[relation.total]] -= 1.0
        if row.any():
            rows.append(row)
    if not rows:
        return []
    # A cell is pinned down when its unit vector lies in the rows' span: its projection on the
    # span (the rows' right singular vectors) keeps all its length. The thin decomposition
    # leaves out the left vectors, a square of the relations' count, which dominated the time.
    _, singular, vt = np.linalg.svd(np.array(rows), full_matrices=False)
    rank = int((singular > 1e-9 * max(1.0, float(singular.max()))).sum())
    kept = (vt[:rank] ** 2).sum(axis=0)
    return [c for c, length in zip(cells, kept, strict=True) if length > 1.0 - 1e-9]


def _breaking_cell(
    cell: int,
    relations: Sequence[Relation],
    hidden: np.ndarray,
    n: np.ndarray,
    own: Sequence[Hashable | None],
    reader: frozenset[Hashable],
) -> int | None:
    """A shown cell to hide so that ``reader`` has one more unknown next to ``cell``: in a
    relation holding ``cell`` first, then further out along relations of unknown cells; a
    region's cell with the fewest respondents before a total."""
    reached = {cell}
    frontier = [cell]
    while frontier:
        near = [r for r in relations if any(m in frontier for m in (*r.components, r.total))]
        candidates = [
            m
            for r in near
            for m in (*r.components, r.total)
            if m is not None and not hidden[m] and n[m] > 0 and own[m] not in reader
        ]
        if candidates:
            return min(candidates, key=lambda m: (own[m] is None, int(n[m]), m))
        following = {
            m
            for r in near
            for m in (*r.components, r.total)
            if m is not None and hidden[m] and m not in reached
        }
        reached |= following
        frontier = list(following)
    return None
