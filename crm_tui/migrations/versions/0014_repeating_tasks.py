"""Repeating tasks: a rule, and the series its occurrences belong to

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

A task may repeat (an iCalendar RRULE, "" for none); finishing it creates the next one of
its series, the series being named by the id of its first task. At most one live task of a
series is due on a day: two people finishing the same occurrence at once make one next
task, not two.

The columns are added and dropped in place (no table copied): 0011 and 0008 find the table
as they wrote it on their way down.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ONE_A_DAY = "deleted_at IS NULL AND series_id IS NOT NULL"


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): what is there is kept."""
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("task")}
    if "repeat" not in columns:
        op.add_column("task", sa.Column("repeat", sa.String(), nullable=False, server_default=""))
    if "series_id" not in columns:
        op.add_column("task", sa.Column("series_id", sa.Integer(), nullable=True))
    op.create_index(
        "ux_task_series_due",
        "task",
        ["series_id", "due_date"],
        unique=True,
        if_not_exists=True,
        sqlite_where=sa.text(_ONE_A_DAY),
        postgresql_where=sa.text(_ONE_A_DAY),
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35 has it for a column no key or index names): a table
    # made again would lose how 0011 wrote its deal column, which 0011's own way down reads.
    op.drop_index("ux_task_series_due", table_name="task")
    op.execute("ALTER TABLE task DROP COLUMN series_id")
    op.execute("ALTER TABLE task DROP COLUMN repeat")
