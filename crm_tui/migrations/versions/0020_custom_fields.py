"""Typed custom fields

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

``custom_field`` defines a custom field: its type (text, number, money, date, choice,
yes-no), its choices, a default and a money field's currency. Values stay in
``contact.custom``; a defined field's are kept in the canonical text of its type
(``crm_tui.fields``), converted when the field is defined.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): the table there is kept."""
    if sa.inspect(op.get_bind()).has_table("custom_field"):
        return
    op.create_table(
        "custom_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("default_value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("custom_field")
