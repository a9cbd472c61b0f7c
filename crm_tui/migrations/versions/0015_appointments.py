"""Appointments: meetings and calls booked ahead, with whom and which team members

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

An appointment has a start and an end (UTC), a place or a link, the contacts it is with and
the team members who attend; once it has happened it may be logged as an interaction. Its
``uid`` names it in calendar files (importing the same event again updates it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = "deleted_at IS NULL"


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): the tables there are kept."""
    if sa.inspect(op.get_bind()).has_table("appointment"):
        return
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", text(), nullable=False),
        sa.Column("title", text(), nullable=False),
        sa.Column("starts_at", moment(), nullable=False),
        sa.Column("ends_at", moment(), nullable=False),
        sa.Column("channel", text(), nullable=False),
        sa.Column("place", text(), nullable=False),
        sa.Column("notes", text(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", moment(), nullable=True),
        sa.ForeignKeyConstraint(["interaction_id"], ["interaction.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["team_member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["team_member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_appointment_live_start",
        "appointment",
        ["starts_at", "id"],
        sqlite_where=sa.text(_LIVE),
        postgresql_where=sa.text(_LIVE),
    )
    op.create_index("ix_appointment_interaction_id", "appointment", ["interaction_id"])
    for table, column, target in (
        ("appointment_contact", "contact_id", "contact.id"),
        ("appointment_member", "member_id", "team_member.id"),
    ):
        op.create_table(
            table,
            sa.Column("appointment_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint([column], [target], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("appointment_id", column),
        )
        op.create_index(
            f"ix_{table}_{column.removesuffix('_id')}", table, [column, "appointment_id"]
        )


def downgrade() -> None:
    op.drop_table("appointment_member")
    op.drop_table("appointment_contact")
    op.drop_table("appointment")
