"""The Alembic migrations create exactly the schema of the models, and can be undone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, event, inspect, text

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


def test_an_older_database_keeps_its_waves_and_cells_and_ids_are_never_reused(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")

    @event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")  # as the platform's engine does

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")  # the schema before wave ids were AUTOINCREMENT
    wave = (
        "INSERT INTO waves (id, region_id, year, label, filename, uploader_id, uploaded_at, "
        "respondents, depression_scale, design, published, microdata) VALUES "
        "({id}, 1, 2019, 'w{id}', 'w.csv', 1, '2026-01-01', 40, '', '', 1, x'00')"
    )
    cell = (
        'INSERT INTO indicator_cells (wave_id, indicator, subgroup, "group", n, weight_sum) '
        "VALUES ({id}, 'integration', 'all', 'all', 40, 40.0)"
    )
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO regions (id, code, name) VALUES (1, 'A', 'A')"))
        connection.execute(
            text(
                "INSERT INTO accounts (id, username, password_hash, role, active, created_at) "
                "VALUES (1, 'ana', 'x', 'analyst', 1, '2026-01-01')"
            )
        )
        for wave_id in (1, 2):
            connection.execute(text(wave.format(id=wave_id)))
            connection.execute(text(cell.format(id=wave_id)))
    migrate(engine)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM indicator_cells")).scalar() == 2
        connection.execute(text("DELETE FROM waves WHERE id = 2"))
        assert connection.execute(text("SELECT count(*) FROM indicator_cells")).scalar() == 1
        connection.execute(
            text(
                "INSERT INTO waves (region_id, year, label, filename, uploader_id, uploaded_at, "
                "respondents, depression_scale, design, published, microdata) VALUES "
                "(1, 2019, 'new', 'w.csv', 1, '2026-01-02', 40, '', '', 1, x'00')"
            )
        )
        newest = connection.execute(text("SELECT max(id) FROM waves")).scalar()
    assert newest == 3, "the id of the deleted wave 2 was given to a new wave"
    engine.dispose()
