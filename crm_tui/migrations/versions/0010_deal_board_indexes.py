"""Deals: indexes the pipeline board and the reports read through

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

Each column of the board is a stage's first page: open deals by expected close, closed ones
newest first; each header is its stage's totals per currency. Without these, each column
sorted all its stage's deals and the totals read every deal. The open deals' totals read a
covering index of their own; the reports of a period find the deals closed in it by the
time they closed, and the dashboard counts the contacts added in a period (and which are
customers now) from an index alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = "deleted_at IS NULL"
_OPEN = "deleted_at IS NULL AND closed_at IS NULL"


def _partial(name: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        "deal",
        columns,
        unique=False,
        if_not_exists=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): indexes there are kept."""
    _partial("ix_deal_live_stage_close", ["stage_id", "expected_close", "id"], _LIVE)
    _partial("ix_deal_live_stage_closed", ["stage_id", "closed_at", "id"], _LIVE)
    _partial("ix_deal_open_totals", ["stage_id", "currency", "value_minor", "probability"], _OPEN)
    _partial("ix_deal_live_closed", ["closed_at", "id"], _LIVE)
    op.create_index(
        "ix_contact_live_created",
        "contact",
        ["created_at", "status"],
        unique=False,
        if_not_exists=True,
        sqlite_where=sa.text(_LIVE),
        postgresql_where=sa.text(_LIVE),
    )


def downgrade() -> None:
    op.drop_index("ix_contact_live_created", table_name="contact")
    for name in (
        "ix_deal_live_closed",
        "ix_deal_open_totals",
        "ix_deal_live_stage_closed",
        "ix_deal_live_stage_close",
    ):
        op.drop_index(name, table_name="deal")
