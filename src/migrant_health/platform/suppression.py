"""Primary and complementary suppression of small cells.

Hand-written (no maintained Python library does cell suppression for tables of means): a cell
with fewer respondents than the threshold is suppressed (primary), and then, so that it cannot
be recovered by differencing, every additive relation between shown cells is checked: a
subgroup breakdown adds up to its ``all`` cell, the regions' cells add up to the national cell,
and the three stage shares of a cell add up to one. A relation with exactly one suppressed member
lets a reader solve for it, so a second member is suppressed (the component with the fewest
respondents, else the total). Suppressing it may expose another relation, so the rule runs to a
fixed point; every relation then has zero or at least two suppressed members.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def suppress(n: np.ndarray, relations: Sequence[Relation], threshold: int) -> np.ndarray:
    """Which cells to hide: primary (``0 < n < threshold``) plus complementary suppression.

    Args:
        n: Respondents of each cell (a cell with none has nothing to hide).
        relations: The table's additive relations (see the module docstring).
        threshold: Smallest number of respondents a shown cell may have.

    Returns:
        A boolean mask of the cells to suppress.
    """
    n = np.asarray(n)
    hidden = (n > 0) & (n < threshold)
    changed = True
    while changed:
        changed = False
        for relation in relations:
            members = [*relation.components] + (
                [relation.total] if relation.total is not None else []
            )
            if sum(bool(hidden[m]) for m in members) != 1:
                continue
            candidates = [c for c in relation.components if not hidden[c] and n[c] > 0]
            if candidates:
                hidden[min(candidates, key=lambda c: (n[c], c))] = True
            elif relation.total is not None and n[relation.total] > 0:
                hidden[relation.total] = True
            else:
                continue
            changed = True
    return hidden
