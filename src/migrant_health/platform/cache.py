"""A small cache of shared tables and charts, keyed by the set of published waves.

A wave's cells never change once stored; only uploading, publishing, withdrawing or deleting a
wave changes what is shared. So the published waves, each named by its id *and* the moment it
was uploaded, identify the shared table exactly, and a key that includes them can never serve a
stale table. The upload time is in the key although ids are never reused (the ``waves`` table
is AUTOINCREMENT on SQLite): a database restored from a copy, or a migration of one made
before, could still hand out an id again, and the cache must not depend on that.
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


def published_key(session: Session) -> tuple[tuple[int, str], ...]:
    """The published waves' ids and upload times: the version of everything shared."""
    rows = session.execute(
        select(Wave.id, Wave.uploaded_at).where(Wave.published.is_(True)).order_by(Wave.id)
    )
    return tuple((wave_id, uploaded.isoformat()) for wave_id, uploaded in rows)
