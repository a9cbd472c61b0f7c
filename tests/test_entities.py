"""Walks each entity's declaration (crm_tui/entities.py) through every path a field takes:
a field added there with a path left behind makes one of these fail, on both databases."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from crm_tui.cli import app as cli_app
from crm_tui.db import Database, open_database
from crm_tui.entities import CONTACT, INTERACTION, TASK, Entity, Field, Kind
from crm_tui.io.contact_rows import Directory, RowError, RowReader, Team
from crm_tui.io.csv_reader import parse_csv
from crm_tui.io.profiles import column_map
from crm_tui.io.work_rows import interaction_row, task_row
from crm_tui.io.writers import entity_columns, entity_rows, write_csv
from crm_tui.schemas import (
    ContactCreate,
    ContactRead,
    InteractionCreate,
    LabeledValue,
    TaskCreate,
)
from crm_tui.services import bundle, exports
from crm_tui.services.contacts import create_contact, get_contact
from crm_tui.services.imports import Match, OnDuplicate, import_contacts, undo_import
from crm_tui.services.interactions import resolve_complaint
from crm_tui.services.merge import CHOOSABLE, merge_contacts, undo_merge
from crm_tui.services.team import add_member, team_directory
from crm_tui.vocabulary import ImportKind
from screens.contact_detail import contact_content
from tests.cli_runner import CliRunner
from tests.databases import Databases, Template

MEMBER = "Nasrin Karimi"


def _sample(field: Field, *, member: int, referrer: int, tell: str = "") -> Any:
    """A value for ``field`` that no other field holds (``tell`` tells two samples apart)."""
    by_kind: dict[Kind, Any] = {
        Kind.NAME: f"Sara{tell} Ahmadi",
        Kind.ORGANIZATION: f"شرکت نوآوران{tell}",
        Kind.STATUS: "customer" if not tell else "prospect",
        Kind.DATE: date(1990, 5, 17 + len(tell)),
        Kind.MEMBER: member,
        Kind.CONTACT: referrer,
        Kind.TAGS: [f"vip{tell}", f"مشتری{tell}"],
        Kind.LABELED: [LabeledValue(value=f"{field.name}{tell}@x.example", label="work")],
        Kind.CUSTOM: {f"City{tell}": f"تهران{tell}"},
        Kind.LONG_TEXT: f"first line of {field.name}{tell}\nsecond خط",
        Kind.WHOLE: 30 + len(tell),
    }
    if field.name == "phones":
        return [LabeledValue(value=f"+98 912 555 {1200 + len(tell)}", label="mobile")]
    if field.name in ("first_name", "last_name"):
        return "Sara" + tell if field.name == "first_name" else "Ahmadi"
    return by_kind.get(field.kind, f"{field.name} ویژه{tell}")


def _full_contact(session: Any, *, tell: str = "") -> ContactRead:
    member = session.info.setdefault("member", None) or add_member(session=session, name=MEMBER).id
    session.info["member"] = member
    referrer = create_contact(session=session, data=ContactCreate(name=f"Referrer{tell}")).id
    values = {
        f.name: _sample(f, member=member, referrer=referrer, tell=tell) for f in CONTACT.fields
    }
    return create_contact(session=session, data=ContactCreate(**values))


def _value(contact: ContactRead, field: Field) -> Any:
    value = getattr(contact, field.read_as)
    if field.kind is Kind.TAGS:
        return sorted(value)
    if field.kind is Kind.LABELED:
        return [(item.label, item.value) for item in value]
    return value


def _texts(contact: ContactRead, field: Field) -> list[str]:
    """What a person must read somewhere for ``field`` (independent of crm_tui.shown)."""
    value, kind = getattr(contact, field.read_as), field.kind
    if kind is Kind.DATE:
        return [value.isoformat()]
    if kind is Kind.CONTACT:
        return [f"#{value}"]
    if kind in (Kind.TAGS, Kind.LONG_TEXT):
        return list(value) if kind is Kind.TAGS else value.splitlines()
    if kind is Kind.LABELED:
        return [item.value for item in value]
    if kind is Kind.CUSTOM:
        return [*value, *value.values()]
    return [str(value)]


def test_every_declared_field_has_a_place_in_each_model() -> None:
    from crm_tui.io.contact_rows import ContactValues
    from crm_tui.schemas import ContactRead, ContactUpdate

    for declared in CONTACT.fields:
        assert declared.name in ContactCreate.model_fields, declared.name
        assert declared.name in ContactUpdate.model_fields, declared.name
        assert declared.read_as in ContactRead.model_fields, declared.name
        if declared.imported:
            assert hasattr(ContactValues(name="x"), declared.name), declared.name
    assert set(CHOOSABLE) == {f.name for f in CONTACT.fields if f.kind not in _COMBINED}


_COMBINED = {Kind.TAGS, Kind.LABELED, Kind.CUSTOM}


def test_every_field_shows_in_show_and_in_the_detail_pane(db: Database, db_url: str) -> None:
    with db.write() as session:
        contact = _full_contact(session)
    shown = CliRunner().invoke(
        cli_app,
        ["--db", db_url, "contacts", "show", str(contact.id)],
        env={"CRM_BIDI": "terminal"},  # the values in logical order, as they are compared
    )
    assert shown.exit_code == 0, shown.output
    pane = contact_content(contact).plain
    heading = shown.output.splitlines()[0]
    for declared in CONTACT.fields:
        for text in _texts(contact, declared):
            where = heading if not declared.shown else shown.output
            assert text in where, (declared.name, text)
            assert text in pane, (declared.name, text)
        if declared.shown and declared.kind not in (Kind.NAME, Kind.STATUS, Kind.CUSTOM):
            assert declared.label in shown.output and declared.label in pane, declared.name


def test_every_deal_field_shows_in_deals_show(db: Database, db_url: str) -> None:
    from crm_tui.entities import DEAL
    from crm_tui.schemas import DealCreate
    from crm_tui.services import deals

    with db.write() as session:
        member = add_member(session=session, name=MEMBER).id
        client = create_contact(session=session, data=ContactCreate(name="Leila Rahimi")).id
        data = DealCreate(
            title="قرارداد پشتیبانی",
            value_minor=120_050,
            currency="EUR",
            contact_id=client,
            organization="شرکت نوآوران",
            probability=35,
            expected_close=date(2027, 3, 14),
            owner_id=member,
            source="نمایشگاه",
            notes="first line of notes\nsecond خط",
            custom={"Region": "شمال"},
            tags=["vip", "مشتری"],
        )
        deal_id = deals.create_deal(session=session, data=data).id
        reason = deals.lost_reasons(session=session)[0]
        deal = deals.lose_deal(session=session, deal_id=deal_id, reason=reason)
    shown = CliRunner().invoke(
        cli_app, ["--db", db_url, "deals", "show", str(deal_id)], env={"CRM_BIDI": "terminal"}
    )
    assert shown.exit_code == 0, shown.output
    assert deal.closed_at is not None
    texts = {  # what a person must read for each field (independent of crm_tui.shown)
        "title": ["قرارداد پشتیبانی"],
        "value_minor": ["1,200.50"],
        "currency": ["EUR"],
        "pipeline_id": [deal.pipeline],
        "stage_id": [deal.stage],
        "probability": [f"{deal.probability}%"],
        "expected_close": ["2027-03-14"],
        "contact_id": ["Leila Rahimi", f"#{client}"],
        "organization": ["شرکت نوآوران"],
        "owner_id": [MEMBER],
        "source": ["نمایشگاه"],
        "tags": ["vip", "مشتری"],
        "custom": ["Region", "شمال"],
        "created_at": [deal.created_at.astimezone().strftime("%Y-%m-%d")],
        "closed_at": [deal.closed_at.astimezone().strftime("%Y-%m-%d")],
        "lost_reason_id": [reason],
        "notes": ["first line of notes", "second خط"],
    }
    assert set(texts) == {declared.name for declared in DEAL.fields}
    for declared in DEAL.fields:
        for text in texts[declared.name]:
            assert text in shown.output, (declared.name, text)
        if declared.shown and declared.kind is not Kind.CUSTOM:
            assert f"{declared.label}: " in shown.output, declared.name


# How the CLI takes each field (a field declared without a way in fails the walk below).
_CONTACT_OPTIONS = {
    "name": "--name",
    "first_name": "--first",
    "last_name": "--last",
    "organization": "--org",
    "title": "--title",
    "emails": "--email",
    "phones": "--phone",
    "status": "--status",
    "tags": "--tag",
    "custom": "--field",
    "address": "--address",
    "website": "--website",
    "birthday": "--birthday",
    "touch_every": "--touch-every",
    "source": "--source",
    "owner_id": "--owner",
    "referred_by_id": "--referred-by",
    "notes": "--notes",
}
_DEAL_OPTIONS = {
    "title": "--title",
    "value_minor": "--value",
    "currency": "--currency",
    "stage_id": "--stage",  # an edit moves it instead: crm deals move
    "probability": "--probability",
    "expected_close": "--close",
    "contact_id": "--contact",
    "organization": "--org",
    "owner_id": "--owner",
    "source": "--source",
    "tags": "--tag",
    "custom": "--field",
    "notes": "--notes",
}


def _options(*path: str) -> set[str]:
    import typer

    command: Any = typer.main.get_command(cli_app)
    for name in path:
        command = command.commands[name]
    return {flag for param in command.params for flag in getattr(param, "opts", ())}


# A new task is "todo" at 0%: crm tasks move and done change those (there is no edit).
_TASK_OPTIONS = {
    "title": "title",
    "status": None,
    "priority": "--priority",
    "start_date": "--start",
    "due_date": "--due",
    "progress": None,
    "milestone": "--milestone",
    "estimate_hours": "--estimate",
    "assignee_id": "--assignee",
    "contact_id": "--contact",
    "deal_id": "--deal",
    "project_id": "--project",
    "depends_on": "--depends-on",
    "repeat": "--repeat",
    "description": "--description",
}


# crm log "TEXT": its first line the subject, the rest the notes. A complaint is resolved in
# the app (r), and the author is whoever runs crm.
_INTERACTION_OPTIONS = {
    "contact_ids": "--contact",
    "occurred_at": "--when",
    "channel": "--channel",
    "direction": "--direction",
    "subject": "text",
    "body": "text",
    "sentiment": "--sentiment",
    "complaint": "--complaint",
    "resolved_at": None,
    "deal_id": "--deal",
    "author_id": None,
}


def test_crm_log_takes_every_interaction_field() -> None:
    logged = _options("log")
    for declared in INTERACTION.fields:
        flag = _INTERACTION_OPTIONS[declared.name]
        assert flag is None or flag in logged, declared.name


def test_crm_tasks_add_takes_every_task_field() -> None:
    added = _options("tasks", "add")
    for declared in TASK.fields:
        flag = _TASK_OPTIONS[declared.name]
        assert flag is None or flag in added, declared.name


def test_the_cli_adds_and_edits_every_field_the_app_does() -> None:
    """What the app's forms edit, crm … add and edit take (crm deals edit had no --org)."""
    from screens.deal_form import EDITED

    positional = {"name": "name", "title": "title"}  # add takes these as its argument
    walks = (
        ("contacts", [f.name for f in CONTACT.fields], _CONTACT_OPTIONS),
        ("deals", [f.name for f in EDITED], _DEAL_OPTIONS),
    )
    for group, fields, options in walks:
        added, edited = _options(group, "add"), _options(group, "edit")
        for name in fields:
            flag = options[name]
            assert flag in added or positional.get(name) in added, (group, "add", name)
            assert flag in edited or name == "stage_id", (group, "edit", name)


def _csv_rows(database: Database, team: Database) -> list[Any]:
    """The CSV export of ``database`` read as an import into ``team``'s database would."""
    with team.read() as session:
        directory = team_directory(session=session)
    out = io.StringIO()
    with database.read() as session:
        header, emails, phones, keys = exports.contact_csv_header(session=session)
        rows = exports.contact_csv_rows(session=session, emails=emails, phones=phones, keys=keys)
        write_csv(out, header, rows)
    source = parse_csv(out.getvalue().encode("utf-8"))
    reader = RowReader(
        source.header, column_map(source.header), team=Team(lambda: Directory(directory))
    )
    return [reader.read(r.line, r.cells) for r in source.records()]  # type: ignore[union-attr]


def test_every_exported_field_survives_export_then_import(
    db: Database, databases: Databases, migrated_template: Template
) -> None:
    with db.write() as session:
        contact = _full_contact(session)
    target = open_database(databases.clone(migrated_template, "target"))
    try:
        with target.write() as session:
            add_member(session=session, name=MEMBER)
        rows = _csv_rows(db, target)
        with target.write() as session:
            report = import_contacts(session=session, rows=rows, source="csv", match=Match.NONE)
            assert not report.errors
            copies = {c.name: c for c in _all(session)}
        copy = copies[contact.name]
        for declared in CONTACT.fields:
            if declared.exported_as is None and declared.kind not in _COMBINED:
                continue  # not in the CSV (see bundles below)
            assert _value(copy, declared) == _value(contact, declared), declared.name
    finally:
        target.close()


def _all(session: Any) -> list[ContactRead]:
    from crm_tui.services.contacts import ContactQuery, list_contacts

    return [
        get_contact(session=session, contact_id=row.id)
        for row in list_contacts(session=session, query=ContactQuery(), limit=100).rows
    ]


def test_every_field_survives_a_bundle(
    db: Database, databases: Databases, migrated_template: Template, tmp_path: Path
) -> None:
    with db.write() as session:
        contact = _full_contact(session)
    with db.read() as session:
        bundle.dump(session=session, folder=tmp_path / "bundle")
    target = open_database(databases.clone(migrated_template, "target"))
    try:
        with target.write() as session:
            bundle.load(session=session, folder=tmp_path / "bundle")
        with target.read() as session:
            copy = get_contact(session=session, contact_id=contact.id)
        for declared in CONTACT.fields:
            assert _value(copy, declared) == _value(contact, declared), declared.name
    finally:
        target.close()


def test_a_merge_takes_every_choosable_field_and_its_undo_gives_each_back(db: Database) -> None:
    with db.write() as session:
        keep = _full_contact(session)
        other = _full_contact(session, tell="2")
        take = dict.fromkeys(CHOOSABLE, "other")
        merge_id, merged = merge_contacts(
            session=session, keep_id=keep.id, other_id=other.id, take=take
        )
    for declared in CONTACT.fields:
        mine, theirs = _value(keep, declared), _value(other, declared)
        if declared.kind in _COMBINED:  # both sides' values
            got = _value(merged, declared)
            items = got.items() if isinstance(got, dict) else got
            for part in (mine, theirs):
                assert all(x in items for x in (part.items() if isinstance(part, dict) else part))
        else:
            assert _value(merged, declared) == theirs, declared.name
    with db.write() as session:
        undo_merge(session=session, merge_id=merge_id)
    with db.read() as session:
        back = {c.id: get_contact(session=session, contact_id=c.id) for c in (keep, other)}
    for declared in CONTACT.fields:
        for before in (keep, other):
            assert _value(back[before.id], declared) == _value(before, declared), declared.name


def test_an_import_update_sets_every_imported_field_and_its_undo_gives_each_back(
    db: Database,
) -> None:
    """An update of every imported field from a file row, then ``undo_import``."""
    with db.write() as session:
        other = _full_contact(session, tell="2")
        plain = create_contact(session=session, data=ContactCreate(name=other.name))
    rows = _csv_rows(db, db)
    row = next(r for r in rows if getattr(r, "name", "") == other.name)
    with db.write() as session:
        session.execute(_delete_contact(other.id))  # the file's row now matches only ``plain``
        report = import_contacts(
            session=session,
            rows=[row],
            source="csv",
            match=Match.NAME,
            on_duplicate=OnDuplicate.UPDATE,
        )
        assert (report.updated, report.errors) == (1, [])
        updated = get_contact(session=session, contact_id=plain.id)
    for declared in CONTACT.imported:
        assert _value(updated, declared) == _value(other, declared), declared.name
    with db.write() as session:
        undo_import(session=session, batch_id=report.batch_id)
        back = get_contact(session=session, contact_id=plain.id)
    for declared in CONTACT.fields:
        assert _value(back, declared) == _value(plain, declared), declared.name


def _delete_contact(contact_id: int) -> Any:
    from sqlalchemy import update

    from crm_tui.models import Contact
    from crm_tui.services.common import utcnow

    return update(Contact).where(Contact.id == contact_id).values(deleted_at=utcnow())


@pytest.mark.parametrize("declared", CONTACT.fields, ids=lambda f: f.name)
def test_each_field_is_told_apart_by_its_sample(declared: Field) -> None:
    """The walk above proves something only if every sample differs from a blank one."""
    assert _sample(declared, member=1, referrer=2) not in ("", None, [], {})


def test_a_search_finds_each_searched_field_and_no_other(db: Database) -> None:
    """A contact holding one field's sample is found by that sample's words when the field is
    declared searched, on both databases; an unsearched field's words find nothing. (An
    import's documents, built ahead, equal the stored ones: test_import_export.)"""
    from crm_tui.entities import Searched
    from crm_tui.services.contacts import ContactQuery, list_contacts

    with db.write() as session:
        member = add_member(session=session, name=MEMBER).id
        referrer = create_contact(session=session, data=ContactCreate(name="Referrer")).id
        holding = {}
        for declared in CONTACT.fields:
            sample = _sample(declared, member=member, referrer=referrer)
            values = {"name": "Zed Qux", declared.name: sample}
            holding[declared.name] = create_contact(session=session, data=ContactCreate(**values))
    with db.read() as session:
        for declared in CONTACT.fields:
            contact = holding[declared.name]
            for words in _texts(contact, declared):
                query = ContactQuery(search=words)
                found = {row.id for row in list_contacts(session=session, query=query).rows}
                if declared.searched is Searched.NO:
                    assert contact.id not in found, (declared.name, words)
                else:
                    assert contact.id in found, (declared.name, words)


# -- interactions and tasks ------------------------------------------------------------------

_WORK_SAMPLES: dict[str, Any] = {  # each differs from the field's default
    "occurred_at": datetime(2024, 3, 20, 9, 30, tzinfo=UTC),
    "channel": "call",
    "direction": "in",
    "subject": "تماس درباره قرارداد",
    "body": "first line\nخط دوم",
    "sentiment": "negative",
    "complaint": True,
    "title": "ارسال پیش‌فاکتور",
    "status": "doing",
    "priority": 3,
    "start_date": date(2024, 3, 1),
    "due_date": date(2024, 4, 2),
    "progress": 40,
    "milestone": True,
    "estimate_hours": 2.5,
    "description": "with\nlines",
    "repeat": "FREQ=MONTHLY;BYDAY=-1FR",
}


def _work_values(
    session: Any, entity: Entity, contact: int, member: int, deal: int
) -> dict[str, Any]:
    """A sample for every field of ``entity`` its create model takes."""
    by_kind = {Kind.CONTACT: contact, Kind.MEMBER: member, Kind.DEAL: deal}
    values = {}
    for declared in entity.fields:
        if declared.name in _WORK_SAMPLES:
            values[declared.name] = _WORK_SAMPLES[declared.name]
        elif declared.kind in by_kind and declared.imported:
            values[declared.name] = by_kind[declared.kind]
    if entity is INTERACTION:
        values["contact_ids"] = [contact]
    return values


def _a_deal(session: Any) -> int:
    from crm_tui.schemas import DealCreate
    from crm_tui.services.deals import create_deal

    data = DealCreate(title="قرارداد", currency="IRR", value_minor=10**9)
    return create_deal(session=session, data=data).id


def _work_file(
    database: Database, entity: Entity, rows: Any, header: list[str], kind: ImportKind
) -> list[Any]:
    out = io.StringIO()
    with database.read() as session:
        write_csv(out, header, rows(session))
    source = parse_csv(out.getvalue().encode("utf-8"))
    read = interaction_row if kind is ImportKind.INTERACTIONS else task_row
    return [read(r.line, r.cells, source.header) for r in source.records()]  # type: ignore[union-attr]


def _work_value(item: Any, declared: Field) -> Any:
    return getattr(item, declared.read_as)


def test_every_interaction_field_shows_in_the_detail_pane(db: Database) -> None:
    from crm_tui.schemas import DealCreate
    from crm_tui.services import deals
    from crm_tui.services.interactions import create_interaction
    from screens.interactions import interaction_content

    with db.write() as session:
        contact = create_contact(session=session, data=ContactCreate(name="Leila Rahimi")).id
        member = add_member(session=session, name=MEMBER).id
        deal = deals.create_deal(
            session=session, data=DealCreate(title="پروژه سبز", currency="EUR")
        ).id
        values = _work_values(session, INTERACTION, contact, member, deal)
        made = create_interaction(
            session=session, data=InteractionCreate(**values), actor_id=member
        )
        item = resolve_complaint(session=session, interaction_id=made.id, actor_id=member)
    pane = interaction_content(item).plain
    assert item.resolved_at is not None
    texts = {  # what a person must read for each field (independent of the pane's code)
        "contact_ids": ["Leila Rahimi"],
        "occurred_at": [item.occurred_at.astimezone().strftime("%Y-%m-%d")],
        "channel": ["call"],
        "direction": ["they reached out"],
        "subject": ["تماس درباره قرارداد"],
        "body": ["first line", "خط دوم"],
        "sentiment": ["negative"],
        "complaint": ["Complaint resolved"],
        "resolved_at": [item.resolved_at.astimezone().strftime("%Y-%m-%d")],
        "deal_id": [f"#{deal} پروژه سبز"],
        "author_id": [MEMBER],
    }
    assert set(texts) == {declared.name for declared in INTERACTION.fields}
    for declared in INTERACTION.fields:
        for text in texts[declared.name]:
            assert text in pane, (declared.name, text)
    assert any(line.startswith("Deal ") for line in pane.splitlines())


@pytest.mark.parametrize("entity", [INTERACTION, TASK], ids=lambda e: e.name)
def test_every_imported_work_field_survives_export_then_import(
    db: Database, databases: Databases, migrated_template: Template, entity: Entity
) -> None:
    """An interaction or a task with every field set, and a task it waits for: exported as
    CSV and imported into another database, each imported field reads back the same."""
    from crm_tui.services.imports import import_work
    from crm_tui.services.interactions import create_interaction, list_interactions
    from crm_tui.services.projects import create_project
    from crm_tui.services.tasks import create_task, list_tasks

    kind = ImportKind.INTERACTIONS if entity is INTERACTION else ImportKind.TASKS
    with db.write() as session:
        contact = create_contact(session=session, data=ContactCreate(name="Sara Ahmadi")).id
        member = add_member(session=session, name=MEMBER).id
        deal = _a_deal(session)
        values = _work_values(session, entity, contact, member, deal)
        if kind is ImportKind.INTERACTIONS:
            item = create_interaction(session=session, data=InteractionCreate(**values))
            item = resolve_complaint(session=session, interaction_id=item.id)
        else:
            project = create_project(session=session, name="پروژه آلفا").id
            first = create_task(session=session, data=TaskCreate(title="first")).id
            values |= {"project_id": project, "depends_on": [first]}
            item = create_task(session=session, data=TaskCreate(**values))
    if kind is ImportKind.INTERACTIONS:
        rows = lambda s: entity_rows(entity, list_interactions(session=s).rows)  # noqa: E731
    else:
        rows = lambda s: entity_rows(entity, list_tasks(session=s))  # noqa: E731
    read = _work_file(db, entity, rows, entity_columns(entity), kind)
    assert all(not isinstance(row, RowError) for row in read), read
    target = open_database(databases.clone(migrated_template, "target"))
    try:
        with target.write() as session:
            create_contact(session=session, data=ContactCreate(name="Sara Ahmadi"))
            add_member(session=session, name=MEMBER)
            assert _a_deal(session) == deal  # the file names it by its id
            report = import_work(session=session, kind=kind, rows=read, source="csv")
            assert (report.errors, report.created) == ([], len(read))
        with target.read() as session:
            if kind is ImportKind.INTERACTIONS:
                copy = list_interactions(session=session).rows[0]
            else:
                copy = next(t for t in list_tasks(session=session) if t.title == item.title)
                waited = next(t for t in list_tasks(session=session) if t.title == "first")
        for declared in entity.imported:
            if declared.kind is Kind.WAITS_FOR:
                assert copy.depends_on == [waited.id]
            else:
                assert _work_value(copy, declared) == _work_value(item, declared), declared.name
    finally:
        target.close()


@pytest.mark.parametrize("entity", [INTERACTION, TASK], ids=lambda e: e.name)
def test_every_work_field_has_a_place_in_its_models_and_a_sample(entity: Entity) -> None:
    from crm_tui.schemas import InteractionRead, TaskRead

    create = InteractionCreate if entity is INTERACTION else TaskCreate
    read = InteractionRead if entity is INTERACTION else TaskRead
    for declared in entity.fields:
        assert declared.read_as in read.model_fields, declared.name
        if declared.imported:  # resolved_at: the import writes it beside the create model
            assert declared.name in {*create.model_fields, "resolved_at"}, declared.name
            named = declared.kind in (
                Kind.CONTACT,
                Kind.MEMBER,
                Kind.PROJECT,
                Kind.WAITS_FOR,
                Kind.DEAL,
            )
            sampled = {*_WORK_SAMPLES, "resolved_at"}  # resolved by resolving the complaint
            assert named or declared.name in sampled, declared.name
