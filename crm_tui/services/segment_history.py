"""The keys of a rule that ask about a contact's history rather than its own fields: its
interactions (how many, the last one's sentiment) and its deals (stage, open and won value,
the last one won): the recency, frequency and value questions. Each is a correlated
subquery on ``contact``, so a rule stays one condition of the contact list's query.

- ``won``: how many deals it won (``won:>=2``);
- ``sentiment``: the sentiment of the last interaction (positive, neutral, negative;
  ``""``: none said);
- ``interactions``: how many (``interactions:>=3``); ``interactions_90d`` (any number of
  d, w, m or y): how many in that long before now;
- ``stage``: has a deal (open or closed) in a stage of that name (``!=``: has none);
- ``open_value``, ``won_value``: what its open deals, or those it won, add up to in one
  currency, written after the amount (``open_value:>5000EUR``; none written: EUR). Amounts
  in different currencies are never added together;
- ``last_won``: when it last won a deal, as ``last_contacted`` is compared (``>180d``: longer
  ago, or never).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, not_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from crm_tui.errors import ValidationError
from crm_tui.models import Contact, Deal, DealStage, Interaction, InteractionContact
from crm_tui.rules import RuleError, Term
from crm_tui.vocabulary import DEFAULT_CURRENCY, Outcome, Sentiment

AGE = re.compile(r"^(\d{1,5})\s*([dwmy])$")
AGE_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_PERIOD = re.compile(r"^interactions_(\d{1,5}[dwmy])$")
# "5000EUR", "1.2kEUR", "1,000 IRR": an amount, then a currency code.
_MONEY = re.compile(r"^(?P<amount>.*[\d\skmbKMB])(?P<currency>[A-Za-z]{3})$")

Compare = Callable[[Any, str, Any], ColumnElement[bool]]
Text = Callable[[Any, Term], ColumnElement[bool]]


def age(text: str) -> timedelta | None:
    """ "90d", "2w", "6m", "1y" as a length of time; None when it is not one."""
    found = AGE.match(text.lower())
    return timedelta(days=int(found.group(1)) * AGE_DAYS[found.group(2)]) if found else None


def is_history_key(key: str) -> bool:
    return key in _KEYS or _PERIOD.match(key) is not None


def history_condition(
    term: Term, *, now: datetime, compare: Compare, text: Text
) -> ColumnElement[bool] | Any:
    """The condition the history key of ``term`` says (``last_won`` gives back the moment
    to compare, which the caller compares as it does ``last_contacted``)."""
    key = term.key.lower()
    if key == "sentiment":
        if term.value and term.value.lower() not in set(Sentiment):
            raise RuleError(f"sentiment:{term.value}? one of {', '.join(Sentiment)}")
        return text(_last_sentiment(), term)
    if key == "stage":
        return _stage(term)
    if key in ("open_value", "won_value"):
        outcome = Outcome.OPEN if key == "open_value" else Outcome.WON
        total, minor = _value(term, outcome)
        return compare(total, term.op, minor)
    if key == "last_won":
        return _last_won()
    if key == "won":
        return compare(_won_count(), term.op, _count(term))
    return compare(_interactions(term, now), term.op, _count(term))


_KEYS = {"won", "sentiment", "interactions", "stage", "open_value", "won_value", "last_won"}


def _last_sentiment() -> Any:
    return (
        select(Interaction.sentiment)
        .join(InteractionContact, InteractionContact.interaction_id == Interaction.id)
        .where(InteractionContact.contact_id == Contact.id, col(Interaction.deleted_at).is_(None))
        .order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
        .limit(1)
        .scalar_subquery()
    )


def _count(term: Term) -> int:
    if not term.value.isdigit() or term.op == "~" or len(term.value) > 9:
        raise RuleError(f"{term.key}:{term.op}{term.value}? write a number, e.g. {term.key}:>=3")
    return int(term.value)


def _interactions(term: Term, now: datetime) -> Any:
    conditions = [
        InteractionContact.contact_id == Contact.id,
        col(Interaction.deleted_at).is_(None),
    ]
    period = _PERIOD.match(term.key.lower())
    if period:
        length = age(period.group(1))
        assert length is not None
        conditions.append(col(Interaction.occurred_at) >= now - length)
    return (
        select(func.count())
        .select_from(InteractionContact)
        .join(Interaction, Interaction.id == InteractionContact.interaction_id)
        .where(*conditions)
        .scalar_subquery()
    )


def _stage(term: Term) -> ColumnElement[bool]:
    if term.op not in ("=", "!=") or not term.value:
        raise RuleError(f"stage:{term.op}{term.value}? name a stage, e.g. stage:proposal")
    has = exists(
        select(Deal.id)
        .join(DealStage, DealStage.id == Deal.stage_id)
        .where(
            Deal.contact_id == Contact.id,
            col(Deal.deleted_at).is_(None),
            func.lower(DealStage.name) == term.value.lower(),
        )
    )
    return not_(has) if term.op == "!=" else has


def _value(term: Term, outcome: Outcome) -> tuple[Any, int]:
    from crm_tui.money import parse_amount

    if term.op == "~":
        raise RuleError(f"{term.key}:~{term.value}: an amount is compared with = != > >= < <=")
    found = _MONEY.match(term.value.strip())
    typed, currency = (found["amount"], found["currency"]) if found else (term.value, "")
    try:
        amount = parse_amount(typed, currency or DEFAULT_CURRENCY)
    except ValidationError as error:
        raise RuleError(f"{term.key}:{term.op}{term.value}: {error}") from None
    total = _deals(func.coalesce(func.sum(Deal.value_minor), 0), outcome)
    return total.where(Deal.currency == amount.currency).scalar_subquery(), amount.minor


def _deals(what: Any, outcome: Outcome) -> Any:
    """``what`` of the contact's live deals of ``outcome`` (a query to narrow further)."""
    return (
        select(what)
        .select_from(Deal)
        .join(DealStage, DealStage.id == Deal.stage_id)
        .where(
            Deal.contact_id == Contact.id,
            col(Deal.deleted_at).is_(None),
            DealStage.outcome == outcome.value,
        )
    )


def _won_count() -> Any:
    return _deals(func.count(), Outcome.WON).scalar_subquery()


def _last_won() -> Any:
    return _deals(func.max(Deal.closed_at), Outcome.WON).scalar_subquery()
