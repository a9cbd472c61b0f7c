"""The tables (SQLModel). Only ``crm_tui.services`` and ``crm_tui.io`` read or write them.

Conventions:
- times are naive UTC ``datetime``; calendar days (task start/due, birthday) are ``date``;
- every editable row has ``version`` (optimistic concurrency, checked by the services)
  and ``deleted_at`` (the trash: soft delete, restorable);
- a few values are denormalised onto ``contact`` (primary email and phone, organization
  name, tags) so the contact list can sort and page by them through an index at 1M rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, text
from sqlmodel import Field, SQLModel

from crm_tui.vocabulary import (  # the columns' values, defined without the database layer
    Channel,
    ContactStatus,
    Direction,
    Outcome,
    Priority,
    TaskStatus,
)

NOT_DELETED = text("deleted_at IS NULL")
DELETED = text("deleted_at IS NOT NULL")
OPEN_DEAL = text("deleted_at IS NULL AND closed_at IS NULL")
# The tables whose ids people and scripts keep (printed by the CLI, in --json, in import and
# merge records): SQLite hands out ids above every id it ever gave (AUTOINCREMENT), not just
# above the highest row left, so the id of a contact an import undo or a merge removed never
# comes back as someone else's (migration 0008). PostgreSQL's sequences never go back anyway.
NEVER_REUSED = {"sqlite_autoincrement": True}


def _partial(name: str, *columns: str) -> Index:
    """An index over live rows only (both SQLite and PostgreSQL support partial indexes)."""
    return Index(name, *columns, sqlite_where=NOT_DELETED, postgresql_where=NOT_DELETED)


def _fk(target: str, *, ondelete: str | None = None, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(Integer, ForeignKey(target, ondelete=ondelete), index=index),
    )


def _json_column() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=_empty))


def _empty() -> dict[str, Any]:
    return {}


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"
    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    name: str
    username: str = Field(unique=True)
    email: str = ""
    initials: str = ""
    active: bool = True
    created_at: datetime


class Organization(SQLModel, table=True):
    __tablename__ = "organization"
    __table_args__ = (_partial("ix_organization_live_sort", "sort_name", "id"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    sort_name: str
    website: str = ""
    notes: str = ""
    version: int = 1
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (
        _partial("ix_contact_live_name", "sort_name", "id"),
        _partial("ix_contact_live_org", "sort_org", "sort_name", "id"),
        _partial("ix_contact_live_email", "email", "id"),
        _partial("ix_contact_live_phone", "phone", "id"),
        _partial("ix_contact_live_tags", "tags", "sort_name", "id"),
        _partial("ix_contact_live_last", "last_contacted_at", "id"),
        _partial("ix_contact_live_status", "status", "sort_name", "id"),
        _partial("ix_contact_live_created", "created_at", "status"),  # new leads of a period
        # Birthdays coming up: month and day read from this index alone (0017).
        Index(
            "ix_contact_live_birthday",
            "birthday",
            "id",
            "owner_id",
            "name",
            sqlite_where=text("deleted_at IS NULL AND birthday IS NOT NULL"),
            postgresql_where=text("deleted_at IS NULL AND birthday IS NOT NULL"),
        ),
        # The few with a keep-in-touch rhythm of their own (0017).
        Index(
            "ix_contact_live_touch",
            "touch_every",
            "id",
            sqlite_where=text("deleted_at IS NULL AND touch_every IS NOT NULL"),
            postgresql_where=text("deleted_at IS NULL AND touch_every IS NOT NULL"),
        ),
        # Partial, so the planner never picks it for the (far more common) live rows.
        Index(
            "ix_contact_trash", "deleted_at", "id", sqlite_where=DELETED, postgresql_where=DELETED
        ),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str
    sort_name: str
    first_name: str = ""
    last_name: str = ""
    organization_id: int | None = _fk("organization.id", ondelete="SET NULL", index=True)
    organization_name: str = ""
    sort_org: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""
    tags: str = ""
    address: str = ""
    website: str = ""
    birthday: date | None = None
    status: str = ContactStatus.LEAD.value
    source: str = ""
    referred_by_id: int | None = _fk("contact.id", ondelete="SET NULL", index=True)
    owner_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    notes: str = ""
    custom: dict[str, str] = _json_column()
    last_contacted_at: datetime | None = None
    touch_every: int | None = None  # keep in touch every this many days (None: its tags')
    version: int = 1
    created_at: datetime
    updated_at: datetime
    created_by_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    updated_by_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    deleted_at: datetime | None = None


class ContactEmail(SQLModel, table=True):
    __tablename__ = "contact_email"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False)
    )
    value: str
    normalized: str = Field(index=True)
    label: str = ""
    position: int = 0

    __table_args__ = (Index("ix_contact_email_contact", "contact_id", "position"),)


class ContactPhone(SQLModel, table=True):
    __tablename__ = "contact_phone"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False)
    )
    value: str
    normalized: str = Field(index=True)
    label: str = ""
    position: int = 0

    __table_args__ = (Index("ix_contact_phone_contact", "contact_id", "position"),)


class Tag(SQLModel, table=True):
    __tablename__ = "tag"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    key: str = Field(unique=True)
    touch_every: int | None = None  # keep in touch with its contacts every this many days


class ContactTag(SQLModel, table=True):
    __tablename__ = "contact_tag"
    __table_args__ = (Index("ix_contact_tag_tag", "tag_id", "contact_id"),)

    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    )


class Project(SQLModel, table=True):
    __tablename__ = "project"
    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    name: str
    description: str = ""
    contact_id: int | None = _fk("contact.id", ondelete="SET NULL", index=True)
    status: str = "active"
    start_date: date | None = None
    due_date: date | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class Interaction(SQLModel, table=True):
    __tablename__ = "interaction"
    __table_args__ = (
        _partial("ix_interaction_live_when", "occurred_at", "id"),
        _partial("ix_interaction_live_channel", "channel", "occurred_at", "id"),
        _partial("ix_interaction_live_contact", "contact_id", "occurred_at", "id"),
        _partial("ix_interaction_live_complaint", "complaint", "resolved_at", "occurred_at"),
        _partial("ix_interaction_live_sentiment", "sentiment", "occurred_at", "id"),
        # Every row, trash included: what deleting a contact looks up (migration 0004).
        Index("ix_interaction_contact_id", "contact_id"),
        # Every row too: a deal's own timeline, and what deleting a deal looks up (0011).
        Index("ix_interaction_deal", "deal_id", "occurred_at"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = _fk("contact.id", ondelete="SET NULL")
    deal_id: int | None = _fk("deal.id", ondelete="SET NULL")  # the deal it was about
    occurred_at: datetime
    channel: str = Channel.NOTE.value
    direction: str = Direction.OUT.value
    subject: str = ""
    body: str = ""
    sentiment: str | None = None
    complaint: bool = False
    resolved_at: datetime | None = None
    resolved_by_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    author_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    version: int = 1
    created_at: datetime
    updated_at: datetime
    updated_by_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    deleted_at: datetime | None = None


class InteractionContact(SQLModel, table=True):
    """Every contact an interaction concerns (the primary one included)."""

    __tablename__ = "interaction_contact"
    __table_args__ = (Index("ix_interaction_contact_contact", "contact_id", "interaction_id"),)

    interaction_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
        )
    )
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )


class Task(SQLModel, table=True):
    __tablename__ = "task"
    __table_args__ = (
        _partial("ix_task_live_board", "status", "position", "id"),
        _partial("ix_task_live_due", "due_date", "id"),
        _partial("ix_task_live_start", "start_date", "id"),
        _partial("ix_task_live_assignee", "assignee_id", "due_date"),
        _partial("ix_task_live_project", "project_id", "start_date"),
        _partial("ix_task_live_contact", "contact_id", "due_date"),
        Index("ix_task_contact_id", "contact_id"),  # every row: for deleting contacts (0004)
        Index("ix_task_source_interaction", "source_interaction_id"),
        Index("ix_task_deal", "deal_id", "due_date"),  # a deal's tasks; deleting a deal (0011)
        # One live task of a repeating series a day: finishing an occurrence twice at once
        # makes one next task (0014).
        Index(
            "ux_task_series_due",
            "series_id",
            "due_date",
            unique=True,
            sqlite_where=text("deleted_at IS NULL AND series_id IS NOT NULL"),
            postgresql_where=text("deleted_at IS NULL AND series_id IS NOT NULL"),
        ),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str
    description: str = ""
    status: str = TaskStatus.TODO.value
    priority: int = Priority.NORMAL.value
    start_date: date | None = None
    due_date: date | None = None
    progress: int = 0
    milestone: bool = False
    estimate_hours: float | None = None
    position: float = 0.0
    assignee_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    contact_id: int | None = _fk("contact.id", ondelete="SET NULL")
    project_id: int | None = _fk("project.id", ondelete="SET NULL")
    source_interaction_id: int | None = _fk("interaction.id", ondelete="SET NULL")
    deal_id: int | None = _fk("deal.id", ondelete="SET NULL")  # the deal it moves forward
    # An iCalendar RRULE ("" for none), and the series: the id of its first task.
    repeat: str = Field(default="", sa_column=Column(String, nullable=False, server_default=""))
    series_id: int | None = None
    completed_at: datetime | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    created_by_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    updated_by_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    deleted_at: datetime | None = None


class TaskDependency(SQLModel, table=True):
    """Finish-to-start: ``task_id`` may start once ``depends_on_id`` is finished."""

    __tablename__ = "task_dependency"
    __table_args__ = (Index("ix_task_dependency_reverse", "depends_on_id", "task_id"),)

    task_id: int = Field(
        sa_column=Column(Integer, ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    )
    depends_on_id: int = Field(
        sa_column=Column(Integer, ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    )


class WorkflowTemplate(SQLModel, table=True):
    __tablename__ = "workflow_template"
    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    description: str = ""
    version: int = 1
    created_at: datetime
    updated_at: datetime


class TemplateStep(SQLModel, table=True):
    """One step of a template; ``depends_on`` lists positions of earlier steps."""

    __tablename__ = "template_step"
    __table_args__ = (Index("ix_template_step_template", "template_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workflow_template.id", ondelete="CASCADE"), nullable=False
        )
    )
    position: int
    title: str
    offset_days: int = 0
    duration_days: int = 1
    milestone: bool = False
    depends_on: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"
    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    source: str = ""
    created_at: datetime
    author_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    undone_at: datetime | None = None


class ImportChange(SQLModel, table=True):
    """What one import did: created rows ``entity_id``…``last_id`` (a run of ids, so 100k new
    contacts are one row), or updated ``entity_id``, ``before`` keeping what it replaced."""

    __tablename__ = "import_change"
    __table_args__ = (Index("ix_import_change_batch", "batch_id", "entity"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(
        sa_column=Column(Integer, ForeignKey("import_batch.id", ondelete="CASCADE"), nullable=False)
    )
    entity: str
    entity_id: int
    last_id: int | None = None
    action: str
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class MergeRecord(SQLModel, table=True):
    """A merge of two contacts, with what is needed to undo it."""

    __tablename__ = "merge_record"
    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    kept_id: int
    merged_id: int
    created_at: datetime
    author_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    snapshot: dict[str, Any] = _json_column()
    undone_at: datetime | None = None


class Pipeline(SQLModel, table=True):
    """A sales process: its stages in order (``DealStage``); one pipeline is the default."""

    __tablename__ = "pipeline"
    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    name: str
    position: int = 0
    is_default: bool = False
    version: int = 1
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class DealStage(SQLModel, table=True):
    """A step of a pipeline, with the probability a deal in it gets by default; a stage
    whose ``outcome`` is won or lost closes the deals moved into it."""

    __tablename__ = "deal_stage"
    __table_args__ = (Index("ix_deal_stage_pipeline", "pipeline_id", "position"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    pipeline_id: int = Field(
        sa_column=Column(Integer, ForeignKey("pipeline.id", ondelete="CASCADE"), nullable=False)
    )
    name: str
    position: int = 0
    probability: int = 0  # percent
    outcome: str = Outcome.OPEN.value
    deleted_at: datetime | None = None


class LostReason(SQLModel, table=True):
    """Why deals are lost: an editable list."""

    __tablename__ = "lost_reason"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    position: int = 0
    deleted_at: datetime | None = None


class Deal(SQLModel, table=True):
    """A sale in the making: its value in whole minor units of one currency (never a
    float; see ``crm_tui.money``), its stage and when it is expected to close."""

    __tablename__ = "deal"
    __table_args__ = (
        # Not partial: a stage's deals, in the trash too, are found by it when it goes.
        Index("ix_deal_stage", "stage_id", "id"),
        _partial("ix_deal_live_close", "expected_close", "id"),
        _partial("ix_deal_live_title", "sort_title", "id"),
        Index("ix_deal_trash", "deleted_at", "id", sqlite_where=DELETED, postgresql_where=DELETED),
        # The pipeline board: a stage's open deals by close, its closed ones newest first,
        # and the open deals' totals from the index alone.
        _partial("ix_deal_live_stage_close", "stage_id", "expected_close", "id"),
        _partial("ix_deal_live_stage_closed", "stage_id", "closed_at", "id"),
        # The figures of a period (0013): its closed deals, and what they sum and group by;
        # the forecast: the open ones (no close time) by expected close, likewise.
        _partial(
            "ix_deal_live_closed_figures",
            "closed_at",
            "expected_close",
            "stage_id",
            "currency",
            "value_minor",
            "probability",
            "owner_id",
            "lost_reason_id",
            "created_at",
        ),
        Index(
            "ix_deal_open_totals",
            "stage_id",
            "currency",
            "value_minor",
            "probability",
            sqlite_where=OPEN_DEAL,
            postgresql_where=OPEN_DEAL,
        ),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str
    sort_title: str
    contact_id: int | None = _fk("contact.id", ondelete="SET NULL", index=True)
    organization_id: int | None = _fk("organization.id", ondelete="SET NULL", index=True)
    value_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    currency: str
    pipeline_id: int = Field(
        sa_column=Column(Integer, ForeignKey("pipeline.id"), nullable=False, index=True)
    )
    stage_id: int = Field(sa_column=Column(Integer, ForeignKey("deal_stage.id"), nullable=False))
    probability: int | None = None  # percent; None: the stage's
    expected_close: date | None = None
    owner_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    source: str = ""
    notes: str = ""
    custom: dict[str, str] = _json_column()
    stage_entered_at: datetime
    closed_at: datetime | None = None
    lost_reason_id: int | None = _fk("lost_reason.id", ondelete="SET NULL", index=True)
    version: int = 1
    created_at: datetime
    updated_at: datetime
    created_by_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    updated_by_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    deleted_at: datetime | None = None


class DealTag(SQLModel, table=True):
    """The tags of a deal (the same tags as contacts', one list of words for both)."""

    __tablename__ = "deal_tag"
    __table_args__ = (Index("ix_deal_tag_tag", "tag_id", "deal_id"),)

    deal_id: int = Field(
        sa_column=Column(Integer, ForeignKey("deal.id", ondelete="CASCADE"), primary_key=True)
    )
    tag_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    )


class DealStageChange(SQLModel, table=True):
    """Each move of a deal from one stage to another, when and by whom: time in a stage
    and the length of a sale are read from these, not guessed."""

    __tablename__ = "deal_stage_change"
    __table_args__ = (
        Index("ix_deal_stage_change_deal", "deal_id", "changed_at"),
        # A won deal's stays, each one row: the stage left, when it was left and entered.
        Index(
            "ix_deal_stage_change_stays",
            "deal_id",
            "from_stage_id",
            "changed_at",
            "from_entered_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(
        sa_column=Column(Integer, ForeignKey("deal.id", ondelete="CASCADE"), nullable=False)
    )
    from_stage_id: int | None = _fk("deal_stage.id", ondelete="SET NULL", index=True)
    to_stage_id: int | None = _fk("deal_stage.id", ondelete="SET NULL", index=True)
    changed_at: datetime
    from_entered_at: datetime | None = None  # when the stage it left was entered
    actor_id: int | None = _fk("team_member.id", ondelete="SET NULL")


class Appointment(SQLModel, table=True):
    """A meeting or call booked ahead: when it starts and ends (UTC), where (an address or
    a link), whom it involves (``AppointmentContact``, ``AppointmentMember``). Once it has
    happened it may be logged: ``interaction_id`` is the interaction it became. ``uid``
    names it in calendar files, so importing the same event again updates it."""

    __tablename__ = "appointment"
    __table_args__ = (
        _partial("ix_appointment_live_start", "starts_at", "id"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(unique=True)
    title: str
    starts_at: datetime
    ends_at: datetime
    channel: str = Channel.MEETING.value
    place: str = ""
    notes: str = ""
    interaction_id: int | None = _fk("interaction.id", ondelete="SET NULL", index=True)
    version: int = 1
    created_at: datetime
    updated_at: datetime
    created_by_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    updated_by_id: int | None = _fk("team_member.id", ondelete="SET NULL")
    deleted_at: datetime | None = None


class AppointmentContact(SQLModel, table=True):
    """The contacts an appointment is with."""

    __tablename__ = "appointment_contact"
    __table_args__ = (Index("ix_appointment_contact_contact", "contact_id", "appointment_id"),)

    appointment_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("appointment.id", ondelete="CASCADE"), primary_key=True
        )
    )
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    )


class AppointmentMember(SQLModel, table=True):
    """The team members who attend an appointment (whose diaries it may clash in)."""

    __tablename__ = "appointment_member"
    __table_args__ = (Index("ix_appointment_member_member", "member_id", "appointment_id"),)

    appointment_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("appointment.id", ondelete="CASCADE"), primary_key=True
        )
    )
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("team_member.id", ondelete="CASCADE"), primary_key=True
        )
    )


class ReminderSent(SQLModel, table=True):
    """A reminder ``crm remind`` sent: its key names whom, what and for when, so it is
    never sent twice (a moved appointment or a task due another day is another key)."""

    __tablename__ = "reminder_sent"

    key: str = Field(primary_key=True)
    sent_at: datetime


class ReminderRun(SQLModel, table=True):
    """When ``crm remind`` last ran for a team member: the next run looks back to it, so a
    run skipped (the machine was off) misses nothing."""

    __tablename__ = "reminder_run"

    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("team_member.id", ondelete="CASCADE"), primary_key=True
        )
    )
    ran_at: datetime


class ContactDate(SQLModel, table=True):
    """A yearly date of a contact's besides the birthday: an anniversary, a renewal, the day
    a shop opened. ``day`` without a year is kept in NO_YEAR (1604), as birthdays are."""

    __tablename__ = "contact_date"
    __table_args__ = (
        Index("ix_contact_date_day", "day", "contact_id"),
        Index("ix_contact_date_contact", "contact_id"),  # a contact's dates; merging, deleting
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False)
    )
    label: str
    day: date
    created_at: datetime


class CustomField(SQLModel, table=True):
    """A custom field's definition (``crm_tui.fields``): what its values are checked and
    compared as. Values stay in ``contact.custom``, in the canonical text of the type."""

    __tablename__ = "custom_field"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    key: str = Field(unique=True)  # the name folded: one definition per field
    kind: str = "text"
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    default_value: str = ""
    currency: str = ""
    created_at: datetime
    updated_at: datetime


class Segment(SQLModel, table=True):
    """A named rule over contacts (``crm_tui.rules``): a view, never a stored list."""

    __tablename__ = "segment"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    rule: str
    touch_every: int | None = None  # keep in touch with its contacts every this many days
    created_at: datetime
    updated_at: datetime


# The search and rollup packages' own tables, registered on the same metadata as every
# other table (migrations and schema checks compare against it).
from crm_tui.rollups import tables as _rollup_tables  # noqa: E402, F401
from crm_tui.search import tables as _search_tables  # noqa: E402, F401
