"""The demo business: deterministic, believable, in every script."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import time as clock

from sqlalchemy import func, select

from crm_tui.db import Database, open_database
from crm_tui.models import Contact, Interaction, Task, TaskDependency, TeamMember
from crm_tui.services.demo import build_demo
from tests.conftest import FIXED_TODAY, ctrl_c_after_each_commit
from tests.databases import Databases, Template


def _snapshot(url: str) -> list[tuple[str, str, str]]:
    database = open_database(url)
    with database.read() as session:
        rows = session.execute(
            select(Contact.name, Contact.email, Contact.tags).order_by(Contact.id)
        ).all()
    database.close()
    return [tuple(row) for row in rows]


def test_same_seed_same_business(databases: Databases, migrated_template: Template) -> None:
    urls = [databases.clone(migrated_template, name) for name in ("a", "b")]
    for url in urls:
        database = open_database(url)
        with database.write() as session:
            build_demo(session=session, contacts=40, today=FIXED_TODAY)
        database.close()
    assert _snapshot(urls[0]) == _snapshot(urls[1])


def test_the_demo_has_what_the_screens_need(demo_db: Database) -> None:
    with demo_db.read() as session:
        names = session.scalars(select(Contact.name)).all()
        channels = set(session.scalars(select(Interaction.channel)))
        complaints = session.execute(
            select(func.count(), func.count(Interaction.resolved_at)).where(
                Interaction.complaint.is_(True)  # type: ignore[attr-defined]
            )
        ).one()
        dependencies = session.scalar(select(func.count()).select_from(TaskDependency))
        assignees = set(session.scalars(select(Task.assignee_id)))
    scripts = {
        "persian": any("\u0600" <= ch <= "\u06ff" for name in names for ch in name),
        "cjk": any(
            "\u4e00" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for n in names for ch in n
        ),
        "accented": any(ch in "éüøçğłá" for name in names for ch in name.lower()),
    }
    assert all(scripts.values()), scripts
    assert channels == {"call", "email", "meeting", "sms", "chat", "social", "note", "other"}
    total, resolved = complaints
    assert total > resolved > 0
    assert dependencies and dependencies >= 10
    assert {1, 2, 3} <= assignees


def test_a_demo_made_early_in_the_day_logs_nothing_later(
    databases: Databases, migrated_template: Template
) -> None:
    """The demo's day ended at 17:30: made at 03:00, it showed calls at 16:12 that day."""
    url = databases.clone(migrated_template, "early")
    early = datetime.combine(FIXED_TODAY, clock(3, 0)).astimezone(UTC)
    database = open_database(url)
    with database.write() as session:
        build_demo(session=session, contacts=400, today=FIXED_TODAY, now=early)
    with database.read() as session:
        latest = [
            session.scalar(select(func.max(column)))
            for column in (
                Interaction.occurred_at,
                Interaction.resolved_at,
                Contact.created_at,
                Contact.last_contacted_at,
                TeamMember.created_at,
            )
        ]
    database.close()
    assert all(moment is not None and moment <= early for moment in latest), latest
    assert max(latest).date() == FIXED_TODAY  # the day itself still has its morning


def test_ctrl_c_right_after_the_demo_is_saved_is_reported_as_it_happened(db_url: str) -> None:
    """Ctrl-C landing just after the commit printed "nothing was changed" over saved data."""
    from crm_tui.cli import app
    from tests.cli_runner import CliRunner

    with ctrl_c_after_each_commit():
        result = CliRunner().invoke(app, ["--db", db_url, "demo", "--contacts", "20"])
    assert result.exit_code == 0, result.output
    assert "demo data written" in result.output and "it is complete" in result.output
    database = open_database(db_url)
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 20
    database.close()


def test_a_persian_demo_is_a_persian_business(db: Database) -> None:
    """`crm demo --locale fa`: Persian people, companies, team, projects and words, Iranian
    phone numbers (some in Persian digits) and Jalali dates in the notes."""
    import re

    from crm_tui.errors import CrmError
    from crm_tui.models import Project

    with db.write() as session:
        build_demo(session=session, contacts=60, today=FIXED_TODAY, locale="fa")
    latin = re.compile(r"[A-Za-z]")
    with db.read() as session:
        contacts = session.execute(select(Contact.name, Contact.phone, Contact.notes)).all()
        words = [
            *session.scalars(select(TeamMember.name)),
            *session.scalars(select(Project.name)),
            *session.scalars(select(Task.title)),
            *session.scalars(select(Interaction.subject)),
        ]
    assert len(contacts) == 60
    assert not [name for name, _, _ in contacts if latin.search(name)]
    # Follow-ups are titled by crm itself, in its own language: "Follow up with سارا: …".
    assert not [w for w in words if latin.search(w.removeprefix("Follow up with "))]
    phones = [phone for _, phone, _ in contacts if phone]
    assert all(p.startswith(("+98 ", "۰۹")) for p in phones)
    assert any(p.startswith("۰۹") for p in phones) and any(p.startswith("+98") for p in phones)
    assert any("۱۴۰۵" in notes for _, _, notes in contacts)
    try:
        build_demo(session=session, contacts=20, locale="de")
    except CrmError as error:
        assert "no demo locale 'de' (choose mixed, fa)" in str(error)
    else:
        raise AssertionError("an unknown locale was accepted")


def test_the_demo_has_a_year_of_selling(demo_db: Database) -> None:
    """Deals in every stage, won and lost with reasons, EUR and IRR, three owners, and
    a stage history behind each: the dashboard and the reports tell a story at once."""
    from crm_tui.models import Deal, DealStage, DealStageChange

    with demo_db.read() as session:
        by_stage = dict(
            session.execute(
                select(DealStage.name, func.count(Deal.id))
                .join(Deal, Deal.stage_id == DealStage.id, isouter=True)
                .group_by(DealStage.name)
            ).all()
        )
        currencies = set(session.scalars(select(Deal.currency)))
        owners = set(session.scalars(select(Deal.owner_id)))
        lost_without_reason = session.scalar(
            select(func.count())
            .select_from(Deal)
            .join(DealStage, DealStage.id == Deal.stage_id)
            .where(DealStage.outcome == "lost", Deal.lost_reason_id.is_(None))  # type: ignore[union-attr]
        )
        first_moves = session.scalar(
            select(func.count()).where(DealStageChange.from_stage_id.is_(None))  # type: ignore[union-attr]
        )
        deals = session.scalar(select(func.count()).select_from(Deal))
    assert all(by_stage.values()), by_stage
    assert currencies == {"EUR", "IRR"}
    assert owners == {1, 2, 3}
    assert lost_without_reason == 0
    assert first_moves == deals  # every deal's history starts where it was created
