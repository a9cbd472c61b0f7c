"""The tables only the SQLite index reads and writes: the name bands (see ``bands``)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer
from sqlmodel import Field, SQLModel


class ContactBand(SQLModel, table=True):
    """A run of contacts next to each other in name order. A band holds the keys from its
    ``low`` up to the next band's; numbers grow with the keys, with room left between them
    for splits."""

    __tablename__ = "contact_band"
    __table_args__ = (Index("ix_contact_band_low", "low_name", "low_id", unique=True),)

    number: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    low_name: str
    low_id: int
    size: int = 0


class ContactSearchRow(SQLModel, table=True):
    """The band a contact's search row was filed under (none: band 0). No foreign key: the
    index removes it with the search row, which needs it to be found."""

    __tablename__ = "contact_search_row"

    contact_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    band: int
