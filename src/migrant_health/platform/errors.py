"""Errors of the platform, shown to the user as one message (CLI: exit status 2)."""

from __future__ import annotations

from migrant_health.errors import MigrantHealthError


class PlatformError(MigrantHealthError, ValueError):
    """The platform cannot start or initialise (database, data directory, admin account)."""


class UploadError(MigrantHealthError, ValueError):
    """A survey file was refused before validation (size, format, content, column map)."""
