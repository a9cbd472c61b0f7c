"""Contacts' yearly dates besides the birthday

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

``contact_date`` keeps a contact's yearly dates besides its birthday (an anniversary, a
renewal), listed and reminded ahead as birthdays are; a day without its year is kept in
1604, as a birthday is. Indexed by day, for the window of the coming days.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): the table there is kept."""
    if sa.inspect(op.get_bind()).has_table("contact_date"):
        return
    op.create_table(
        "contact_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_contact_date_day", "contact_date", ["day", "contact_id"])
    op.create_index("ix_contact_date_contact", "contact_date", ["contact_id"])


def downgrade() -> None:
    op.drop_table("contact_date")
