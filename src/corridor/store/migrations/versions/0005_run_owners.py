"""Run owners: the API key that made a run (``created_by``), as scenarios and jobs have had since 0002.

A run stored by a job belongs to the key that submitted the job; only that key, or an admin key, may delete it.
Runs stored before (and runs stored by the command line, which uses no key) have no owner: admin keys only.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("created_by", sa.String(16), nullable=True))
    # a run stored by a job before this revision: its owner is the job's key (the job keeps the ids of its runs)
    jobs = sa.table("jobs", sa.column("created_by", sa.String(16)), sa.column("run_ids", sa.JSON()))
    runs = sa.table("runs", sa.column("id", sa.String(36)), sa.column("created_by", sa.String(16)))
    conn = op.get_bind()
    for owner, run_ids in conn.execute(
        sa.select(jobs.c.created_by, jobs.c.run_ids).where(jobs.c.created_by.isnot(None))
    ):
        if run_ids:
            conn.execute(runs.update().where(runs.c.id.in_(list(run_ids))).values(created_by=owner))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN in place (SQLite 3.35 and later), not a batch copy of the table: dropping the old
    # ``runs`` would delete every run's headline values with it (``run_values`` refers to it ON DELETE CASCADE)
    op.drop_column("runs", "created_by")
