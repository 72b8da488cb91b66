"""The platform's database: engine, sessions, migrations and the first admin account."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, select
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from migrant_health.platform.errors import PlatformError
from migrant_health.platform.models import Account
from migrant_health.platform.security import check_password_strength, hash_password
from migrant_health.platform.settings import Settings

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(settings: Settings) -> Engine:
    """The SQLAlchemy engine of ``settings.db_url`` (SQLite: foreign keys on, WAL journal)."""
    if settings.embedded:
        settings.private_data_dir()
        database = make_url(settings.db_url).database
        if database and database != ":memory:" and not Path(database).exists():
            # An empty file is a new SQLite database; made here, it is the owner's only.
            Path(database).touch(mode=0o600)
        engine = create_engine(settings.db_url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
            # The file holds microdata and password hashes: made above readable by its owner
            # only, and SQLite gives its WAL journal and shared-memory file the database's
            # permissions, in a folder that is the owner's only. The umask is left alone: it is
            # the whole process's, and setting it here, in whichever thread opens a connection,
            # gave run directories written meanwhile by another thread mode 0700.
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            # Foreign keys make a wave's deletion remove its cells; WAL lets pages read while
            # an upload writes.
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        return engine
    try:
        return create_engine(settings.db_url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except (ArgumentError, ImportError, ValueError) as exc:
        # A URL of no known dialect, one whose driver is not installed, or a port not a number.
        raise PlatformError(
            f"cannot use the database URL {settings.shown_db_url}: {exc}; give a URL such as "
            "postgresql+psycopg://user:password@host/name, or leave out --db for the "
            "embedded SQLite file"
        ) from None


def alembic_config() -> Config:
    """The Alembic configuration of the packaged migrations (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision (a no-op when it is there)."""
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by copying it and dropping the original; with foreign keys
            # on, dropping ``waves`` would delete every wave's cells (ON DELETE CASCADE). The
            # pragma works outside a transaction only, and is set back for the pool.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed when the block succeeds and rolled back when it raises."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


def init_platform(settings: Settings, admin_password: str, username: str = "admin") -> None:
    """Create (or migrate) the database and the first admin account.

    Raises:
        PlatformError: If an admin account exists already or the password is too weak.
    """
    check_password_strength(admin_password)
    engine = make_engine(settings)
    # Disposed on every way out: a refused --init (an admin exists) left its pooled connection
    # open until the garbage collector found it.
    try:
        try:
            migrate(engine)
        except Exception as exc:
            raise PlatformError(
                f"cannot create the platform's database at {settings.shown_db_url}: {exc}; "
                "check the --db URL (and that the server is running) or the --data-dir "
                "permissions"
            ) from exc
        settings.session_secret()
        with session_scope(engine) as session:
            admins = session.scalars(select(Account).where(Account.role == "admin")).all()
            if admins:
                raise PlatformError(
                    f"the platform in {settings.data_dir} already has an admin account "
                    f"('{admins[0].username}'); --init creates the first one only. Start it "
                    "with `migrant-health serve`"
                )
            session.add(
                Account(
                    username=username,
                    password_hash=hash_password(admin_password),
                    role="admin",
                    active=True,
                )
            )
    finally:
        engine.dispose()
