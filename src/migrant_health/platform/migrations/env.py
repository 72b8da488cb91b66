"""Alembic environment of the platform: migrations run on the connection the caller hands in.

:func:`migrant_health.platform.database.migrate` builds the Alembic configuration in code (no
``alembic.ini``), so the migrations ship as package data and run from an installed package.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from migrant_health.platform.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    # `alembic revision --autogenerate` during development: connect to the URL given.
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    connection = engine.connect()
# SQLite cannot ALTER most things in place; batch mode copies the table instead.
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
