"""The platform's tables (SQLAlchemy 2 declarative models); Alembic migrations create them.

Microdata of a wave are kept in the database itself (a Parquet blob), so that storing a wave,
its indicators and its audit record is one transaction: a refused upload leaves nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

ROLES = ("admin", "analyst", "viewer")
#: Longest wave label and region name (the columns' length; PostgreSQL refuses a longer one).
TEXT_LENGTH = 200
_ID_RANGE = range(-(2**63), 2**63)


class Id(TypeDecorator[int]):
    """An integer primary key that a lookup by an out-of-range number simply does not find.

    Identifiers come from URLs; one beyond 64 bits made the database driver fail (SQLite:
    ``OverflowError``) and the request answer 500. It is sent as NULL instead, which matches no
    row, so the route answers 404 like for any unknown id.
    """

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> int | None:
        """The value, or ``None`` for a number no column can hold."""
        if isinstance(value, int) and value not in _ID_RANGE:
            return None
        return value


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Base of the platform's models."""


account_regions = Table(
    "account_regions",
    Base.metadata,
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True),
)


class Region(Base):
    """A province or city whose analysts load survey waves."""

    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(TEXT_LENGTH))

    @validates("name")
    def _bounded_name(self, _key: str, name: str) -> str:
        # A longer name would make PostgreSQL refuse the row (a 500 on the admin page).
        return name[:TEXT_LENGTH]


class Account(Base):
    """A user: admin, regional analyst or viewer, bound to one or more regions."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    regions: Mapped[list[Region]] = relationship(secondary=account_regions, lazy="selectin")

    def region_ids(self) -> set[int]:
        """Ids of the regions the account is bound to."""
        return {r.id for r in self.regions}


class LoginSession(Base):
    """One login: the session cookie carries its random token, this row the token's hash.

    A row is the server's word that the cookie is still good: logging out deletes it, and so
    do deactivating the account and setting its password (all of the account's rows).
    """

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class LoginAttempt(Base):
    """A login attempt not followed by a success: what the login rate limit counts."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class SharedLock(Base):
    """A row that makes one kind of decision one at a time across server processes.

    See :mod:`migrant_health.platform.db_lock`; the migrations add one row per kind.
    """

    __tablename__ = "shared_locks"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class Wave(Base):
    """One uploaded survey wave of one region.

    Ids are never reused (SQLite's AUTOINCREMENT; PostgreSQL's sequences never reuse), so an
    id names one wave for good: in bookmarks, audit lines and the shared tables' cache.
    ``content_sha256`` is the fingerprint of the wave's rows (:func:`.uploads.rows_fingerprint`),
    by which a second upload of the same rows is refused; waves stored before it existed have
    none.
    """

    __tablename__ = "waves"
    __table_args__ = (
        UniqueConstraint("region_id", "year", "label"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    year: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(TEXT_LENGTH))
    filename: Mapped[str] = mapped_column(String(300))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    respondents: Mapped[int] = mapped_column(Integer)
    depression_scale: Mapped[str] = mapped_column(String(200))
    design: Mapped[str] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    microdata: Mapped[bytes] = mapped_column(LargeBinary)
    content_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    region: Mapped[Region] = relationship(lazy="joined")
    uploader: Mapped[Account] = relationship(lazy="joined")


class IndicatorCell(Base):
    """One estimate: a wave's indicator in one subgroup (``all`` or ``sex=female``, ...)."""

    __tablename__ = "indicator_cells"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(60))
    subgroup: Mapped[str] = mapped_column(String(40))
    group: Mapped[str] = mapped_column(String(60))
    n: Mapped[int] = mapped_column(Integer)
    weight_sum: Mapped[float] = mapped_column(Float)
    estimate: Mapped[float | None] = mapped_column(Float, nullable=True)
    se: Mapped[float | None] = mapped_column(Float, nullable=True)


class AuditEvent(Base):
    """A login, upload, download, deletion or account change, readable by admins."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=_now, index=True)
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(80), default="")


class Job(Base):
    """A comparison run started from the scenario explorer, run in the background.

    ``owner`` names the server process that runs it and ``heartbeat_at`` is that process's
    latest sign of life: a queued or running job whose heartbeat is old belongs to a server that
    died, and any other server marks it interrupted (:mod:`.job_slots`).
    """

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    scenario: Mapped[str] = mapped_column(String(200))
    persons: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    owner: Mapped[str] = mapped_column(String(120), default="", server_default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
