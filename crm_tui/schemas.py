"""Plain models that cross the service boundary: inputs (XCreate/XUpdate) and read models.

Widgets and commands only ever see these, never live ORM rows. Inputs validate and tidy
themselves (pydantic); a failure becomes ``FieldErrors`` naming each field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from crm_tui.dates import NO_YEAR, DateError, check_day, month_day, written_day
from crm_tui.errors import FieldErrors
from crm_tui.records import comma_free
from crm_tui.text import clean_field, clean_line, full_name, strip_control, unique_folded
from crm_tui.validation import (
    MAX_HOURS,
    MAX_ID,
    MAX_TOUCH_DAYS,
    InvalidValue,
    normalize_email,
    normalize_phone,
)
from crm_tui.vocabulary import Channel, ContactStatus, Direction, Sentiment, TaskStatus


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    @classmethod
    def build(cls, region: str | None = None, /, **values: Any) -> Self:
        """Validate ``values``; raise ``FieldErrors`` (one message per field) on failure.

        Checks across fields normally run only once every field is valid; they are added
        here too, so a form shows every problem at once.
        """
        try:
            return cls.model_validate(values, context={"region": region})
        except PydanticValidationError as error:
            across, messages = cls._cross_field_errors(values), _field_messages(error)
            if messages.get("record") in across.values():  # said beside its field instead
                del messages["record"]
            raise FieldErrors({**across, **messages}) from None

    @classmethod
    def _cross_field_errors(cls, values: dict[str, Any]) -> dict[str, str]:
        return {}

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        """The one cleaning rule (``strip_control``); a field of one line (a name, a title, a
        tag) keeps no line break either, so it cannot fake a line where it is printed."""
        if isinstance(value, str):
            return clean_field(info.field_name or "", value)
        if isinstance(value, list):
            return [clean_line(item) if isinstance(item, str) else item for item in value]
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _in_range(cls, value: Any) -> Any:
        """Dates between 1900 and 2200 (a year-less birthday aside), ids that fit 64 bits:
        whatever way a value came in (a form, an option, an import)."""
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, bool):
                continue
            if isinstance(item, int) and not -MAX_ID <= item <= MAX_ID:
                raise ValueError("the number is too large")
            if isinstance(item, date) and getattr(item, "year", 0) != NO_YEAR:
                day = item.date() if isinstance(item, datetime) else item
                try:
                    check_day(day)
                except DateError as error:
                    raise ValueError(str(error)) from None
        return value


def _field_messages(error: PydanticValidationError) -> dict[str, str]:
    messages: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "record"
        messages.setdefault(field, _plain(item["type"], item.get("ctx") or {}, item["msg"]))
    return messages


def _plain(kind: str, ctx: dict[str, Any], message: str) -> str:
    """Pydantic's wording for the common cases ("String should have at least 1 character")
    in the words a person filling a form or a CSV column expects."""
    if kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1:
        return "required"
    if kind == "enum":
        return f"one of {ctx['expected']}".replace("'", "")
    if kind in ("less_than_equal", "greater_than_equal"):
        bound = ctx.get("le", ctx.get("ge"))
        return f"{'at most' if kind == 'less_than_equal' else 'at least'} {bound}"
    return message.removeprefix("Value error, ")


class LabeledValue(BaseModel):
    """An email or phone with its label (work, home, mobile…)."""

    model_config = ConfigDict(frozen=True)

    value: str
    label: str = ""


def _check_emails(values: list[LabeledValue]) -> list[LabeledValue]:
    checked, seen = [], set()
    for item in values:
        if not item.value.strip():
            continue
        try:
            normal = normalize_email(item.value)
        except InvalidValue as error:
            raise ValueError(str(error)) from None
        if normal.key not in seen:
            seen.add(normal.key)
            checked.append(LabeledValue(value=normal.value, label=clean_line(item.label)))
    return checked


def _check_phones(values: list[LabeledValue], region: str | None) -> list[LabeledValue]:
    checked, seen = [], set()
    for item in values:
        if not item.value.strip():
            continue
        try:
            normal = normalize_phone(item.value, region)
        except InvalidValue as error:
            raise ValueError(str(error)) from None
        if normal.key not in seen:
            seen.add(normal.key)
            checked.append(LabeledValue(value=normal.value, label=clean_line(item.label)))
    return checked


def _check_tags(values: list[str]) -> list[str]:
    return comma_free(unique_folded(values))


def _year_less(value: Any) -> Any:
    """A birthday typed "--12-24" (no year) is stored in the year that stands for none; one
    typed with its year is read like every date field's (a year below 1700 is Jalali)."""
    if isinstance(value, str) and value.strip():
        try:
            return month_day(value) or written_day(value) or value
        except DateError as error:
            raise ValueError(str(error)) from None
    return value


def _check_custom(values: dict[str, Any]) -> dict[str, str]:
    custom = {}
    for key, value in values.items():
        name = clean_line(str(key))
        text = strip_control("" if value is None else str(value)).strip()
        if name and text:
            custom[name] = text
    return custom


def _region(info: ValidationInfo) -> str | None:
    return (info.context or {}).get("region")


class ContactCreate(_Input):
    """A new contact. ``name`` defaults to first + last name; one of them is required."""

    name: str = ""
    first_name: str = ""
    last_name: str = ""
    organization: str = ""
    title: str = ""
    emails: list[LabeledValue] = Field(default_factory=list)
    phones: list[LabeledValue] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    custom: dict[str, str] = Field(default_factory=dict)
    address: str = ""
    website: str = ""
    birthday: date | None = None
    touch_every: int | None = Field(default=None, ge=1, le=MAX_TOUCH_DAYS)
    status: ContactStatus = ContactStatus.LEAD
    source: str = ""
    referred_by_id: int | None = None
    owner_id: int | None = None
    notes: str = ""

    @field_validator("emails")
    @classmethod
    def _emails(cls, values: list[LabeledValue]) -> list[LabeledValue]:
        return _check_emails(values)

    @field_validator("phones")
    @classmethod
    def _phones(cls, values: list[LabeledValue], info: ValidationInfo) -> list[LabeledValue]:
        return _check_phones(values, _region(info))

    @field_validator("tags")
    @classmethod
    def _tags(cls, values: list[str]) -> list[str]:
        return _check_tags(values)

    @field_validator("custom", mode="before")
    @classmethod
    def _custom(cls, values: dict[str, Any]) -> dict[str, str]:
        return _check_custom(values or {})

    _month_day = field_validator("birthday", mode="before")(_year_less)

    @model_validator(mode="after")
    def _display_name(self) -> Self:
        if not self.name:
            self.name = full_name(self.first_name, self.last_name)
        if not self.name:
            raise ValueError("a name is required")
        return self

    @classmethod
    def _cross_field_errors(cls, values: dict[str, Any]) -> dict[str, str]:
        names = (values.get(key) for key in ("name", "first_name", "last_name"))
        if not any(isinstance(n, str) and n.strip() for n in names):
            return {"name": "a name is required"}
        return {}


class ContactUpdate(_Input):
    """Changes to a contact: only the fields that were set are applied."""

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    organization: str | None = None
    title: str | None = None
    emails: list[LabeledValue] | None = None
    phones: list[LabeledValue] | None = None
    tags: list[str] | None = None
    custom: dict[str, str] | None = None
    address: str | None = None
    website: str | None = None
    birthday: date | None = None
    touch_every: int | None = Field(default=None, ge=1, le=MAX_TOUCH_DAYS)  # None: its tags'
    status: ContactStatus | None = None
    source: str | None = None
    referred_by_id: int | None = None
    owner_id: int | None = None
    notes: str | None = None

    @field_validator("emails")
    @classmethod
    def _emails(cls, values: list[LabeledValue] | None) -> list[LabeledValue] | None:
        return None if values is None else _check_emails(values)

    @field_validator("phones")
    @classmethod
    def _phones(
        cls, values: list[LabeledValue] | None, info: ValidationInfo
    ) -> list[LabeledValue] | None:
        return None if values is None else _check_phones(values, _region(info))

    @field_validator("tags")
    @classmethod
    def _tags(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _check_tags(values)

    @field_validator("custom", mode="before")
    @classmethod
    def _custom(cls, values: dict[str, Any] | None) -> dict[str, str] | None:
        return None if values is None else _check_custom(values)

    _month_day = field_validator("birthday", mode="before")(_year_less)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not value:
            raise ValueError("a name is required")
        return value


class ContactRow(BaseModel):
    """One line of the contact list."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    organization: str
    email: str
    phone: str
    tags: list[str]
    status: str
    last_contacted_at: datetime | None
    version: int


class ContactRead(BaseModel):
    """A whole contact, as shown in its detail pane and printed by ``--json``."""

    id: int
    name: str
    first_name: str
    last_name: str
    organization: str | None
    organization_id: int | None
    title: str
    email: str | None
    emails: list[LabeledValue]
    phone: str | None
    phones: list[LabeledValue]
    tags: list[str]
    custom: dict[str, str]
    status: str
    source: str
    referred_by_id: int | None
    owner: str | None
    address: str
    website: str
    birthday: date | None
    notes: str
    last_contacted_at: datetime | None
    touch_every: int | None = None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    version: int
    created_by: str | None = None
    updated_by: str | None = None

    def as_create(self) -> dict[str, Any]:
        """The editable fields, as keyword arguments for ``ContactCreate.build``."""
        data = self.model_dump(include=set(ContactCreate.model_fields))
        data["organization"] = self.organization or ""
        return data


CLOCK_SKEW = timedelta(minutes=5)  # teammates sharing a server have clocks a little apart


def happened(moment: datetime | None) -> datetime | None:
    """An interaction is something that happened: logged in the future it would make the
    contact "last contacted" ahead of time (a planned call is a task)."""
    if moment is not None:
        aware = moment if moment.tzinfo else moment.astimezone()
        if aware > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError("that is in the future: log it once it has happened")
    return moment


class InteractionCreate(_Input):
    contact_ids: list[int] = Field(min_length=1)
    occurred_at: datetime | None = None
    channel: Channel = Channel.NOTE
    direction: Direction = Direction.OUT
    subject: str = ""
    body: str = ""
    sentiment: Sentiment | None = None
    complaint: bool = False
    deal_id: int | None = None

    _happened = field_validator("occurred_at")(happened)

    @model_validator(mode="after")
    def _has_text(self) -> Self:
        if not (self.subject or self.body):
            raise ValueError("write a subject or a note")
        return self


class InteractionUpdate(_Input):
    occurred_at: datetime | None = None
    channel: Channel | None = None
    direction: Direction | None = None
    subject: str | None = None
    body: str | None = None
    sentiment: Sentiment | None = None
    complaint: bool | None = None
    deal_id: int | None = None  # set to None: about no deal

    _happened = field_validator("occurred_at")(happened)


class InteractionRead(BaseModel):
    id: int
    contact_id: int | None
    contact_name: str | None
    contact_email: str | None = None  # its first, for a file read elsewhere
    contact_ids: list[int]
    occurred_at: datetime
    channel: str
    direction: str
    subject: str
    body: str
    sentiment: str | None
    complaint: bool
    resolved_at: datetime | None
    resolved_by: str | None
    author: str | None
    follow_up_task_id: int | None
    deleted_at: datetime | None
    version: int
    deal_id: int | None = None
    deal: str | None = None  # its title


DUE_BEFORE_START = "the due date is before the start date"
REPEAT_WITHOUT_DUE = "a repeating task needs a due date (its first time)"


def _repeat_rule(value: str) -> str:
    """A repeat rule as people write it, as the RRULE it is kept as."""
    from crm_tui.recurrence import parse_repeat

    return parse_repeat(value)


def due_before_start(start: Any, due: Any) -> bool:
    """Both dates given and out of order (a form's raw values, a model's or a stored task's)."""
    return isinstance(start, date) and isinstance(due, date) and due < start


class TaskCreate(_Input):
    title: str = Field(min_length=1)
    description: str = ""
    status: TaskStatus = TaskStatus.TODO
    priority: int = Field(default=1, ge=0, le=3)
    start_date: date | None = None
    due_date: date | None = None
    progress: int = Field(default=0, ge=0, le=100)
    milestone: bool = False
    estimate_hours: float | None = Field(default=None, ge=0, le=MAX_HOURS, allow_inf_nan=False)
    assignee_id: int | None = None
    contact_id: int | None = None
    project_id: int | None = None
    source_interaction_id: int | None = None
    depends_on: list[int] = Field(default_factory=list)
    deal_id: int | None = None
    repeat: str = ""  # as people say it ("every 2 weeks on mon") or an RRULE; kept an RRULE

    _repeat = field_validator("repeat")(lambda value: _repeat_rule(value))

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if due_before_start(self.start_date, self.due_date):
            raise ValueError(DUE_BEFORE_START)
        if self.repeat and self.due_date is None:
            raise ValueError(REPEAT_WITHOUT_DUE)
        return self

    @classmethod
    def _cross_field_errors(cls, values: dict[str, Any]) -> dict[str, str]:
        if due_before_start(values.get("start_date"), values.get("due_date")):
            return {"due_date": DUE_BEFORE_START}
        if values.get("repeat") and not values.get("due_date"):
            return {"due_date": REPEAT_WITHOUT_DUE}
        return {}


class TaskUpdate(_Input):
    title: str | None = Field(default=None, min_length=1)
    description: str | None = None
    status: TaskStatus | None = None
    priority: int | None = Field(default=None, ge=0, le=3)
    start_date: date | None = None
    due_date: date | None = None
    progress: int | None = Field(default=None, ge=0, le=100)
    milestone: bool | None = None
    estimate_hours: float | None = Field(default=None, ge=0, le=MAX_HOURS, allow_inf_nan=False)
    assignee_id: int | None = None
    contact_id: int | None = None
    project_id: int | None = None
    depends_on: list[int] | None = None
    deal_id: int | None = None
    repeat: str | None = None  # "": it stops repeating

    _repeat = field_validator("repeat")(
        lambda value: None if value is None else _repeat_rule(value)
    )


class TaskRead(BaseModel):
    id: int
    title: str
    description: str
    status: str
    priority: int
    start: date | None
    due: date | None
    progress: int
    milestone: bool
    estimate_hours: float | None
    position: float
    assignee_id: int | None
    assignee: str | None
    contact_id: int | None
    contact_name: str | None
    contact_email: str | None = None  # its first, for a file read elsewhere
    project_id: int | None
    project: str | None
    depends_on: list[int]
    source_interaction_id: int | None
    completed_at: datetime | None
    created_at: datetime
    deleted_at: datetime | None
    version: int
    updated_at: datetime | None = None
    created_by: str | None = None
    updated_by: str | None = None
    deal_id: int | None = None
    deal: str | None = None  # its title
    repeat: str = ""  # an RRULE
    series_id: int | None = None

    def is_overdue(self, today: date) -> bool:
        return self.status != TaskStatus.DONE and self.due is not None and self.due < today


class ProjectRead(BaseModel):
    id: int
    name: str
    description: str
    contact_id: int | None
    status: str
    start: date | None
    due: date | None
    version: int


class MemberRead(BaseModel):
    id: int
    name: str
    username: str
    email: str
    initials: str
    active: bool


class TimelineEntry(BaseModel):
    """One line of a contact's unified timeline: an interaction, a task, a deal or an
    appointment."""

    kind: str  # "interaction" | "task" | "deal" | "appointment"
    id: int
    at: datetime
    title: str
    detail: str
    channel: str | None = None
    status: str | None = None
    complaint: bool = False
    resolved: bool = False
    sentiment: str | None = None
    outcome: str | None = None  # a deal's: open, won or lost

    @property
    def complaint_state(self) -> str:
        """ "open complaint", "complaint, resolved" or "" (not a complaint)."""
        if not self.complaint:
            return ""
        return "complaint, resolved" if self.resolved else "open complaint"


def _currency(value: str | None) -> str | None:
    """An ISO 4217 code, as typed in any case."""
    from crm_tui.errors import ValidationError
    from crm_tui.money import currency_code

    if value is None:
        return None
    try:
        return currency_code(value)
    except ValidationError as error:
        raise ValueError(str(error)) from None


class DealCreate(_Input):
    """A new deal: its value in whole minor units of ``currency`` (see ``crm_tui.money``);
    without a stage, the first stage of the default pipeline."""

    title: str = Field(min_length=1)
    value_minor: int = Field(default=0, ge=0)
    currency: str
    contact_id: int | None = None
    organization: str = ""
    stage_id: int | None = None
    probability: int | None = Field(default=None, ge=0, le=100)
    expected_close: date | None = None
    owner_id: int | None = None
    source: str = ""
    notes: str = ""
    custom: dict[str, str] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)

    _known_currency = field_validator("currency")(lambda value: _currency(value))
    _clean_tags = field_validator("tags")(lambda values: _check_tags(values))
    _clean_custom = field_validator("custom", mode="before")(
        lambda values: _check_custom(values or {})
    )


class DealUpdate(_Input):
    """What an edit sets (None: kept). The stage changes by moving the deal."""

    title: str | None = Field(default=None, min_length=1)
    value_minor: int | None = Field(default=None, ge=0)
    currency: str | None = None
    contact_id: int | None = None
    organization: str | None = None  # "": none
    probability: int | None = Field(default=None, ge=0, le=100)
    expected_close: date | None = None
    owner_id: int | None = None
    source: str | None = None
    notes: str | None = None
    custom: dict[str, str] | None = None  # the whole set: a name left out goes
    tags: list[str] | None = None  # the whole set

    _known_currency = field_validator("currency")(lambda value: _currency(value))
    _clean_tags = field_validator("tags")(
        lambda values: None if values is None else _check_tags(values)
    )
    _clean_custom = field_validator("custom", mode="before")(
        lambda values: None if values is None else _check_custom(values)
    )


class DealRead(BaseModel):
    id: int
    title: str
    value_minor: int
    currency: str
    contact_id: int | None
    contact_name: str | None
    contact_email: str | None = None  # its first, for a file read elsewhere
    organization: str | None
    pipeline_id: int
    pipeline: str
    stage_id: int
    stage: str
    outcome: str
    probability: int  # the deal's own, else its stage's
    expected_close: date | None
    owner_id: int | None
    owner: str | None
    source: str
    notes: str
    custom: dict[str, str]
    tags: list[str] = Field(default_factory=list)
    updated_by: str | None = None  # who saved this version
    stage_entered_at: datetime
    closed_at: datetime | None
    lost_reason: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    version: int


MAX_APPOINTMENT = timedelta(days=14)  # longer than a fortnight is a typo (a trip is a task)
ENDS_BEFORE_START = "it ends before it starts"
TOO_LONG = "an appointment lasts at most 14 days"


def _to_the_minute(value: datetime | None) -> datetime | None:
    """Appointments are kept to the minute ("in 2h" typed at 10:17:42 starts at 12:17): a
    form that shows minutes then saves what it shows."""
    return None if value is None else value.replace(second=0, microsecond=0)


def span_error(starts: Any, ends: Any) -> str | None:
    if isinstance(starts, datetime) and isinstance(ends, datetime):
        if ends <= starts:
            return ENDS_BEFORE_START
        if ends - starts > MAX_APPOINTMENT:
            return TOO_LONG
    return None


class AppointmentCreate(_Input):
    """A meeting or call booked ahead; without an end it lasts ``DEFAULT_MINUTES``."""

    title: str = Field(min_length=1)
    starts_at: datetime
    ends_at: datetime | None = None
    channel: Channel = Channel.MEETING
    place: str = ""  # an address or a link
    notes: str = ""
    contact_ids: list[int] = Field(default_factory=list)
    member_ids: list[int] = Field(default_factory=list)
    uid: str = ""  # a calendar file's UID ("": made up)

    _minutes = field_validator("starts_at", "ends_at")(lambda value: _to_the_minute(value))

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.ends_at is None:
            self.ends_at = self.starts_at + timedelta(minutes=DEFAULT_MINUTES)
        if error := span_error(self.starts_at, self.ends_at):
            raise ValueError(error)
        return self

    @classmethod
    def _cross_field_errors(cls, values: dict[str, Any]) -> dict[str, str]:
        if error := span_error(values.get("starts_at"), values.get("ends_at")):
            return {"ends_at": error}
        return {}


DEFAULT_MINUTES = 60


class AppointmentUpdate(_Input):
    """What an edit sets (None: kept); the lists are the whole set."""

    title: str | None = Field(default=None, min_length=1)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    channel: Channel | None = None
    place: str | None = None
    notes: str | None = None
    contact_ids: list[int] | None = None
    member_ids: list[int] | None = None

    _minutes = field_validator("starts_at", "ends_at")(lambda value: _to_the_minute(value))


class AppointmentRead(BaseModel):
    id: int
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    channel: str
    place: str
    notes: str
    contact_ids: list[int]
    contacts: list[str]  # their names, in the order of ``contact_ids``
    member_ids: list[int]
    members: list[str]
    interaction_id: int | None  # the interaction it was logged as
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    version: int

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)
