"""A record's fields as people read them, for ``crm … show`` and the app's detail panes.

Derived from the entity's declaration (``crm_tui.entities``): a field declared there is
listed here without another line of code. Values come back as plain text, unescaped: the
CLI and the app each make them safe for their terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crm_tui import display
from crm_tui.entities import CONTACT, Field, Kind

if TYPE_CHECKING:
    from crm_tui.schemas import ContactRead
    from crm_tui.services.timeline import OrganizationOverview

# In the heading (name and status) or below the fields (long text), not among them.
_ELSEWHERE = frozenset({Kind.NAME, Kind.STATUS, Kind.LONG_TEXT})


def contact_lines(contact: ContactRead) -> list[tuple[str, str]]:
    """(label, value) for each field of ``contact`` in the declaration's order ("" where it
    is blank), then when it was last contacted; name, status and notes are left to the
    caller's heading and foot."""
    lines: list[tuple[str, str]] = []
    for field in CONTACT.fields:
        if field.shown and field.kind not in _ELSEWHERE:
            lines += _lines(field, getattr(contact, field.read_as))
    lines.append(("Last contact", display.moment(contact.last_contacted_at)))  # "" for never
    return lines


def long_texts(contact: ContactRead) -> list[tuple[str, str]]:
    """(label, text) of the fields that may run over several lines (notes)."""
    return [(f.label, getattr(contact, f.name)) for f in CONTACT.of_kind(Kind.LONG_TEXT)]


def _lines(field: Field, value: Any) -> list[tuple[str, str]]:
    kind = field.kind
    if kind is Kind.LABELED:
        return [(f"{field.label} {item.label}".strip(), item.value) for item in value]
    if kind is Kind.CUSTOM:
        return list(value.items())
    if kind is Kind.TAGS:
        return [(field.label, ", ".join(value))]
    if kind is Kind.DATE:
        return [(field.label, display.birthday(value))]
    if kind is Kind.CONTACT:
        return [(field.label, display.ident(value) if value else "")]
    if kind is Kind.WHOLE and value is not None:
        return [(field.label, f"{display.number(value)} {field.unit}".strip())]
    return [(field.label, str(value or ""))]


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
