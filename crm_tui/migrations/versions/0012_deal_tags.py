"""Tags on deals

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

A deal carries tags from the same list as contacts (one vocabulary: "vip" is one tag on a
client and on a sale). The pipeline filters by a tag through the index that starts with it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): the table there is kept."""
    if sa.inspect(op.get_bind()).has_table("deal_tag"):
        return
    op.create_table(
        "deal_tag",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("deal_id", "tag_id"),
    )
    op.create_index("ix_deal_tag_tag", "deal_tag", ["tag_id", "deal_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deal_tag_tag", table_name="deal_tag")
    op.drop_table("deal_tag")
