"""Each stage change says when the stage it left was entered; the dashboard reads indexes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

How long the deals won in a period sat in each stage was read by pairing every stage change
with the deal's next one (a window over all their changes, sorted). A change now carries
when the stage it left was entered, so a stay is one row, and an index holds what the
figure reads; the changes stored before are given theirs from the change before them.

The figures of a period (revenue, deals won and lost, the sales cycle, lost reasons, each
owner's) read the deals closed in it: the index on when a deal closed now covers what they
sum and group by, so they read no deal row. So does the forecast: open deals have no close
time, and within them the index runs by when they are expected to close.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = "deleted_at IS NULL"
# The change before each one, of the same deal: the one it follows (by time, then id).
_BACKFILL = """
UPDATE deal_stage_change SET from_entered_at = (
    SELECT earlier.changed_at FROM deal_stage_change AS earlier
    WHERE earlier.deal_id = deal_stage_change.deal_id
      AND (earlier.changed_at < deal_stage_change.changed_at
           OR (earlier.changed_at = deal_stage_change.changed_at
               AND earlier.id < deal_stage_change.id))
    ORDER BY earlier.changed_at DESC, earlier.id DESC
    LIMIT 1
)
WHERE from_stage_id IS NOT NULL AND from_entered_at IS NULL
"""
_CLOSED_FIGURES = [
    "closed_at",
    "expected_close",
    "stage_id",
    "currency",
    "value_minor",
    "probability",
    "owner_id",
    "lost_reason_id",
    "created_at",
]


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): what is there is kept."""
    bind = op.get_bind()
    columns = {c["name"] for c in sa.inspect(bind).get_columns("deal_stage_change")}
    if "from_entered_at" not in columns:
        op.add_column(
            "deal_stage_change",
            sa.Column("from_entered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        )
    op.execute(_BACKFILL)
    op.create_index(
        "ix_deal_stage_change_stays",
        "deal_stage_change",
        ["deal_id", "from_stage_id", "changed_at", "from_entered_at"],
        unique=False,
        if_not_exists=True,
    )
    op.drop_index("ix_deal_live_closed", table_name="deal", if_exists=True)
    op.create_index(
        "ix_deal_live_closed_figures",
        "deal",
        _CLOSED_FIGURES,
        unique=False,
        if_not_exists=True,
        sqlite_where=sa.text(_LIVE),
        postgresql_where=sa.text(_LIVE),
    )


def downgrade() -> None:
    op.drop_index("ix_deal_live_closed_figures", table_name="deal")
    op.create_index(
        "ix_deal_live_closed",
        "deal",
        ["closed_at", "id"],
        unique=False,
        sqlite_where=sa.text(_LIVE),
        postgresql_where=sa.text(_LIVE),
    )
    op.drop_index("ix_deal_stage_change_stays", table_name="deal_stage_change")
    with op.batch_alter_table("deal_stage_change") as batch:
        batch.drop_column("from_entered_at")
