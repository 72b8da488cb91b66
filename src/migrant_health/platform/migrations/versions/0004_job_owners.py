"""job owners and heartbeats: the comparison jobs' bounds hold across server processes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply the revision."""
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner", sa.String(length=120), server_default="", nullable=False)
        )
        # Rows of older servers have none: they count as orphans, marked interrupted at start.
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    locks = sa.table("shared_locks", sa.column("name", sa.String), sa.column("taken", sa.Integer))
    # The row that admitting and starting jobs lock (db_lock.hold(session, "jobs")).
    op.bulk_insert(locks, [{"name": "jobs", "taken": 0}])


def downgrade() -> None:
    """Revert the revision."""
    op.execute("DELETE FROM shared_locks WHERE name = 'jobs'")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("owner")
