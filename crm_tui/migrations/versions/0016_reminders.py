"""Reminders: what crm remind sent, and when it last ran for each team member

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

``reminder_sent`` keeps the key of each reminder sent (whom, what, for when): none is sent
twice. ``reminder_run`` keeps each member's last run: the next one looks back to it, so a
run that did not happen misses nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): the tables there are kept."""
    if sa.inspect(op.get_bind()).has_table("reminder_sent"):
        return
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "reminder_sent",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sent_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "reminder_run",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("ran_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["team_member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id"),
    )


def downgrade() -> None:
    op.drop_table("reminder_run")
    op.drop_table("reminder_sent")
