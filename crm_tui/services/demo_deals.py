"""The demo business's year of selling: deals in every stage of the default pipeline, won
and lost with reasons, in two currencies, owned by the team, each with the stage history a
real one would have (so time in a stage, the sales cycle and the win rate tell a story).

Drawn from their own seeded stream: adding deals changes none of the contacts a seed makes.
Written in bulk with explicit ids, like the demo's contacts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from crm_tui.models import Contact, Deal, DealStageChange, DealTag, LostReason
from crm_tui.services.common import bulk_insert, reset_id_sequences
from crm_tui.services.deals import StageRead, stages
from crm_tui.text import sort_key
from crm_tui.vocabulary import Outcome

CONTACTS_PER_DEAL = 4
VIP_TAG = 1  # the id of the demo's first tag
MIN_DEALS = 48
# Whole major units a deal is worth, by currency (IRR deals are large numbers of rials).
_VALUES = {"EUR": (800, 60_000, 50), "IRR": (200_000_000, 30_000_000_000, 10_000_000)}
_LOSE_AT_EACH_STAGE = 0.15
_DWELL_DAYS = (4, 60)


@dataclass
class _Path:
    """The stages a deal went through, with when it entered each."""

    moves: list[tuple[StageRead, datetime]] = field(default_factory=list)
    closed_at: datetime | None = None


def write_deals(
    *,
    session: Session,
    contacts: int,
    seed: int,
    now: datetime,
    member_ids: list[int],
    pool: ModuleType,
) -> int:
    """One deal per ``CONTACTS_PER_DEAL`` contacts (at least ``MIN_DEALS``); returns how many."""
    rng = random.Random(seed * 7919 + 1)
    pipeline = stages(session=session)
    open_stages = [s for s in pipeline if s.outcome == Outcome.OPEN]
    won = next(s for s in pipeline if s.outcome == Outcome.WON)
    lost = next(s for s in pipeline if s.outcome == Outcome.LOST)
    reasons = list(session.scalars(select(LostReason.id).order_by(LostReason.id)))
    organizations: dict[int, int | None] = dict(
        session.execute(select(Contact.id, Contact.organization_id).order_by(Contact.id)).all()
    )
    people = sorted(organizations)[:contacts]  # not the duplicates at the end
    count = max(MIN_DEALS, contacts // CONTACTS_PER_DEAL)
    deals: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    currencies, weights = zip(*pool.CURRENCIES.items(), strict=True)
    for deal_id in range(1, count + 1):
        # More deals are recent than old: a business that grows, and a full pipeline today.
        created = _working_hours(rng, now - timedelta(days=int(365 * rng.random() ** 1.4)), now)
        if deal_id <= len(open_stages):  # one recent deal sits in each open stage
            path = _sitting(now, open_stages[:deal_id])
            created = path.moves[0][1]
        else:
            path = _walk(rng, created, now, open_stages, won, lost)
        stage, entered = path.moves[-1]
        owner = rng.choice(member_ids)
        contact_id = rng.choice(people)
        currency = rng.choices(currencies, weights=weights)[0]
        title = rng.choice(pool.DEALS)
        deals.append(
            {
                "id": deal_id,
                "title": title,
                "sort_title": sort_key(title),
                "contact_id": contact_id,
                "organization_id": organizations[contact_id],
                "value_minor": _value(rng, currency),
                "currency": currency,
                "pipeline_id": stage.pipeline_id,
                "stage_id": stage.id,
                "probability": None,
                "expected_close": _expected_close(rng, path, now),
                "owner_id": owner,
                "source": rng.choice(pool.SOURCES) if rng.random() < 0.7 else "",
                "notes": "",
                "custom": {},
                "stage_entered_at": entered,
                "closed_at": path.closed_at,
                "lost_reason_id": rng.choice(reasons) if stage.outcome == Outcome.LOST else None,
                "version": 1,
                "created_at": created,
                "updated_at": entered,
                "created_by_id": owner,
                "updated_by_id": owner,
                "deleted_at": None,
            }
        )
        before: int | None = None
        since: datetime | None = None  # when the stage left was entered
        for moved, when in path.moves:
            changes.append(
                {
                    "id": len(changes) + 1,
                    "deal_id": deal_id,
                    "from_stage_id": before,
                    "to_stage_id": moved.id,
                    "changed_at": when,
                    "from_entered_at": since,
                    "actor_id": owner,
                }
            )
            before, since = moved.id, when
    bulk_insert(session=session, model=Deal, rows=deals)
    # Every fifth deal carries the first of the demo's tags ("vip"): the pipeline's tag
    # filter has something to find.
    tagged = [{"deal_id": i, "tag_id": VIP_TAG} for i in range(5, count + 1, 5)]
    bulk_insert(session=session, model=DealTag, rows=tagged)
    bulk_insert(session=session, model=DealStageChange, rows=changes)
    reset_id_sequences(session=session, tables=("deal", "deal_stage_change"))
    return count


def _walk(
    rng: random.Random,
    created: datetime,
    now: datetime,
    open_stages: list[StageRead],
    won: StageRead,
    lost: StageRead,
) -> _Path:
    """Stage by stage from the first: each stage is left after a few days (lost on the way
    now and then, won after the last open one) unless that would be after ``now``."""
    path = _Path([(open_stages[0], created)])
    when, index = created, 0
    while True:
        when = _working_hours(rng, when + timedelta(days=rng.randrange(*_DWELL_DAYS)), now)
        if when >= now:
            return path
        if rng.random() < _LOSE_AT_EACH_STAGE:
            path.moves.append((lost, when))
        elif index == len(open_stages) - 1:
            path.moves.append((won, when))
        else:
            index += 1
            path.moves.append((open_stages[index], when))
            continue
        path.closed_at = when
        return path


def _sitting(now: datetime, passed: list[StageRead]) -> _Path:
    """A deal that went through ``passed`` a week each and sits in the last of them."""
    start = now - timedelta(days=7 * len(passed))
    return _Path([(stage, start + timedelta(days=7 * i)) for i, stage in enumerate(passed)])


def _working_hours(rng: random.Random, moment: datetime, now: datetime) -> datetime:
    """``moment``'s day between 08:00 and 18:00 UTC, never after ``now``."""
    return min(moment.replace(hour=rng.randrange(8, 18), minute=rng.randrange(0, 60)), now)


def _value(rng: random.Random, currency: str) -> int:
    low, high, step = _VALUES[currency]
    # Most deals are small, a few are large: a value drawn on a log scale.
    major = int(low * (high / low) ** (rng.random() ** 1.6)) // step * step
    return max(major, low) * 10 ** _decimals(currency)


def _decimals(currency: str) -> int:
    from crm_tui.money import decimals

    return decimals(currency)


def _expected_close(rng: random.Random, path: _Path, now: datetime) -> date:
    if path.closed_at is not None:
        return path.closed_at.date()
    today = now.date()
    if rng.random() < 0.12:  # a few slip past their date: overdue on the board
        return today - timedelta(days=rng.randrange(1, 20))
    return today + timedelta(days=rng.randrange(0, 120))
