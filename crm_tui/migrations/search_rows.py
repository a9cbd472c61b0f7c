"""Search rows written as the migrations before 0007 knew them: rowid = the row's id.

0007 files contacts' search rows under name bands (``services.search``); the migrations
before it run on a schema without the band tables, so they index contacts this way, and
0007 then files every row.
"""

from collections.abc import Sequence

from sqlalchemy import select, text
from sqlmodel import Session

from crm_tui.models import Contact, Interaction
from crm_tui.services.common import chunked
from crm_tui.services.search import (
    contact_documents,
    delete_index_rows,
    index_interactions,
    write_index_rows,
)


def reindex_contacts_by_id(session: Session, ids: Sequence[int]) -> None:
    for batch in chunked(ids):
        delete_index_rows(session=session, fts_table="contact_fts", rowids=batch)
        rows = contact_documents(session=session, ids=batch)
        write_index_rows(session=session, fts_table="contact_fts", rows=rows)


def rebuild_by_id(session: Session) -> None:
    """Both search tables filled again from the rows."""
    session.execute(text("DELETE FROM contact_fts"))
    session.execute(text("DELETE FROM interaction_fts"))
    reindex_contacts_by_id(session, list(session.scalars(select(Contact.id))))
    index_interactions(session=session, ids=list(session.scalars(select(Interaction.id))))
