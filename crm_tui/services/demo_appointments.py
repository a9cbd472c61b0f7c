"""The demo business's diary: meetings and calls in the two weeks behind and the three
ahead, in working hours, with its clients and the team (one member double-booked tomorrow,
as happens), so the agenda (``7``) has a week to show on first launch.

Drawn from their own seeded stream, like the deals: adding them changes nothing else.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from types import ModuleType

from sqlmodel import Session

from crm_tui.schemas import AppointmentCreate
from crm_tui.services.appointments import create_appointment

PER_WORKING_DAY = 2
_BEHIND, _AHEAD = 14, 21  # days


def write_appointments(
    *,
    session: Session,
    contacts: int,
    seed: int,
    today: date,
    member_ids: list[int],
    pool: ModuleType,
) -> int:
    """Book the demo's appointments; returns how many."""
    rng = random.Random(seed * 7919 + 2)
    count = 0
    for offset in range(-_BEHIND, _AHEAD + 1):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for _ in range(rng.randrange(PER_WORKING_DAY + 1)):
            hour = rng.choice((9, 10, 11, 14, 15, 16))
            count += _book(session, rng, day, hour, contacts, member_ids, pool, seed, count)
    tomorrow = today + timedelta(days=1 if today.weekday() < 4 else 7 - today.weekday())
    for minute in (0, 30):  # the first member is in two places at once
        count += _book(
            session, rng, tomorrow, 10, contacts, member_ids[:1], pool, seed, count, minute
        )
    return count


def _book(
    session: Session,
    rng: random.Random,
    day: date,
    hour: int,
    contacts: int,
    member_ids: list[int],
    pool: ModuleType,
    seed: int,
    made: int,
    minute: int = 0,
) -> int:
    starts = datetime.combine(day, time(hour, minute)).astimezone()
    minutes = rng.choice((30, 45, 60, 60, 90))
    data = AppointmentCreate.build(
        uid=f"demo-{seed}-{made + 1}@crm-tui",
        title=rng.choice(pool.APPOINTMENTS),
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        channel="call" if minutes == 30 else "meeting",
        place=rng.choice(pool.PLACES),
        contact_ids=[rng.randrange(1, contacts + 1)],
        member_ids=[rng.choice(member_ids)] if len(member_ids) > 1 else member_ids,
    )
    create_appointment(session=session, data=data)
    return 1
