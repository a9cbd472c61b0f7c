"""A record's fields as people read them, for ``crm … show`` and the app's detail panes.

Derived from the entity's declaration (``crm_tui.entities``): a field declared there is
listed here without another line of code. Values come back as plain text, unescaped: the
CLI and the app each make them safe for their terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crm_tui import display
from crm_tui.entities import CONTACT, DEAL, Entity, Field, Kind

if TYPE_CHECKING:
    from crm_tui.schemas import ContactRead, DealRead
    from crm_tui.services.timeline import OrganizationOverview

# In the heading (name and status) or below the fields (long text), not among them.
_ELSEWHERE = frozenset({Kind.NAME, Kind.STATUS, Kind.LONG_TEXT})


def contact_lines(contact: ContactRead) -> list[tuple[str, str]]:
    """(label, value) for each field of ``contact`` in the declaration's order ("" where it
    is blank), then when it was last contacted; name, status and notes are left to the
    caller's heading and foot."""
    lines = _record_lines(CONTACT, contact)
    lines.append(("Last contact", display.moment(contact.last_contacted_at)))  # "" for never
    return lines


def deal_lines(deal: DealRead) -> list[tuple[str, str]]:
    """(label, value) for each field of ``deal`` in the declaration's order ("" where it is
    blank); the title is the caller's heading, the currency goes with the value, the notes
    are the caller's foot."""
    return _record_lines(DEAL, deal)


def long_texts(record: Any, entity: Entity = CONTACT) -> list[tuple[str, str]]:
    """(label, text) of the fields of ``record`` that may run over several lines (notes)."""
    return [(f.label, getattr(record, f.name)) for f in entity.of_kind(Kind.LONG_TEXT)]


def _record_lines(entity: Entity, record: Any) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for field in entity.fields:
        if field.shown and field.kind not in _ELSEWHERE:
            lines += _lines(field, getattr(record, field.read_as), record)
    return lines


def _lines(field: Field, value: Any, record: Any) -> list[tuple[str, str]]:
    kind = field.kind
    if kind in _WITH_RECORD:
        return [(field.label, _WITH_RECORD[kind](field, value, record) if value else "")]
    if kind is Kind.LABELED:
        return [(f"{field.label} {item.label}".strip(), item.value) for item in value]
    if kind is Kind.CUSTOM:
        return list(value.items())
    if kind is Kind.TAGS:
        return [(field.label, ", ".join(value))]
    if kind is Kind.DATE:
        return [(field.label, display.birthday(value))]
    if kind is Kind.WHOLE and value is not None:
        return [(field.label, f"{display.number(value)} {field.unit}".strip())]
    if kind is Kind.PERCENT and value is not None:
        return [(field.label, f"{display.number(value)}%")]
    if kind is Kind.MOMENT:
        return [(field.label, display.moment(value))]
    return [(field.label, str(value or ""))]


def _amount(field: Field, value: int, record: Any) -> str:
    return display.amount(value, record.currency)


def _contact(field: Field, value: int, record: Any) -> str:
    """Another contact by id; a record's own contact (a deal's) by its name too."""
    name = getattr(record, "contact_name", None) if field.name == "contact_id" else None
    return f"{name} ({display.ident(value)})" if name else display.ident(value)


# The kinds whose value reads with another of the record's (an amount with its currency).
_WITH_RECORD: dict[Kind, Callable[[Field, Any, Any], str]] = {
    Kind.MONEY: _amount,
    Kind.CONTACT: _contact,
}


def organization_lines(overview: OrganizationOverview) -> list[str]:
    """An organization's numbers, a line each: its people, then its open and its won deals
    (count and value per currency; amounts in two currencies are never added)."""
    from crm_tui.text import plural

    lines = [plural(overview.people, "person", "people")]
    for label, deals in (("Open deals", overview.open_deals), ("Won", overview.won_deals)):
        if deals:
            amounts = "; ".join(
                f"{plural(count, 'deal')}, {display.amount(total, currency)}"
                for currency, (count, total) in deals.items()
            )
            lines.append(f"{label}: {amounts}")
    return lines
