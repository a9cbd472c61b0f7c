"""Segments: named rules over contacts

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

A segment is a name and a rule (the rule language of ``crm_tui.rules``), read each time it
is shown: a view over the contacts, never a stored list of them. It may carry a
keep-in-touch rhythm for its contacts, as a tag may.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): the table there is kept."""
    if sa.inspect(op.get_bind()).has_table("segment"):
        return
    op.create_table(
        "segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("touch_every", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("segment")
