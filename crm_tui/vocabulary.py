"""The fixed values some columns take: plain enums, importable without the database layer
(an import's reading process checks a file's statuses without loading SQLAlchemy)."""

from __future__ import annotations

import enum


class ContactStatus(enum.StrEnum):
    LEAD = "lead"
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    INACTIVE = "inactive"


class Channel(enum.StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    SMS = "sms"
    CHAT = "chat"
    SOCIAL = "social"
    NOTE = "note"
    OTHER = "other"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class Sentiment(enum.StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class TaskStatus(enum.StrEnum):
    TODO = "todo"
    DOING = "doing"
    BLOCKED = "blocked"
    DONE = "done"


class Priority(enum.IntEnum):
    LOW = 0
    NORMAL = 1
    HIGH = 2
    URGENT = 3


class ImportKind(enum.StrEnum):
    """What an import brings in (an import batch's ``kind``)."""

    CONTACTS = "contacts"
    INTERACTIONS = "interactions"
    TASKS = "tasks"
    DEALS = "deals"

    @property
    def entity(self) -> str:
        """One of them, as an import's change records name it ("interaction")."""
        return self.value.removesuffix("s")


class FieldKind(enum.StrEnum):
    """What a custom field holds (its values are checked and compared as this)."""

    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    CHOICE = "choice"
    YES_NO = "yes-no"


class BulkKind(enum.StrEnum):
    """One change made to many contacts at once (a bulk batch's ``kind``, beside imports')."""

    TAG = "bulk-tag"
    UNTAG = "bulk-untag"
    STATUS = "bulk-status"
    OWNER = "bulk-owner"
    FIELD = "bulk-field"
    LOG = "bulk-log"
    TASK = "bulk-task"
    TRASH = "bulk-trash"

    @property
    def label(self) -> str:
        """As a listing says it ("task")."""
        return self.value.removeprefix("bulk-")


# A deal's currency when none is given (a form's first value, the CLI's and an import's).
DEFAULT_CURRENCY = "EUR"


class Outcome(enum.StrEnum):
    """Where a deal in a stage stands: still open, or closed as won or lost (the two
    terminal stages of every pipeline)."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ReportName(enum.StrEnum):
    """The reports on selling (``crm report``, ``crm_tui.services.reports``)."""

    PIPELINE = "pipeline"
    FORECAST = "forecast"
    SALES = "sales"
    CYCLE = "cycle"
    TEAM = "team"


class GroupBy(enum.StrEnum):
    """What a report's rows are: one per month, owner, source or stage."""

    MONTH = "month"
    OWNER = "owner"
    SOURCE = "source"
    STAGE = "stage"
