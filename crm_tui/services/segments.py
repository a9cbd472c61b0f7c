"""Segments: named rules over contacts (``crm_tui.rules``), and what each key of a rule
means in SQL.

A rule becomes one condition on the contact table, so a segment pages and counts as the
contact list does (``ContactQuery.rule``). The keys:

- ``status``, ``source``, ``name``, ``org`` (or ``organization``): text, compared ignoring
  case (``=``, ``!=``; ``~`` contains; ``""`` empty);
- ``tag``: has the tag (``!=``: has not);
- ``owner``: a team member (by name, username or initials; ``""``: nobody);
- ``created``, ``last_contacted``: a day (``>2026-01-01`` after it, ``<=`` up to it, ``=`` on
  it) or an age (``>90d``: longer ago than 90 days, never contacted included; ``<2w``:
  within two weeks; d, w, m = 30 days, y = 365 days);
- ``complaint``: ``open`` (has an open complaint) or ``any`` (has had one);
- ``won``, ``sentiment``, ``interactions``, ``stage``, ``open_value``, ``won_value``,
  ``last_won``: its deals and interactions (``crm_tui.services.segment_history``);
- ``custom.NAME``, or any other key: the custom field of that name (text as above; ``<``,
  ``>`` compare numbers, a value that is not one never matches).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, cast, exists, false, func, not_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from crm_tui import rules
from crm_tui.dates import DateError, local_day_start, parse_day
from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.fields import FieldDef
from crm_tui.models import (
    Contact,
    ContactTag,
    Interaction,
    InteractionContact,
    Segment,
)
from crm_tui.rules import Rule, RuleError, Term
from crm_tui.services.common import utcnow
from crm_tui.services.segment_history import age, history_condition, is_history_key
from crm_tui.text import clean_line, fold, sort_key
from crm_tui.vocabulary import ContactStatus, FieldKind

_TEXT_KEYS = {"status", "source", "name", "org", "organization"}
# Names compared by their stored keys (folded, marks dropped), as lists sort and search finds.
_FOLDED = {"name": Contact.sort_name, "org": Contact.sort_org, "organization": Contact.sort_org}
_DATE_KEYS = {"created": Contact.created_at, "last_contacted": Contact.last_contacted_at}


def condition(
    *, session: Session, rule: str, now: datetime | None = None, probing: bool = False
) -> ColumnElement[bool]:
    """The SQL condition on ``contact`` that the rule ``rule`` says.

    ``probing``: for a page read in the list's order, a tag is looked up for each row read
    (a page stops after a few rows); else (a count, every id) a tag's contacts are read
    once, as a set, however many contacts are read."""
    return _Compiler(session, now or utcnow(), probing).rule(rules.parse(rule))


def misspelt_keys(*, session: Session, rule: str) -> list[tuple[str, str]]:
    """The custom field names of ``rule`` that are no defined field and no contact's, each
    with the one in use that differs from it only in case ((``city``, ``City``)): a free
    field is matched as written, so such a rule silently matches nobody. Reads every
    contact's fields: for a hint once a rule has matched nobody."""
    compiler = _Compiler(session, utcnow())
    compiler.rule(rules.parse(rule))
    if not compiler.free:
        return []
    from crm_tui.services.exports import custom_keys

    in_use = custom_keys(session=session)
    by_fold = {fold(key): key for key in in_use}
    return [
        (key, by_fold[fold(key)])
        for key in dict.fromkeys(compiler.free)
        if key not in in_use and fold(key) in by_fold
    ]


class _Compiler:
    def __init__(self, session: Session, now: datetime, probing: bool = False) -> None:
        self.session, self.now, self.probing = session, now, probing
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.fields: dict[str, FieldDef] | None = None  # the defined custom fields, when asked
        self.free: list[str] = []  # the names of free (undefined) custom fields compared

    def rule(self, rule: Rule) -> ColumnElement[bool]:
        if isinstance(rule, rules.Not):
            # SQL's NOT of an unknown (a NULL compared) is unknown, where a rule means "not
            # so": never contacted is NOT contacted in the last 30 days.
            return not_(func.coalesce(self.rule(rule.rule), false()))
        if isinstance(rule, rules.All):
            return and_(*(self.rule(r) for r in rule.rules))
        if isinstance(rule, rules.Any_):
            return or_(*(self.rule(r) for r in rule.rules))
        return self.term(rule)

    def term(self, term: Term) -> ColumnElement[bool]:
        key = term.key.lower()
        if key.startswith("custom.") and len(key) > len("custom."):  # never a key of ours
            return self._custom(Term(term.key[len("custom.") :], term.op, term.value))
        if key == "tag":
            return self._tag(term)
        if key == "owner":
            return self._owner(term)
        if key in _DATE_KEYS:
            return self._moment(col(_DATE_KEYS[key]), term, never=key == "last_contacted")
        if is_history_key(key):
            found = history_condition(term, now=self.now, compare=_compare, text=_text)
            return self._moment(found, term, never=True) if key == "last_won" else found
        if key == "complaint":
            return self._complaint(term)
        if key in _TEXT_KEYS:
            if key in _FOLDED:  # as a search finds them: "chloe" is Chloé, "muller" Müller
                folded = Term(term.key, term.op, sort_key(term.value))
                return _text(col(_FOLDED[key]), folded)
            column = {"status": Contact.status, "source": Contact.source}[key]
            if key == "status" and term.op in ("=", "!=") and term.value:
                return self._status(term)
            return _text(col(column), term)
        return self._custom(term)

    @staticmethod
    def _status(term: Term) -> ColumnElement[bool]:
        known = [status.value for status in ContactStatus]
        value = term.value.lower()
        if value not in known:
            raise RuleError(f"no status {term.value!r} (one of {', '.join(known)})")
        # Stored statuses are these words as written here: compared as stored, the live
        # contacts' status index reads a status's contacts in the list's order.
        same = col(Contact.status) == value
        return not_(same) if term.op == "!=" else same

    def _tag(self, term: Term) -> ColumnElement[bool]:
        from crm_tui.services.tags import tag_id

        _only(term, "=", "!=")
        found = tag_id(session=self.session, name=term.value)
        tagged = select(ContactTag.contact_id).where(ContactTag.tag_id == found)
        has: ColumnElement[bool]
        if found is None:
            has = false()
        elif self.probing:
            has = exists(tagged.where(ContactTag.contact_id == Contact.id))
        else:
            has = col(Contact.id).in_(tagged)
        return not_(has) if term.op == "!=" else has

    def _owner(self, term: Term) -> ColumnElement[bool]:
        from crm_tui.services.team import find_member

        _only(term, "=", "!=")
        if not term.value:
            nobody = col(Contact.owner_id).is_(None)
            return not_(nobody) if term.op == "!=" else nobody
        member = find_member(session=self.session, ref=term.value).id
        owned = col(Contact.owner_id) == member
        return or_(col(Contact.owner_id).is_(None), not_(owned)) if term.op == "!=" else owned

    def _moment(self, moment: Any, term: Term, *, never: bool) -> ColumnElement[bool]:
        if term.value.lower() == "never" or term.value == "":
            _only(term, "=", "!=")
            return moment.is_not(None) if term.op == "!=" else moment.is_(None)
        length = age(term.value)
        if length is not None:
            _only(term, ">", "<", ">=", "<=")
            cutoff = self.now - length
            if term.op in (">", ">="):  # longer ago than that (never included)
                older = moment < cutoff if term.op == ">" else moment <= cutoff
                return or_(older, moment.is_(None)) if never else older
            return moment > cutoff if term.op == "<" else moment >= cutoff
        if term.op == "~":
            raise RuleError(f"{term.key}:~{term.value}: a day is compared with = != > >= < <=")
        start = local_day_start(_day(term))
        end = local_day_start(_day(term) + timedelta(days=1))
        return {
            "=": and_(moment >= start, moment < end),
            "!=": or_(moment < start, moment >= end, moment.is_(None)),
            ">": moment >= end,
            ">=": moment >= start,
            "<": moment < start,
            "<=": moment < end,
        }[term.op]

    def _complaint(self, term: Term) -> ColumnElement[bool]:
        _only(term, "=")
        value = term.value.lower()
        if value not in ("open", "any"):
            raise RuleError(f"complaint:{term.value}? write complaint:open or complaint:any")
        conditions = [
            InteractionContact.contact_id == Contact.id,
            col(Interaction.deleted_at).is_(None),
            col(Interaction.complaint) == true(),
        ]
        if value == "open":
            conditions.append(col(Interaction.resolved_at).is_(None))
        return exists(
            select(InteractionContact.interaction_id)
            .join(Interaction, Interaction.id == InteractionContact.interaction_id)
            .where(*conditions)
        )

    def _custom(self, term: Term) -> ColumnElement[bool]:
        # SQLite before 3.45 finds a key in JSON text only as the text writes it, and JSON is
        # stored with \u escapes: "شهر" is found as "\u0634\u0647\u0631" (later versions
        # read the escapes on both sides, so this finds it there too).
        definition = self._fields().get(fold(term.key))
        name = definition.name if definition else term.key  # a typed field: one spelling
        if definition is None:
            self.free.append(name)
        key = name if self.postgres else json.dumps(name)[1:-1]
        value = col(Contact.custom)[key].as_string()
        if definition is not None and definition.kind is not FieldKind.TEXT and term.value:
            return self._typed(value, definition, term)
        if term.op in ("<", ">", "<=", ">="):
            try:
                number = float(term.value.replace(",", ""))
            except ValueError:
                raise RuleError(
                    f"{term.key}:{term.op}{term.value}: compare with a number"
                ) from None
            return _compare(self._number(value), term.op, number)
        return _text(value, term)

    def _fields(self) -> dict[str, FieldDef]:
        if self.fields is None:
            from crm_tui.services.fields import field_defs

            self.fields = field_defs(session=self.session)
        return self.fields

    def _typed(self, value: Any, definition: FieldDef, term: Term) -> ColumnElement[bool]:
        """A typed field's value compared as its type: numbers and money as numbers, days
        as days (ISO text sorts as the day), a choice or yes-no as its canonical text;
        ``low..high`` is between them, both included."""
        if term.op == "~" or definition.kind in (FieldKind.CHOICE, FieldKind.YES_NO):
            if term.op in ("=", "!="):
                term = Term(term.key, term.op, _canonical(definition, term, term.value))
            return _text(value, term)
        low, dots, high = term.value.partition("..")
        if dots:
            _only(term, "=")
            return and_(
                self._ordered(value, definition, ">=", _canonical(definition, term, low)),
                self._ordered(value, definition, "<=", _canonical(definition, term, high)),
            )
        found = self._ordered(value, definition, term.op, _canonical(definition, term, term.value))
        return or_(value.is_(None), found) if term.op == "!=" else found

    def _ordered(self, value: Any, definition: FieldDef, op: str, wanted: str) -> Any:
        if definition.kind is FieldKind.DATE:  # ISO days, compared character by character
            return _compare(value.collate("C") if self.postgres else value, op, wanted)
        return _compare(self._number(value), op, float(wanted))

    def _number(self, value: Any) -> Any:
        """A custom value as a number where it is one (else NULL, which matches nothing)."""
        if self.postgres:
            numeric = value.op("~")(r"^\s*-?[0-9]+(\.[0-9]+)?\s*$")
        else:  # digits, a point and a minus only (CAST would read "12abc" as 12)
            numeric = and_(value.op("GLOB")("*[0-9]*"), value.op("NOT GLOB")("*[^0-9.-]*"))
        return case((numeric, cast(value, Float)), else_=None)


def _canonical(definition: FieldDef, term: Term, typed: str) -> str:
    try:
        found = definition.canonical(typed)
    except ValidationError as error:
        raise RuleError(f"{term.key}:{term.op}{term.value}: {error}") from None
    if not found:
        raise RuleError(f"{term.key}:{term.op}{term.value}: a value is missing")
    return found


def _compare(left: Any, op: str, right: Any) -> ColumnElement[bool]:
    return {
        "=": left == right,
        "!=": left != right,
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
    }[op]


def _text(column: Any, term: Term) -> ColumnElement[bool]:
    if term.op not in ("=", "!=", "~"):
        raise RuleError(f"{term.key}:{term.op}{term.value}: text is compared with =, != or ~")
    if term.value == "":
        empty = or_(column.is_(None), column == "")
        return not_(empty) if term.op == "!=" else empty
    lowered = func.lower(column)
    wanted = term.value.lower()
    if term.op == "~":
        return lowered.contains(wanted, autoescape=True)
    same = lowered == wanted
    return or_(column.is_(None), not_(same)) if term.op == "!=" else same


def _only(term: Term, *ops: str) -> None:
    if term.op not in ops:
        raise RuleError(f"{term.key}:{term.op}{term.value}: {term.key} takes {' '.join(ops)}")


def _day(term: Term) -> date:
    try:
        return parse_day(term.value)
    except DateError as error:
        raise RuleError(f"{term.key}:{term.op}{term.value}: {error}") from None


# -- saved segments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentRead:
    id: int
    name: str
    rule: str
    created_at: datetime
    updated_at: datetime
    touch_every: int | None = None


def _read(row: Segment) -> SegmentRead:
    assert row.id is not None
    return SegmentRead(row.id, row.name, row.rule, row.created_at, row.updated_at, row.touch_every)


def _checked(session: Session, name: str, rule: str) -> tuple[str, str]:
    name = clean_line(name).strip()
    if not name:
        raise ValidationError("a segment needs a name", field="name")
    condition(session=session, rule=rule)  # refused here, with its reason, if unreadable
    return name, rules.text(rules.parse(rule))


def _by_name(session: Session, name: str) -> Segment | None:
    key = sort_key(name)
    for row in session.scalars(select(Segment)):
        if sort_key(row.name) == key:
            return row
    return None


def add_segment(*, session: Session, name: str, rule: str) -> SegmentRead:
    name, rule = _checked(session, name, rule)
    if (same := _by_name(session, name)) is not None:
        raise ValidationError(f"there is a segment {same.name!r} already", field="name")
    now = utcnow()
    row = Segment(name=name, rule=rule, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return _read(row)


def edit_segment(
    *, session: Session, name: str, new_name: str | None = None, rule: str | None = None
) -> SegmentRead:
    row = _by_name(session, name)
    if row is None:
        raise NotFoundError(f"no segment {name!r}")
    new_name, rule = _checked(session, new_name or row.name, rule if rule is not None else row.rule)
    other = _by_name(session, new_name)
    if other is not None and other.id != row.id:
        raise ValidationError(f"there is a segment {other.name!r} already", field="name")
    row.name, row.rule, row.updated_at = new_name, rule, utcnow()
    session.flush()
    return _read(row)


def set_segment_rhythm(*, session: Session, name: str, days: int | None) -> SegmentRead:
    """Keep in touch with the segment's contacts every ``days`` (None: no rhythm)."""
    from crm_tui.validation import MAX_TOUCH_DAYS

    if days is not None and not 1 <= days <= MAX_TOUCH_DAYS:
        raise ValidationError(f"keep in touch every 1 to {MAX_TOUCH_DAYS} days, not {days}")
    row = _by_name(session, name)
    if row is None:
        raise NotFoundError(f"no segment {name!r}")
    row.touch_every, row.updated_at = days, utcnow()
    session.flush()
    return _read(row)


def delete_segment(*, session: Session, name: str) -> None:
    row = _by_name(session, name)
    if row is None:
        raise NotFoundError(f"no segment {name!r}")
    session.delete(row)
    session.flush()


def get_segment(*, session: Session, name: str) -> SegmentRead:
    row = _by_name(session, name)
    if row is None:
        raise NotFoundError(f"no segment {name!r}")
    return _read(row)


def list_segments(*, session: Session) -> list[SegmentRead]:
    rows = session.scalars(select(Segment))
    return sorted((_read(row) for row in rows), key=lambda one: sort_key(one.name))
