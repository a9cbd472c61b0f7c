"""Each entity's fields, declared once: what every path that reads or writes them derives from.

The exports' columns, a merge's choices, an import's update, the snapshots an undo compares
and the way ``crm contacts show`` and the app's detail pane list a contact all come from
``CONTACT``; tests/test_entities.py walks it through each of those paths, so a field added
here either shows up everywhere or makes a test fail.

Plain data with no database or pydantic behind it: an import's reading process (which
never loads SQLAlchemy) uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a field holds, which decides how it is compared, read and shown."""

    TEXT = "text"  # one line
    LONG_TEXT = "long text"  # may hold line breaks (notes)
    NAME = "name"  # the contact's name: an import's made-up name never replaces a real one
    ORGANIZATION = "organization"  # a name, compared as sorted ("ACME" is "Acme")
    STATUS = "status"
    DATE = "date"  # stored as ISO text; a birthday may have no year (--12-24)
    MEMBER = "member"  # a team member's id (``owner_id``; read models name them: ``owner``)
    CONTACT = "contact"  # another contact's id
    TAGS = "tags"  # a list, combined on merge and import
    LABELED = "labeled"  # emails and phones: (label, value) pairs, combined
    CUSTOM = "custom"  # name → value pairs, combined


class Searched(StrEnum):
    """Where a field's text goes in the search document (``crm_tui.search.document``):
    the names first, then the organization (stored under another name by an import), then
    every other searched field in the order declared."""

    HEAD = "head"
    ORGANIZATION = "organization"
    TAIL = "tail"
    NO = "no"  # not searched: dates and ids


# The kinds whose values are text as typed (a file's cell is read into them unchanged).
TEXT_KINDS = frozenset({Kind.TEXT, Kind.LONG_TEXT, Kind.NAME, Kind.ORGANIZATION})
# The kinds a merge cannot choose one side of: it combines both.
COMBINED = frozenset({Kind.TAGS, Kind.LABELED, Kind.CUSTOM})


@dataclass(frozen=True)
class Field:
    """One field of an entity.

    ``name``: the attribute of its records (create, update and read models, import rows);
    ``column``: the entity table's column (None: kept in a table of its own);
    ``csv``: the CSV and JSON export's column (None: not exported there);
    ``label``: as people read it, in ``show`` and the detail pane;
    ``shown``: listed there (False: shown in the heading instead, as a part of the name);
    ``imported``: an import's rows carry it, and an update takes it from them;
    ``searched``: where a search finds it (see ``Searched``).
    """

    name: str
    label: str
    kind: Kind = Kind.TEXT
    column: str | None = ""  # "": the same as ``name``
    csv: str | None = ""  # "": the same as ``name``
    shown: bool = True
    imported: bool = True
    searched: Searched = Searched.TAIL

    @property
    def stored_as(self) -> str | None:
        return self.name if self.column == "" else self.column

    @property
    def exported_as(self) -> str | None:
        return self.name if self.csv == "" else self.csv

    @property
    def read_as(self) -> str:
        """The read model's attribute for it: a team member by name rather than id."""
        return self.name.removesuffix("_id") if self.kind is Kind.MEMBER else self.name

    @property
    def choosable(self) -> bool:
        """A merge takes it from one side or the other (the combined kinds take both)."""
        return self.kind not in COMBINED


@dataclass(frozen=True)
class Entity:
    name: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)

    def of_kind(self, *kinds: Kind) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind in kinds)

    @property
    def choosable(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.choosable)

    @property
    def scalar(self) -> tuple[Field, ...]:
        """The fields a column of the entity's own table holds, one value each."""
        return tuple(f for f in self.fields if f.kind not in COMBINED)

    @property
    def exported(self) -> tuple[Field, ...]:
        """The fields the CSV and JSON exports write a column of (by ``exported_as``)."""
        return tuple(f for f in self.fields if f.exported_as is not None)

    @property
    def imported(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.imported)


# In the order the CSV export writes them (after the id) and a merge offers them.
CONTACT = Entity(
    "contact",
    (
        Field("name", "Name", Kind.NAME, searched=Searched.HEAD),
        Field("first_name", "First name", shown=False, searched=Searched.HEAD),
        Field("last_name", "Last name", shown=False, searched=Searched.HEAD),
        Field(
            "organization",
            "Organization",
            Kind.ORGANIZATION,
            column="organization_name",
            searched=Searched.ORGANIZATION,
        ),
        Field("title", "Title"),
        Field("emails", "Email", Kind.LABELED, column=None, csv=None),
        Field("phones", "Phone", Kind.LABELED, column=None, csv=None),
        Field("status", "Status", Kind.STATUS),
        Field("tags", "Tags", Kind.TAGS),
        Field("custom", "Custom fields", Kind.CUSTOM, csv=None),
        Field("address", "Address"),
        Field("website", "Website"),
        Field("birthday", "Birthday", Kind.DATE, searched=Searched.NO),
        Field("source", "Source"),
        Field("owner_id", "Owner", Kind.MEMBER, csv="owner", searched=Searched.NO),
        Field(
            "referred_by_id",
            "Referred by",
            Kind.CONTACT,
            csv=None,
            imported=False,
            searched=Searched.NO,
        ),
        Field("notes", "Notes", Kind.LONG_TEXT),
    ),
)
