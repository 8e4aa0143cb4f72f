"""console jobs stored (issue 15): bulk actions, file imports, sandbox runs and routing
waves started from the console record their progress and result in the database, so that
any server process (`orderhub serve --workers N`) shows a job another one runs, and a
restart shows what it got to (domain/jobs.py). `running_key` is unique: one running job
per key across processes.

Revision ID: 0036
Revises: 0033
Create Date: 2026-12-07 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderhub.adapters.db.types import JSONDoc, UTCDateTime

revision: str = "0036"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_jobs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("job_key", sa.String(200)),
        sa.Column("running_key", sa.String(200), unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer),
        sa.Column("label", JSONDoc, nullable=False),
        sa.Column("detail", JSONDoc, nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", UTCDateTime()),
        sa.Column("finished_at", UTCDateTime()),
    )
    op.create_index("ix_console_jobs_recent", "console_jobs",
                    ["tenant_id", "kind", "started_at"])
    op.create_index("ix_console_jobs_key", "console_jobs", ["tenant_id", "job_key", "started_at"])
    op.create_index("ix_console_jobs_finished", "console_jobs", ["finished_at"])


def downgrade() -> None:
    op.drop_table("console_jobs")
