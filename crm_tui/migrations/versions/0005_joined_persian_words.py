"""Search: Persian words written with a zero-width non-joiner are indexed joined as well

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

"پیش‌نویس" was indexed as its parts only, so the same word typed without the non-joiner
("پیشنویس", as many people type it) found nothing. The index now holds such words joined as
well; the rows holding a non-joiner are indexed again (no other row changes).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text
from sqlmodel import Session

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTACT_TEXT = (
    "name", "first_name", "last_name", "organization_name", "tags", "notes", "title",
    "address", "website", "source",
)  # fmt: skip


def _ids(sql: str) -> list[int]:
    rows = op.get_bind().execute(text(sql), {"zwnj": "%\u200c%"})
    return [row[0] for row in rows]


def upgrade() -> None:
    from crm_tui.migrations.search_rows import reindex_contacts_by_id, reindex_interactions

    custom = "CAST(custom AS TEXT)" if op.get_bind().dialect.name == "postgresql" else "custom"
    fields = " OR ".join(f"{name} LIKE :zwnj" for name in (*_CONTACT_TEXT, custom))
    contacts = _ids(f"SELECT id FROM contact WHERE {fields}")
    interactions = _ids("SELECT id FROM interaction WHERE subject LIKE :zwnj OR body LIKE :zwnj")
    session = Session(bind=op.get_bind())
    reindex_contacts_by_id(session, contacts)
    reindex_interactions(session, interactions)
    session.flush()


def downgrade() -> None:
    """Nothing to undo: the joined words only add to what a search finds."""
