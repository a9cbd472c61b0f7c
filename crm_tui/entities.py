"""Each entity's fields, declared once: what every path that reads or writes them derives from.

The exports' columns, a merge's choices, an import's update, the snapshots an undo compares
and the way ``crm contacts show`` and the app's detail pane list a contact all come from
``CONTACT`` (``crm deals show`` and a deal's edit form from ``DEAL``); tests/test_entities.py
walks each through those paths, so a field added here either shows up everywhere or makes a
test fail (the interaction pane is written by hand, and walked there too).

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
    MOMENT = "moment"  # a date and time (stored in UTC, written ISO with its offset)
    CHOICE = "choice"  # one of a vocabulary's values (a channel, a task's status)
    FLAG = "flag"  # yes or no; a file writes "yes" or nothing
    WHOLE = "whole"  # a whole number
    PERCENT = "percent"  # a whole number of percent (a file may write "50.0")
    HOURS = "hours"  # a number of hours, perhaps with a fraction
    PROJECT = "project"  # a project's id; files name the project
    WAITS_FOR = "waits for"  # the ids of the tasks a task waits for
    MONEY = "money"  # whole minor units of the record's currency (``crm_tui.money``)
    DEAL = "deal"  # a deal's id
    REPEAT = "repeat"  # an iCalendar RRULE ("" for none), read as people say it too
    LISTED = "listed"  # a row of an editable list (a stage): stored by id, named in files


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
    ``shown``: listed there (False: shown in another's place: the heading, as the name or
    a part of it, or beside the value it is the unit of: a currency);
    ``imported``: an import's rows carry it, and an update takes it from them;
    ``searched``: where a search finds it (see ``Searched``);
    ``read``: the read model's attribute, where it is not the rule of ``read_as``;
    ``aliases``: the other names a file's column may give it (lower case, "_" for spaces);
    ``unit``: what a number counts, shown after it.
    """

    name: str
    label: str
    kind: Kind = Kind.TEXT
    column: str | None = ""  # "": the same as ``name``
    csv: str | None = ""  # "": the same as ``name``
    shown: bool = True
    imported: bool = True
    searched: Searched = Searched.TAIL
    read: str = ""
    aliases: tuple[str, ...] = ()
    unit: str = ""  # what a number counts, shown after it ("30 days")

    @property
    def stored_as(self) -> str | None:
        return self.name if self.column == "" else self.column

    @property
    def exported_as(self) -> str | None:
        return self.name if self.csv == "" else self.csv

    @property
    def read_as(self) -> str:
        """The read model's attribute for it: a team member by name rather than id."""
        if self.read:
            return self.read
        return self.name.removesuffix("_id") if self.kind is Kind.MEMBER else self.name

    @property
    def column_names(self) -> tuple[str, ...]:
        """The names a file's column may give it, the export's first."""
        return tuple(dict.fromkeys(n for n in (self.exported_as, *self.aliases) if n))

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
        Field(
            "touch_every",
            "In touch every",
            Kind.WHOLE,
            searched=Searched.NO,
            aliases=("keep_in_touch", "touch_every_days"),
            unit="days",
        ),
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


# A contact as an interaction or a task file names it: by id or email (``contact`` also by
# a name, which an import does not read: an id or an email in it is read).
CONTACT_REFERENCES = ("contact_id", "contact_email", "email", "contact")

# In the order the CSV export writes them (after the id). Only the fields a file brings;
# who resolved a complaint and when it was logged are the database's.
INTERACTION = Entity(
    "interaction",
    (
        Field(
            "contact_ids", "Contact", Kind.CONTACT, column=None, csv="contact_id", read="contact_id"
        ),
        Field("occurred_at", "When", Kind.MOMENT, aliases=("when", "date", "time")),
        Field("channel", "Channel", Kind.CHOICE, aliases=("type",)),
        Field("direction", "Direction", Kind.CHOICE),
        Field("subject", "Subject", aliases=("title", "summary")),
        Field("body", "Notes", Kind.LONG_TEXT, aliases=("notes", "note", "text", "description")),
        Field("sentiment", "Sentiment", Kind.CHOICE, aliases=("outcome",)),
        Field("complaint", "Complaint", Kind.FLAG),
        Field("resolved_at", "Resolved", Kind.MOMENT),
        Field("deal_id", "Deal", Kind.DEAL, searched=Searched.NO, aliases=("deal",)),
        Field("author_id", "Author", Kind.MEMBER, csv="author", imported=False),
    ),
)

TASK = Entity(
    "task",
    (
        Field("title", "Title", aliases=("task", "summary", "name")),
        Field("status", "Status", Kind.CHOICE),
        Field("priority", "Priority", Kind.WHOLE),
        Field("start_date", "Start", Kind.DATE, csv="start", read="start", aliases=("start_date",)),
        Field(
            "due_date", "Due", Kind.DATE, csv="due", read="due", aliases=("due_date", "deadline")
        ),
        Field("progress", "Progress", Kind.PERCENT, aliases=("percent",)),
        Field("milestone", "Milestone", Kind.FLAG),
        Field("estimate_hours", "Estimate", Kind.HOURS, aliases=("estimate",)),
        Field(
            "assignee_id", "Assignee", Kind.MEMBER, csv="assignee", aliases=("owner", "assigned_to")
        ),
        Field("contact_id", "Contact", Kind.CONTACT),
        Field("deal_id", "Deal", Kind.DEAL, searched=Searched.NO, aliases=("deal",)),
        Field("project_id", "Project", Kind.PROJECT, csv="project", read="project"),
        Field(
            "depends_on", "Waits for", Kind.WAITS_FOR, column=None, aliases=("after", "waits_for")
        ),
        Field("repeat", "Repeats", Kind.REPEAT, searched=Searched.NO, aliases=("rrule",)),
        Field("description", "Description", Kind.LONG_TEXT, aliases=("notes",)),
    ),
)

# In the order the CSV export writes them (after the id). The pipeline, stage and lost reason
# are read and written by name; an import takes when a deal was created and closed from its
# file (a sales history brought from elsewhere keeps its cycle lengths).
DEAL = Entity(
    "deal",
    (
        Field("title", "Title", shown=False),
        Field("value_minor", "Value", Kind.MONEY, csv="value"),
        Field("currency", "Currency", Kind.CHOICE, shown=False),
        Field("pipeline_id", "Pipeline", Kind.LISTED, csv="pipeline", read="pipeline"),
        Field("stage_id", "Stage", Kind.LISTED, csv="stage", read="stage"),
        Field("probability", "Probability", Kind.PERCENT),
        Field("expected_close", "Expected close", Kind.DATE),
        Field("contact_id", "Contact", Kind.CONTACT),
        Field("organization", "Organization", Kind.ORGANIZATION, column="organization_id"),
        Field("owner_id", "Owner", Kind.MEMBER, csv="owner"),
        Field("source", "Source"),
        Field("tags", "Tags", Kind.TAGS),
        # A CSV cell of JSON, an object of names and values: as the import reads it back.
        Field("custom", "Custom fields", Kind.CUSTOM),
        Field("created_at", "Created", Kind.MOMENT, searched=Searched.NO, aliases=("created",)),
        Field("closed_at", "Closed", Kind.MOMENT, searched=Searched.NO, aliases=("closed",)),
        Field("lost_reason_id", "Lost because", Kind.LISTED, csv="lost_reason", read="lost_reason"),
        Field("notes", "Notes", Kind.LONG_TEXT),
    ),
)
