"""A small cache of shared tables and charts, keyed by the set of published waves.

A wave's cells never change once stored; only publishing, withdrawing or deleting a wave
changes what is shared. So the ids of the published waves, in order, identify the shared table
exactly, and a key that includes them can never serve a stale table.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from migrant_health.platform.models import Wave


class SharedCache:
    """A thread-safe least-recently-used map from keys to computed values."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value of ``key``, computed by ``make`` on a miss."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        # One computation at a time: twenty users arriving together after a publication would
        # otherwise all compute the same table at once (and hits never wait for this lock).
        with self._computing:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            value = make()
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value


def published_key(session: Session) -> tuple[int, ...]:
    """The ids of the published waves: the version of everything shared."""
    return tuple(session.scalars(select(Wave.id).where(Wave.published.is_(True)).order_by(Wave.id)))
