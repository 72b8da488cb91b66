"""Settings of one platform deployment: where its data live and the limits it enforces."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from migrant_health.atomic import atomic_path

DATA_DIR_ENV = "MIGRANT_HEALTH_DATA_DIR"
ADMIN_PASSWORD_ENV = "MIGRANT_HEALTH_ADMIN_PASSWORD"
DEFAULT_DATA_DIR = "migrant-health-platform"
#: Cells with fewer respondents are suppressed wherever they are shared (seed-agnostic, the
#: usual rule of statistical offices for survey tables).
DEFAULT_THRESHOLD = 30
DEFAULT_MAX_UPLOAD = 50 * 1024 * 1024
SECRET_FILE = "session_secret"


@dataclass(frozen=True)
class Settings:
    """One deployment's settings.

    Attributes:
        data_dir: Folder of the embedded database and of the session secret.
        db_url: SQLAlchemy URL of the database (default: SQLite file in ``data_dir``).
        threshold: Respondents below which a cell is suppressed in shared views and downloads.
        max_upload_bytes: Largest survey file accepted.
        secure_cookies: Send the session cookie over HTTPS only (on behind a reverse proxy).
        login_attempts: Failed logins allowed per account and address in ``login_window`` s.
        login_window: Seconds over which failed logins are counted.
        min_job_scale: Fewest persons per agent of a comparison run from the scenario
            explorer (a coarse scale means few agents: it bounds the machine one run takes).
        max_jobs: Comparison runs allowed to run at once.
    """

    data_dir: Path
    db_url: str
    threshold: int = DEFAULT_THRESHOLD
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    secure_cookies: bool = False
    login_attempts: int = 5
    login_window: float = 300.0
    min_job_scale: float = 100_000.0
    max_jobs: int = 1

    @classmethod
    def from_data_dir(
        cls, data_dir: str | Path | None = None, db_url: str | None = None, **options: object
    ) -> Settings:
        """Settings for ``data_dir`` (``MIGRANT_HEALTH_DATA_DIR``, else a folder here).

        Args:
            data_dir: The data directory; ``None`` reads the environment, then the default.
            db_url: Database URL; ``None`` for the SQLite file ``platform.sqlite`` in it.
            **options: Other :class:`Settings` fields.
        """
        folder = Path(data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).resolve()
        url = db_url or f"sqlite:///{folder / 'platform.sqlite'}"
        return replace(cls(data_dir=folder, db_url=url), **options)  # type: ignore[arg-type]

    @property
    def shown_db_url(self) -> str:
        """The database URL for messages, its password masked."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            return make_url(self.db_url).render_as_string(hide_password=True)
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            return "(an unreadable database URL)"

    def private_data_dir(self) -> Path:
        """The data folder, created readable by its owner only: it holds survey microdata."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.data_dir

    @property
    def embedded(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.db_url.startswith("sqlite")

    def session_secret(self) -> str:
        """The key that signs session cookies, created once (owner-readable only)."""
        path = self.data_dir / SECRET_FILE
        if not path.exists():
            self.private_data_dir()
            with atomic_path(path) as tmp:
                tmp.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
