"""wave ids never reused, wave fingerprints and the waves lock

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

SQLite gave a new wave the id of the newest wave deleted before it; its ``waves`` table is
copied into one declared AUTOINCREMENT (PostgreSQL's sequences never reuse an id, so there the
table is left as it is). Every wave gets a nullable fingerprint of its rows, and the lock row
that storing and publishing waves take (``db_lock.hold(session, "waves")``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply the revision."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Batch mode copies the table on SQLite (with foreign keys off: see database.migrate).
    with op.batch_alter_table(
        "waves",
        schema=None,
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True} if sqlite else {},
    ) as batch_op:
        batch_op.add_column(sa.Column("content_sha256", sa.String(length=64), nullable=True))
    locks = sa.table("shared_locks", sa.column("name", sa.String), sa.column("taken", sa.Integer))
    op.bulk_insert(locks, [{"name": "waves", "taken": 0}])


def downgrade() -> None:
    """Revert the revision."""
    op.execute("DELETE FROM shared_locks WHERE name = 'waves'")
    with op.batch_alter_table("waves", schema=None) as batch_op:
        batch_op.drop_column("content_sha256")
