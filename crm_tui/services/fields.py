"""Custom field definitions (``crm_tui.fields``): defining or changing one converts the
values contacts hold already, and every value written after is checked against it.

Defining a field as a type converts each value it has on contacts (in the trash too) to
that type's canonical text, under the definition's spelling of its name ("budget" becomes
"Budget"), when every value fits; when one does not, the field is defined
as text and the report names those that do not fit, to mend before trying again: nothing
is half converted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlmodel import Session, col

from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.fields import FieldDef, check_definition, typed, with_defaults
from crm_tui.models import Contact, CustomField
from crm_tui.search import index as search
from crm_tui.services.common import chunked, utcnow
from crm_tui.text import fold
from crm_tui.vocabulary import FieldKind

MISFITS_SHOWN = 20  # a report names at most this many values that do not fit
_CHUNK = 1_000


@dataclass
class FieldReport:
    """What defining a field did to the values contacts hold."""

    definition: FieldDef
    values: int = 0  # contacts holding the field
    converted: int = 0  # values rewritten in the type's canonical text
    misfits: list[str] = field(default_factory=list)  # '#12 Sara: "about 5k" (why)', a few
    misfit_count: int = 0
    wanted: FieldKind = FieldKind.TEXT  # the type asked for

    @property
    def not_converted(self) -> bool:
        """Some values did not fit: none was converted, the field stays as it was (a new
        one: text)."""
        return self.misfit_count > 0

    def summary(self) -> str:
        """What the field is now and what became of its values, in one line."""
        field, wanted = self.definition, self.wanted.value
        if self.not_converted:
            return (
                f"{field.name} stays {field.described()}: {self.misfit_count:,} of "
                f"{self.values:,} values are not {wanted}, so none was converted"
            )
        return (
            f"{field.name} ({field.described()}): {self.values:,} values, "
            f"{self.converted:,} rewritten as {field.kind.value}"
        )


def _read(row: CustomField) -> FieldDef:
    return FieldDef(
        row.name, FieldKind(row.kind), tuple(row.choices), row.default_value, row.currency
    )


def field_defs(*, session: Session) -> dict[str, FieldDef]:
    """The defined fields by ``key`` (their names folded), typed or not."""
    return {fold(row.name): _read(row) for row in session.scalars(select(CustomField))}


def typed_fields(*, session: Session) -> dict[str, FieldDef]:
    """The fields whose values are checked (defined as anything but text)."""
    found = field_defs(session=session)
    return {key: one for key, one in found.items() if one.kind is not FieldKind.TEXT}


def list_fields(*, session: Session) -> list[FieldDef]:
    return sorted(field_defs(session=session).values(), key=lambda one: one.key)


def get_field(*, session: Session, name: str) -> FieldDef:
    found = field_defs(session=session).get(fold(name))
    if found is None:
        raise NotFoundError(f"no custom field {name.strip()!r} is defined (crm fields list)")
    return found


def checked_custom(
    *, session: Session, custom: Mapping[str, str], new: bool = False
) -> dict[str, str]:
    """``custom`` with each typed field's value canonical (refused, naming the field, when
    it does not fit); for a ``new`` contact, the defaults of the fields it lacks too."""
    defined = field_defs(session=session)
    values = typed(custom, defined)
    return with_defaults(values, defined) if new else values


def add_field(*, session: Session, definition: FieldDef) -> FieldReport:
    """Define a field (refused when one of that name is); converts the values held."""
    definition = check_definition(definition)
    if session.scalar(select(CustomField.id).where(CustomField.key == definition.key)):
        raise ValidationError(f"the field {definition.name!r} is defined already (crm fields edit)")
    now = utcnow()
    row = CustomField(name=definition.name, key=definition.key, created_at=now, updated_at=now)
    session.add(row)
    return _define(session, row, definition)


def edit_field(
    *,
    session: Session,
    name: str,
    kind: FieldKind | None = None,
    choices: tuple[str, ...] | None = None,
    default: str | None = None,
    currency: str | None = None,
) -> FieldReport:
    """Change a field's type, choices, default or currency; converts the values held."""
    row = session.scalar(select(CustomField).where(CustomField.key == fold(name)))
    if row is None:
        raise NotFoundError(f"no custom field {name.strip()!r} is defined (crm fields list)")
    was = _read(row)
    definition = FieldDef(
        was.name,
        kind or was.kind,
        was.choices if choices is None else choices,
        was.default if default is None else default,
        was.currency if currency is None else currency,
    )
    return _define(session, row, check_definition(definition), was=was)


def _define(
    session: Session, row: CustomField, definition: FieldDef, was: FieldDef | None = None
) -> FieldReport:
    """Save ``definition`` when every value fits it; else keep the field as it ``was`` (a new
    one as text), nothing converted."""
    report = _convert(session, definition)
    kept = definition if not report.not_converted else was or FieldDef(definition.name)
    row.kind, row.choices = kept.kind.value, list(kept.choices)
    row.default_value, row.currency = kept.default, kept.currency
    row.updated_at = utcnow()
    session.flush()
    report.definition = kept
    return report


def _convert(session: Session, definition: FieldDef) -> FieldReport:
    """Convert every value of the field on contacts, or none when one does not fit."""
    report = FieldReport(definition, wanted=definition.kind)
    changes: dict[int, dict[str, str]] = {}
    after = 0
    while True:
        rows = session.execute(
            select(Contact.id, Contact.name, Contact.custom)
            .where(col(Contact.id) > after)
            .order_by(Contact.id)
            .limit(_CHUNK)
            .with_for_update()  # nobody's edit lands between this read and the rewrite
        ).all()
        if not rows:
            break
        after = rows[-1].id
        for contact_id, name, custom in rows:
            _convert_one(definition, contact_id, name, custom or {}, report, changes)
    if report.misfit_count or not changes:
        return report
    for chunk in chunked(sorted(changes), 500):
        for contact_id in chunk:  # a value rewritten is a change: a form open on it is stale
            session.execute(
                update(Contact)
                .where(Contact.id == contact_id)
                .values(
                    custom=changes[contact_id], version=Contact.version + 1, updated_at=utcnow()
                )
            )
        search.index_contacts(session=session, ids=chunk)
    report.converted = len(changes)
    return report


def _convert_one(
    definition: FieldDef,
    contact_id: int,
    name: str,
    custom: dict[str, str],
    report: FieldReport,
    changes: dict[int, dict[str, str]],
) -> None:
    spellings = [key for key in custom if fold(key) == definition.key]
    if len(spellings) > 1:  # which of them is meant is the user's to say
        report.values += 1
        report.misfit_count += 1
        if len(report.misfits) < MISFITS_SHOWN:
            twice = " and ".join(repr(key) for key in spellings)
            report.misfits.append(
                f"#{contact_id} {name}: {definition.name} is held twice ({twice})"
            )
        return
    for key, value in custom.items():
        if fold(key) != definition.key:
            continue
        report.values += 1
        try:
            converted = definition.canonical(value)
        except ValidationError as error:
            report.misfit_count += 1
            if len(report.misfits) < MISFITS_SHOWN:
                report.misfits.append(f"#{contact_id} {name}: {error}")
            continue
        if converted != value or key != definition.name:  # one spelling: the definition's
            changed = changes.setdefault(contact_id, dict(custom))
            del changed[key]
            changed[definition.name] = converted
