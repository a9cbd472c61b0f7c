"""Deals: pipelines of stages, deals with their value and stage, and each stage change

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

A deal's value is whole minor units of one currency (BigInteger: an amount in rials runs
past 2**31). Every database gets one default pipeline with the usual stages (the last two
close a deal as won or lost) and a few reasons a deal is lost; both lists can be edited.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, default probability in percent, outcome), in order.
_STAGES = (
    ("Lead", 10, "open"),
    ("Qualified", 25, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
)
_LOST_REASONS = ("Price", "Competitor", "Timing", "No budget", "No decision")


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): tables there are kept."""
    if sa.inspect(op.get_bind()).has_table("deal"):
        return
    op.create_table(
        "lost_reason",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "pipeline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "deal_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["pipeline_id"], ["pipeline.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_deal_stage_pipeline", "deal_stage", ["pipeline_id", "position"], unique=False
    )

    op.create_table(
        "deal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sort_title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("value_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=True),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("custom", sa.JSON(), nullable=False),
        sa.Column("stage_entered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("lost_reason_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["team_member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["lost_reason_id"], ["lost_reason.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["owner_id"], ["team_member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipeline.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["deal_stage.id"],
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["team_member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_deal_contact_id", "deal", ["contact_id"], unique=False)
    op.create_index(
        "ix_deal_live_close",
        "deal",
        ["expected_close", "id"],
        unique=False,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index("ix_deal_stage", "deal", ["stage_id", "id"], unique=False)
    op.create_index("ix_deal_lost_reason_id", "deal", ["lost_reason_id"], unique=False)
    op.create_index(
        "ix_deal_live_title",
        "deal",
        ["sort_title", "id"],
        unique=False,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index("ix_deal_organization_id", "deal", ["organization_id"], unique=False)
    op.create_index("ix_deal_pipeline_id", "deal", ["pipeline_id"], unique=False)
    op.create_index(
        "ix_deal_trash",
        "deal",
        ["deleted_at", "id"],
        unique=False,
        sqlite_where=sa.text("deleted_at IS NOT NULL"),
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
    )

    op.create_table(
        "deal_stage_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("from_stage_id", sa.Integer(), nullable=True),
        sa.Column("to_stage_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["team_member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["deal_id"], ["deal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_stage_id"], ["deal_stage.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["to_stage_id"], ["deal_stage.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_deal_stage_change_deal", "deal_stage_change", ["deal_id", "changed_at"], unique=False
    )
    for column in ("from_stage_id", "to_stage_id"):
        op.create_index(f"ix_deal_stage_change_{column}", "deal_stage_change", [column])

    _seed()


def _seed() -> None:
    now = datetime.now(UTC)
    pipeline = sa.table(
        "pipeline",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("position", sa.Integer),
        sa.column("is_default", sa.Boolean),
        sa.column("version", sa.Integer),
        sa.column("created_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(
        pipeline,
        [
            {
                "id": 1,
                "name": "Sales",
                "position": 0,
                "is_default": True,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    stage = sa.table(
        "deal_stage",
        sa.column("pipeline_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("position", sa.Integer),
        sa.column("probability", sa.Integer),
        sa.column("outcome", sa.String),
    )
    op.bulk_insert(
        stage,
        [
            {"pipeline_id": 1, "name": name, "position": n, "probability": p, "outcome": o}
            for n, (name, p, o) in enumerate(_STAGES)
        ],
    )
    reason = sa.table(
        "lost_reason", sa.column("name", sa.String), sa.column("position", sa.Integer)
    )
    op.bulk_insert(reason, [{"name": n, "position": i} for i, n in enumerate(_LOST_REASONS)])
    if op.get_bind().dialect.name == "postgresql":  # the rows above took id 1 by hand
        op.execute("SELECT setval('pipeline_id_seq', (SELECT max(id) FROM pipeline))")


def downgrade() -> None:
    for table in ("deal_stage_change", "deal", "lost_reason", "deal_stage", "pipeline"):
        op.drop_table(table)
