"""SQLite search rows filed under name bands, so a search pages in name order at any size

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

A search's first page, sorted by name, read every match when matches were many but not
most rows ("sara": 44k of a million contacts, 50-60 ms a keystroke). A contact's search
row is now filed under rowid = band << 32 | id, bands following the names (see
``crm_tui.search.bands``). This lays the bands out over the stored contacts and
writes the search table again under the new rowids. PostgreSQL gets the (unused) tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_ID_MASK = (1 << 32) - 1


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): the tables are kept, and every
    contact is filed again."""
    if not sa.inspect(op.get_bind()).has_table("contact_band"):
        _create_tables()
    if op.get_bind().dialect.name == "sqlite":
        _file_every_contact()


def _create_tables() -> None:
    op.create_table(
        "contact_band",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("low_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_contact_band_low", "contact_band", ["low_name", "low_id"], unique=True)
    op.create_table(
        "contact_search_row",
        sa.Column("contact_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id"),
    )


def _file_every_contact() -> None:
    from crm_tui.migrations.search_rows import lay_out_bands

    connection = op.get_bind()
    connection.exec_driver_sql("DELETE FROM contact_band")
    connection.exec_driver_sql("DELETE FROM contact_search_row")
    keys = [
        (row[0], row[1])
        for row in connection.exec_driver_sql("SELECT sort_name, id FROM contact ORDER BY 1, 2")
    ]
    bands = lay_out_bands(keys)
    connection.exec_driver_sql(
        "INSERT INTO contact_band(number, low_name, low_id, size) VALUES (?, ?, ?, ?)",
        [(band.number, *band.low, len(band.keys)) for band in bands],
    )
    filed = [(key[1], band.number) for band in bands for key in band.keys]
    if filed:
        connection.exec_driver_sql(
            "INSERT INTO contact_search_row(contact_id, band) VALUES (?, ?)", filed
        )
    _rewrite_search_rows(
        f"SELECT (f.rowid & {_ID_MASK}) | (r.band << 32), f.body FROM contact_fts f "
        f"JOIN contact_search_row r ON r.contact_id = (f.rowid & {_ID_MASK})"
    )


def _rewrite_search_rows(select_rows: str) -> None:
    """Make contact_fts again (as it is defined now) from ``select_rows`` (rowid, body):
    an FTS5 table's rows are written again anyway when their rowids change."""
    connection = op.get_bind()
    definition = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE name = 'contact_fts'"
    ).scalar_one()
    connection.exec_driver_sql(f"CREATE TEMP TABLE filed AS {select_rows}")
    connection.exec_driver_sql("DROP TABLE contact_fts")
    connection.exec_driver_sql(definition)
    # in rowid order: FTS5 writes out a segment whenever a rowid comes lower than the last
    connection.exec_driver_sql(
        "INSERT INTO contact_fts(rowid, body) SELECT * FROM temp.filed ORDER BY 1"
    )
    connection.exec_driver_sql("DROP TABLE temp.filed")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rewrite_search_rows(f"SELECT rowid & {_ID_MASK}, body FROM contact_fts")
    op.drop_table("contact_search_row")
    op.drop_index("ix_contact_band_low", table_name="contact_band")
    op.drop_table("contact_band")
