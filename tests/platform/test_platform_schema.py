"""The Alembic migrations create exactly the schema of the models, and can be undone."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from migrant_health.platform.database import alembic_config, migrate
from migrant_health.platform.models import Base


def test_the_migrations_build_the_models_schema_and_downgrade(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'schema.sqlite'}")
    migrate(engine)
    migrate(engine)  # a second start changes nothing
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "a model changed without a migration: add an Alembic revision"
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
