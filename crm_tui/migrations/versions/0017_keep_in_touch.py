"""Keep-in-touch rhythms, and an index of birthdays

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

``contact.touch_every`` is a contact's own rhythm; ``tag.touch_every`` the rhythm of every
contact with the tag (a contact's own one wins; of several tags, the shortest). When a
contact is due is worked out from when they were last contacted, so logging an
interaction resets it with nothing more to write. A partial index finds the few contacts
with a rhythm of their own; another covers the birthdays, read for those coming up.

The columns are added in place (no table copied), and dropped the same way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WITH_RHYTHM = "deleted_at IS NULL AND touch_every IS NOT NULL"
_WITH_BIRTHDAY = "deleted_at IS NULL AND birthday IS NOT NULL"


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): what is there is kept."""
    inspector = sa.inspect(op.get_bind())
    for table in ("contact", "tag"):
        if "touch_every" not in {c["name"] for c in inspector.get_columns(table)}:
            op.add_column(table, sa.Column("touch_every", sa.Integer(), nullable=True))
    op.create_index(
        "ix_contact_live_birthday",
        "contact",
        ["birthday", "id", "owner_id", "name"],
        if_not_exists=True,
        sqlite_where=sa.text(_WITH_BIRTHDAY),
        postgresql_where=sa.text(_WITH_BIRTHDAY),
    )
    op.create_index(
        "ix_contact_live_touch",
        "contact",
        ["touch_every", "id"],
        if_not_exists=True,
        sqlite_where=sa.text(_WITH_RHYTHM),
        postgresql_where=sa.text(_WITH_RHYTHM),
    )


def downgrade() -> None:
    op.drop_index("ix_contact_live_touch", table_name="contact")
    op.drop_index("ix_contact_live_birthday", table_name="contact")
    op.execute("ALTER TABLE tag DROP COLUMN touch_every")
    op.execute("ALTER TABLE contact DROP COLUMN touch_every")
