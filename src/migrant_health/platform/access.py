"""Who may see what: the one place where region isolation is decided.

* An **analyst** sees the microdata, unpublished indicators and unsuppressed cells of the waves
  of the regions their account is bound to, and may upload, publish and delete there.
* A **viewer**, an **admin** (who manages regions and accounts, not data) and an anonymous
  visitor see published indicators only, suppressed.

A wave outside the caller's reach answers "not found", like a wave that does not exist, so that
identifiers cannot be probed.
"""

from __future__ import annotations

from fastapi import HTTPException

from migrant_health.platform.models import Account, Wave


def owns_region(account: Account | None, region_id: int) -> bool:
    """Whether ``account`` is an analyst of ``region_id``."""
    return account is not None and account.role == "analyst" and region_id in account.region_ids()


def owns_wave(account: Account | None, wave: Wave | None) -> bool:
    """Whether ``account`` is an analyst of ``wave``'s region."""
    return wave is not None and owns_region(account, wave.region_id)


def may_see_wave(account: Account | None, wave: Wave | None) -> bool:
    """Whether ``account`` may see that ``wave`` exists (own region, or published)."""
    return wave is not None and (wave.published or owns_wave(account, wave))


def require_own_wave(account: Account | None, wave: Wave | None) -> Wave:
    """``wave`` if ``account`` is its region's analyst; else 404 (see the module docstring)."""
    if wave is None or not owns_wave(account, wave):
        raise HTTPException(status_code=404, detail="no such survey wave in your regions")
    return wave


def require_visible_wave(account: Account | None, wave: Wave | None) -> Wave:
    """``wave`` if ``account`` may see it (own or published); else 404."""
    if wave is None or not may_see_wave(account, wave):
        raise HTTPException(status_code=404, detail="no such survey wave")
    return wave
