"""The rollups of the dashboard's figures (``crm_tui.rollups``): a period split into whole
UTC days and part-days; the triggers keeping the rollups equal to what the rows count
through every kind of write, on both databases; a period's figures from them equal to
the figures counted from the rows, in a zone whose midnight is not UTC's."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, text, update
from sqlmodel import Session, col

from crm_tui.models import Deal, DealStageChange, Interaction, LostReason, TeamMember
from crm_tui.rollups import read
from crm_tui.rollups.read import check, split
from crm_tui.rollups.tables import ClosedDealDay, InteractionDay
from crm_tui.schemas import DealCreate, DealUpdate, InteractionCreate, InteractionUpdate
from crm_tui.services import dashboard, deals, reports, team
from crm_tui.services.common import set_deleted
from crm_tui.services.doctor import check_database
from crm_tui.services.interactions import (
    create_interaction,
    delete_interactions,
    restore_interactions,
    update_interaction,
)
from crm_tui.services.reports import Period
from tests.conftest import add_contact

TEHRAN = timezone(timedelta(hours=3, minutes=30))


def _at(text: str, zone: timezone = UTC) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def test_a_period_is_its_whole_utc_days_and_the_part_days_around_them() -> None:
    year = split(_at("2026-01-01"), _at("2027-01-01"))
    assert year.days == (date(2026, 1, 1), date(2026, 12, 31)) and year.edges == ()
    tehran = split(_at("2026-01-01", TEHRAN), _at("2027-01-01", TEHRAN))
    assert tehran.days == (date(2026, 1, 1), date(2026, 12, 30))
    assert tehran.edges == (
        (_at("2025-12-31 20:30"), _at("2026-01-01")),
        (_at("2026-12-31"), _at("2026-12-31 20:30")),
    )
    inside = split(_at("2026-05-01 10:00"), _at("2026-05-01 12:00"))
    assert inside.days is None and inside.edges == ((inside.edges[0][0], _at("2026-05-01 12:00")),)
    assert split(_at("2026-05-01"), _at("2026-05-01")).edges == ()
    over_midnight = split(_at("2026-05-01 22:00"), _at("2026-05-02 02:00"))
    assert over_midnight.days is None and len(over_midnight.edges) == 1


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@given(moments, moments)
def test_the_days_and_part_days_cover_the_span_once(one: datetime, other: datetime) -> None:
    start, end = min(one, other), max(one, other)
    part = split(start, end)
    pieces = list(part.edges)
    if part.days is not None:
        first, last = part.days
        pieces.append((datetime(first.year, first.month, first.day, tzinfo=UTC), _day_after(last)))
    pieces.sort()
    covered = start
    for low, high in pieces:
        assert low == covered and low < high
        covered = high
    assert covered == end
    for low, high in part.edges:  # a part-day, or two with no whole day between them
        assert high - low < timedelta(days=2)


def _day_after(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


def _world(session: Session) -> dict[str, list[int]]:
    owners = [team.add_member(session=session, name=name).id for name in ("Sara", "Reza")]
    contact = add_contact(session, "Nima Karimi")
    open_stages = [stage.id for stage in deals.stages(session=session) if stage.outcome == "open"]
    return {"owners": owners, "contacts": [contact], "stages": open_stages}


def _writes(session: Session, world: dict[str, list[int]], rng: random.Random) -> list[Callable]:
    """Each kind of write the rollups must follow, on a record chosen by ``rng``."""

    def live_deals() -> list[int]:
        return list(session.scalars(select(Deal.id).where(col(Deal.deleted_at).is_(None))))

    def some(ids: list[int]) -> int | None:
        return rng.choice(ids) if ids else None

    def moment() -> datetime:
        return _at("2025-06-01") + timedelta(minutes=rng.randrange(0, 60 * 24 * 520))

    def new_deal() -> None:
        deals.create_deal(
            session=session,
            data=DealCreate.build(
                title=f"Deal {rng.random():.5f}",
                currency=rng.choice(["EUR", "IRR"]),
                value_minor=rng.randrange(0, 10**12),
                owner_id=rng.choice([None, *world["owners"]]),
                contact_id=world["contacts"][0],
            ),
        )

    def move() -> None:
        if (deal := some(live_deals())) is not None:
            deals.move_deal(session=session, deal_id=deal, stage_id=rng.choice(world["stages"]))

    def win() -> None:
        if (deal := some(live_deals())) is not None:
            deals.win_deal(session=session, deal_id=deal)

    def lose() -> None:
        if (deal := some(live_deals())) is not None:
            reason = rng.choice(deals.lost_reasons(session=session))
            deals.lose_deal(session=session, deal_id=deal, reason=reason)

    def edit() -> None:
        if (deal := some(live_deals())) is not None:
            deals.update_deal(
                session=session,
                deal_id=deal,
                data=DealUpdate(
                    owner_id=rng.choice(world["owners"]),
                    value_minor=rng.randrange(0, 10**15),
                    currency=rng.choice(["EUR", "USD"]),
                ),
            )

    def closed_then() -> None:  # as an import or a restore writes it
        ids = [row for row in live_deals()]
        if (deal := some(ids)) is not None:
            session.execute(update(Deal).where(col(Deal.id) == deal).values(closed_at=moment()))

    def stays_then() -> None:
        changes = list(session.scalars(select(DealStageChange.id)))
        if (change := some(changes)) is not None:
            left = moment()
            session.execute(
                update(DealStageChange)
                .where(col(DealStageChange.id) == change)
                .values(changed_at=left, from_entered_at=left - timedelta(hours=rng.randrange(99)))
            )

    def stays_together() -> None:  # one statement writing two stays of a deal in a stage
        won = list(
            session.scalars(
                select(Deal.id).where(
                    col(Deal.deleted_at).is_(None), col(Deal.closed_at).is_not(None)
                )
            )
        )
        if (deal := some(won)) is not None:
            stage, left = rng.choice(world["stages"]), moment()
            stay = {"deal_id": deal, "from_stage_id": stage, "to_stage_id": stage}
            session.execute(
                insert(DealStageChange).values(
                    [
                        {**stay, "changed_at": left, "from_entered_at": left - timedelta(days=2)},
                        {**stay, "changed_at": left, "from_entered_at": left - timedelta(days=1)},
                    ]
                )
            )

    def stage_gone() -> None:  # a stage deleted outright: its stays keep no stage (SET NULL)
        stage = rng.choice(world["stages"])
        session.execute(
            update(DealStageChange)
            .where(col(DealStageChange.from_stage_id) == stage)
            .values(from_stage_id=None)
        )

    def trash_and_back() -> None:
        if (deal := some(live_deals())) is not None:
            deals.delete_deals(session=session, deal_ids=[deal])
            if rng.random() < 0.5:
                set_deleted(session=session, model=Deal, ids=[deal], deleted_at=None)

    def purge() -> None:  # a hard delete: its stage changes go by the cascade
        if (deal := some(live_deals())) is not None:
            session.execute(delete(Deal).where(col(Deal.id) == deal))

    def interaction() -> None:
        created = create_interaction(
            session=session,
            data=InteractionCreate.build(
                contact_ids=world["contacts"],
                subject="Call",
                channel=rng.choice(["email", "call", "sms"]),
                complaint=rng.random() < 0.3,
                occurred_at=moment(),
            ),
        )
        if rng.random() < 0.5:
            update_interaction(
                session=session,
                interaction_id=created.id,
                expected_version=None,
                changes=InteractionUpdate(
                    channel=rng.choice(["chat", "meeting"]),
                    complaint=rng.random() < 0.5,
                    occurred_at=moment(),
                ),
            )

    def interaction_gone() -> None:
        ids = list(session.scalars(select(Interaction.id)))
        if (chosen := some(ids)) is not None:
            if rng.random() < 0.5:
                delete_interactions(session=session, interaction_ids=[chosen])
                restore_interactions(session=session, interaction_ids=[chosen])
                delete_interactions(session=session, interaction_ids=[chosen])
            else:
                session.execute(delete(Interaction).where(col(Interaction.id) == chosen))

    def owner_gone() -> None:  # the owner's deals keep no owner (ON DELETE SET NULL)
        if len(world["owners"]) > 1:
            session.execute(delete(TeamMember).where(col(TeamMember.id) == world["owners"].pop()))

    def reason_gone() -> None:  # its deals keep no reason (ON DELETE SET NULL)
        reasons = deals.lost_reasons(session=session)
        if len(reasons) > 1:
            session.execute(delete(LostReason).where(col(LostReason.name) == reasons[-1]))

    return [
        new_deal,
        new_deal,
        move,
        move,
        win,
        win,
        lose,
        edit,
        closed_then,
        stays_then,
        stays_together,
        stays_together,
        stage_gone,
        trash_and_back,
        purge,
        interaction,
        interaction,
        interaction_gone,
        owner_gone,
        reason_gone,
    ]


def _write_at_random(
    session: Session, seed: int, steps: int, after: Callable[[int], None] = lambda step: None
) -> None:
    """``steps`` writes of every kind, chosen by ``seed``; ``after`` each one."""
    rng = random.Random(seed)
    writes = _writes(session, _world(session), rng)
    for step in range(steps):
        rng.choice(writes)()
        after(step)
    session.flush()


def test_the_rollups_follow_every_kind_of_write(session: Session) -> None:
    def checked(step: int) -> None:
        if step % 10 == 9:
            session.flush()
            assert check(session=session) == [], f"after step {step}"

    _write_at_random(session, 2026, 160, checked)
    assert session.scalar(select(Deal.id).where(col(Deal.closed_at).is_not(None))) is not None
    assert check(session=session) == []


def test_the_doctor_finds_rollups_gone_wrong_and_counts_them_again(session: Session) -> None:
    _write_at_random(session, 11, 60)
    session.execute(update(ClosedDealDay).values(deals=ClosedDealDay.deals + 1))
    session.execute(delete(InteractionDay))
    problems = check(session=session)
    assert [problem.split(":")[0] for problem in problems] == [
        "interaction_day",
        "closed_deal_day",
    ]
    assert all("rows differ from what the records count" in problem for problem in problems)
    findings = check_database(session=session, fix=True)
    assert [finding.fixed for finding in findings if "rollups" in finding.problem] == [True, True]
    assert check(session=session) == []


def test_a_periods_figures_from_the_rollups_are_the_rows_figures(
    session: Session, local_zone: Callable[[str], None]
) -> None:
    local_zone("Asia/Tehran")  # midnight is 20:30 UTC: every period has part-days
    _write_at_random(session, 5, 120)
    for period in (
        Period(date(2026, 1, 1), date(2026, 12, 31)),
        Period(date(2026, 3, 21), date(2026, 4, 20)),
        Period(date(2026, 6, 15), date(2026, 6, 15)),
    ):
        span = period.instants
        for rollup in read._ROLLUPS:
            from_rows = read._sums_of(session.execute(rollup.rows(session, span)), rollup)
            assert read._sums(session, rollup, *span) == from_rows, (rollup.table, period)
    year = Period(date(2026, 1, 1), date(2026, 12, 31))
    closed = reports.closed_deals(session=session, period=year)
    found = dashboard.figures(session=session, period=year)
    assert found.won == sum(group.deals for group in closed if group.outcome == "won")
    assert found.won + found.lost == sum(group.deals for group in closed)


def test_every_rollup_trigger_is_there(session: Session) -> None:
    """A table remade by a later migration (SQLite's way of altering one) loses its
    triggers, and the rollups would silently stop following it."""
    if session.get_bind().dialect.name == "sqlite":
        names = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        names = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    found = set(session.scalars(text(names)))
    expected = {
        f"{table}_rollup_{event}"
        for table in ("interaction", "deal", "deal_stage_change")
        for event in ("insert", "delete", "update")
    }
    assert expected <= found
