"""Primary and complementary suppression of small cells, safe against an insider.

Hand-written (no maintained Python library does cell suppression for tables of means): a cell
with fewer respondents than the threshold is suppressed (primary), and then, so that it cannot
be recovered by differencing, every additive relation between the cells is checked: a subgroup
breakdown adds up to its ``all`` cell, the regions' cells add up to the national cell, and the
three stage shares of a cell add up to one.

A reader who knows every other member of a relation can solve it for the one they miss. Every
region's analyst knows all of their own region's cells (unsuppressed, on their wave pages), so
the rule counts, for each reader, the hidden members *that reader does not know*:

    In every relation, for the outside reader and for the analyst of every region, the number
    of hidden members outside that reader's own region is 0 or at least 2.

When a reader would miss exactly one member, one more member outside that reader's region is
hidden: a cell of the same region as the one missed if there is one (that region's analyst
knows both, everyone else misses both), else the smallest cell of another region, else the
total (the national cell). Each addition may break another relation, so the rule runs to a
fixed point, which always exists: hiding every member satisfies it.
"""

from __future__ import annotations

from collections import Counter
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


def _exposed(hidden: list[int], owners: Sequence[Hashable | None]) -> tuple[bool, Hashable | None]:
    """Whether a reader misses exactly one of the ``hidden`` members of a relation, and who:
    ``None`` for the outside reader, else the region whose analyst it is."""
    if len(hidden) == 1:
        return True, None
    counts = Counter(owners[h] for h in hidden if owners[h] is not None)
    for owner, count in counts.items():
        if count == len(hidden) - 1:
            return True, owner
    return False, None


def suppress(
    n: np.ndarray,
    relations: Sequence[Relation],
    threshold: int,
    owners: Sequence[Hashable | None] | None = None,
) -> np.ndarray:
    """Which cells to hide: primary (``0 < n < threshold``) plus complementary suppression.

    Args:
        n: Respondents of each cell (a cell with none has nothing to hide).
        relations: The table's additive relations (see the module docstring).
        threshold: Smallest number of respondents a shown cell may have.
        owners: The region whose analysts know each cell unsuppressed (``None`` for a cell that
            no one knows, the national picture). Without it, only the outside reader counts.

    Returns:
        A boolean mask of the cells to suppress.
    """
    n = np.asarray(n)
    own: Sequence[Hashable | None] = [None] * len(n) if owners is None else owners
    hidden = (n > 0) & (n < threshold)
    changed = True
    while changed:
        changed = False
        for relation in relations:
            members = [*relation.components] + (
                [relation.total] if relation.total is not None else []
            )
            shut = [m for m in members if hidden[m]]
            if not shut:
                continue
            exposed, reader = _exposed(shut, own)
            if not exposed:
                continue
            missed = next(h for h in shut if reader is None or own[h] != reader)
            candidates = [
                c
                for c in relation.components
                if not hidden[c] and n[c] > 0 and (reader is None or own[c] != reader)
            ]
            total = relation.total
            if candidates:
                # Prefer a cell of the missed cell's own region, then the smallest.
                pick = min(candidates, key=lambda c: (own[c] != own[missed], n[c], c))
            elif (
                total is not None
                and not hidden[total]
                and n[total] > 0
                and (reader is None or own[total] != reader)
            ):
                pick = total
            else:
                continue
            hidden[pick] = True
            changed = True
    return hidden
