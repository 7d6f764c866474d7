"""QA scorecards (versioned) and the version a job was scored with.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

The version a job uses lives in the job's ``request`` JSON (``qa_scorecard_version``), so the
jobs table needs no new column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from neuronlens.storage.tables import JSONType, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scorecards",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_scorecards_account_id_id", "scorecards", ["account_id", "id"])
    op.create_table(
        "scorecard_versions",
        sa.Column(
            "scorecard_id",
            sa.String(40),
            sa.ForeignKey("scorecards.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("definition", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scorecard_versions")
    op.drop_index("ix_scorecards_account_id_id", table_name="scorecards")
    op.drop_table("scorecards")
