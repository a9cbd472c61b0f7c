"""Hostile text: control characters and bidi overrides are cleaned on every way in and never
reach a terminal on any way out (CLI tables, ``show``, JSON, agenda, errors, the screens).

The way out is tested with rows written straight into the database, as an older version or
another tool on a shared PostgreSQL database could have written them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from crm_tui.commands.common import json_safe, json_safe_bytes
from crm_tui.commands.terminal import GuardedStream
from crm_tui.db import Database, open_database
from crm_tui.schemas import ContactCreate, InteractionCreate, TaskCreate
from crm_tui.text import clean_line, for_terminal, strip_control
from tests.conftest import add_contact
from tests.databases import Databases, Template

BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
# Every character no stored text keeps and no terminal may see (NUL aside: argv cannot hold it).
EVERY_UNSAFE = "".join(chr(c) for c in [*range(1, 0x20), *range(0x7F, 0xA0), *BIDI])
HOSTILE = f"Evil\x1b]0;pwned\x07 \x1b]52;c;aGk=\x07 {EVERY_UNSAFE} سارا\u202eemordnilap\nfake line"

# Bytes a terminal obeys: C0 but tab, newline (and CR before a newline, CSV's line end), DEL,
# C1, and the bidi embeddings, overrides and isolates.
_UNSAFE_OUT = re.compile(
    "[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)"
)

_pieces = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from([chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), *BIDI]]),
    st.sampled_from(["سارا", "\u200c", "Ł", "小明", "\r\n", "\x1b[2J", "\x1b]0;x\x07"]),
)
hostile_text = st.lists(_pieces, max_size=20).map("".join)


def unsafe_in(output: str) -> list[str]:
    return [repr(found) for found in _UNSAFE_OUT.findall(output)]


# ---- the two rules ---------------------------------------------------------------------


@given(hostile_text)
def test_the_cleaning_rule_keeps_no_control_character(value: str) -> None:
    cleaned = strip_control(value)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", cleaned)
    assert "\n" not in clean_line(value) and "\t" not in clean_line(value)
    assert strip_control(cleaned) == cleaned


@given(hostile_text)
def test_the_escaping_rule_lets_nothing_through_and_hides_nothing(value: str) -> None:
    shown = for_terminal(value)
    assert not unsafe_in(shown.replace("\r", "\u240d"))
    assert "\n" not in for_terminal(value, single_line=True)
    # Every character a reader could miss is shown, but the overrides (which only reorder).
    visible = [c for c in value if ord(c) not in BIDI]
    assert len(shown) == len(visible) or "\t" in value or "\n" in value


@given(st.lists(hostile_text, max_size=8), st.sampled_from([0, 16, 1 << 16]))
@example(["\r\u202a\n"], 0)  # a CR before a bidi control and a LF is no line end
def test_the_output_guard_passes_only_safe_bytes_whatever_the_writes(
    writes: list[str], buffer_size: int
) -> None:
    class Sink:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, text: str) -> None:
            self.parts.append(text)

        def flush(self) -> None:
            pass

    sink = Sink()
    guard = GuardedStream(sink, buffer_size=buffer_size)  # type: ignore[arg-type]
    for part in writes:
        guard.write(part)
    guard.flush()
    written = "".join(sink.parts)
    assert not unsafe_in(written)
    assert written.count("\r\n") == "".join(writes).count("\r\n")  # CSV's line ends kept
    if not unsafe_in("".join(writes)):  # what needs no change arrives unchanged
        assert written == "".join(writes)
    with pytest.raises(TypeError):
        guard.write(b"")  # type: ignore[arg-type]


@given(hostile_text)
def test_json_escaped_as_bytes_is_escaped_as_text_is(value: str) -> None:
    """A listing escapes its JSON a page of UTF-8 at a time, past the guard's second look:
    what reaches the terminal is what ``json_safe`` gives, and nothing unsafe."""
    dumped = json.dumps(value, ensure_ascii=False)
    escaped = json_safe_bytes(dumped.encode())
    assert escaped.decode() == json_safe(dumped)
    assert not unsafe_in(escaped.decode())
    assert json.loads(escaped) == value


def test_escaped_json_keeps_its_place_among_guarded_writes() -> None:
    import io

    raw = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    guard = GuardedStream(raw, buffer_size=1 << 16)
    guard.write("a\x1b]0;x\x07 ")
    guard.write_escaped(b'["\\u001b \xd8\xb3"]')
    guard.write("\r")
    guard.flush()
    written = raw.buffer.getvalue().decode()  # type: ignore[attr-defined]
    assert written == 'a\u241b]0;x\u2407 ["\\u001b \u0633"]\u240d'


# ---- the ways in -----------------------------------------------------------------------


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=hostile_text)
def test_every_field_of_the_input_models_is_cleaned(value: str) -> None:
    def clean(stored: object) -> None:
        if isinstance(stored, str):
            assert stored == strip_control(stored), repr(stored)
        elif isinstance(stored, dict):
            for key, item in stored.items():
                clean(key)
                clean(item)
        elif isinstance(stored, list | tuple):
            for item in stored:
                clean(item)
        elif hasattr(stored, "model_dump"):
            clean(stored.model_dump())

    contact = ContactCreate.build(
        name="x" + value,
        title=value,
        organization=value,
        tags=[value.replace(",", ""), "t" + value.replace(",", "")],  # commas part tags
        custom={"f" + value: "v" + value},
        notes=value,
        address=value,
        source=value,
        website=value,
    )
    clean(contact)
    assert "\n" not in contact.name + contact.title + "".join(contact.tags)
    clean(InteractionCreate.build(contact_ids=[1], subject="s" + value, body=value))
    clean(TaskCreate.build(title="t" + value, description=value))


def test_tags_given_to_the_tag_command_are_cleaned(db_url: str) -> None:
    from tests.test_cli import crm

    assert crm(db_url, "contacts", "add", "Sara")[0] == 0
    code, said, _ = crm(db_url, "contacts", "tag", "vip\x1b]52;c;aGk=\x07\u202e", "1")
    assert code == 0 and "\x1b" not in said and "\u202e" not in said
    code, said, _ = crm(db_url, "bulk", "tag", "new\x1b[31m\u202e", "1", "--yes")
    assert code == 0 and "\x1b" not in said and "\u202e" not in said
    _, out, _ = crm(db_url, "contacts", "show", "1", "--json")
    assert json.loads(out)["tags"] == ["new[31m", "vip]52;c;aGk="]


def test_a_csv_import_cleans_every_cell(db_url: str, tmp_path: Path) -> None:
    from tests.test_cli import crm

    source = tmp_path / "hostile.csv"
    ordinary = "Met at the Tehran expo; wants a quote for the spring catalogue. " * 60
    source.write_text(  # enough ordinary text around it not to be taken for a binary file
        "name,email,tags,notes,City\n"
        f'"Sara{EVERY_UNSAFE}",sara@example.com,"vip{EVERY_UNSAFE}","{ordinary}{EVERY_UNSAFE}",'
        f'"T{EVERY_UNSAFE}"\n',
        encoding="utf-8",
    )
    code, out, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0, err
    _, out, _ = crm(db_url, "contacts", "show", "sara@example.com", "--json")
    shown = json.loads(out)
    for value in [shown["name"], *shown["tags"], shown["notes"], *shown["custom"].values()]:
        assert value == strip_control(value), repr(value)
    assert "\n" not in shown["name"] + "".join(shown["tags"])


def _assert_clean_contact(db_url: str, ref: str) -> dict[str, object]:
    from tests.test_cli import crm

    code, out, err = crm(db_url, "contacts", "show", ref, "--json")
    assert code == 0, err
    shown = json.loads(out)
    texts = [shown["name"], shown["title"], *shown["tags"], shown["notes"]]
    texts += [*shown["custom"].keys(), *shown["custom"].values()]
    for value in texts:
        assert value == strip_control(value), repr(value)
    assert "\n" not in shown["name"] + "".join(shown["tags"]) + "".join(shown["custom"])
    return shown


def test_a_json_import_cleans_every_value_and_key(db_url: str, tmp_path: Path) -> None:
    from tests.test_cli import crm

    source = tmp_path / "hostile.json"
    item = {
        "name": "Sara" + HOSTILE,
        "email": "sara@example.com",
        "title": HOSTILE,
        "tags": ["vip" + HOSTILE],
        "notes": HOSTILE,
        "City" + HOSTILE: "Tehran" + HOSTILE,
        "custom": {"Budget" + HOSTILE: HOSTILE},
    }
    source.write_text(json.dumps([item]), encoding="utf-8")
    code, _, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0, err
    shown = _assert_clean_contact(db_url, "sara@example.com")
    assert len(shown["custom"]) == 2  # type: ignore[arg-type]


def test_a_bundle_import_cleans_text_written_by_hand(
    db_url: str, tmp_path: Path, databases: Databases, migrated_template: Template
) -> None:
    from crm_tui.services.bundle import _measure  # the manifest's own measure
    from tests.test_cli import crm

    crm(db_url, "contacts", "add", "Sara", "--email", "sara@example.com", "--tag", "vip")
    assert crm(db_url, "export", "all", "-o", str(tmp_path / "bundle"))[0] == 0
    contacts = tmp_path / "bundle" / "contact.jsonl"
    row = json.loads(contacts.read_text(encoding="utf-8"))
    row.update(name=HOSTILE, title=HOSTILE, notes=HOSTILE, custom={HOSTILE: HOSTILE})
    contacts.write_text(json.dumps(row) + "\n", encoding="utf-8")
    manifest_path = tmp_path / "bundle" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["sha256"]["contact"] = _measure(contacts)[1]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    fresh = databases.clone(migrated_template, "fresh")
    code, _, err = crm(fresh, "import", "all", str(tmp_path / "bundle"))
    assert code == 0, err
    _assert_clean_contact(fresh, "sara@example.com")


# ---- the ways out: a real process, rows written as another tool would ------------------


def _run(*args: str, db_url: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", "--db", db_url, *args],
        capture_output=True,
        env=os.environ.copy(),
        timeout=60,
        check=False,
    )


@pytest.fixture
def hostile_rows(db_url: str) -> str:
    """A contact, an organization, a tag, a task and an open complaint, their text set to
    ``HOSTILE`` behind crm's back."""
    from crm_tui.services.interactions import create_interaction
    from crm_tui.services.tasks import create_task

    database = open_database(db_url)
    with database.write() as session:
        contact_id = add_contact(
            session, "Sara", organization="Acme", tags=["vip"], emails=[{"value": "s@x.example"}]
        )
        create_task(session=session, data=TaskCreate.build(title="t", due_date=date(2026, 11, 1)))
        create_interaction(
            session=session,
            data=InteractionCreate.build(contact_ids=[contact_id], subject="s", complaint=True),
        )
    with database.write() as session:
        for statement, values in [
            (
                "UPDATE contact SET name = :v, organization_name = :v, title = :v, tags = :v,"
                " notes = :v, address = :v, source = :v, custom = :j",
                {"v": HOSTILE, "j": json.dumps({HOSTILE: HOSTILE})},
            ),
            ("UPDATE organization SET name = :v", {"v": HOSTILE}),
            ("UPDATE tag SET name = :v", {"v": HOSTILE}),
            ("UPDATE contact_email SET label = :v", {"v": HOSTILE}),
            ("UPDATE task SET title = :v, description = :v", {"v": HOSTILE}),
            ("UPDATE interaction SET subject = :v, body = :v", {"v": HOSTILE}),
        ]:
            session.execute(text(statement), values)
    database.close()
    return db_url


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["contacts", "list"],
        ["contacts", "list", "--json"],
        ["contacts", "show", "1"],
        ["contacts", "show", "1", "--json"],
        ["contacts", "duplicates"],
        ["tasks", "list", "--all"],
        ["tasks", "list", "--json"],
        ["agenda", "--days", "60"],
        ["agenda", "--json"],
        ["export", "contacts"],
        ["export", "interactions"],
        ["contacts", "show", HOSTILE.replace("\n", " ")],  # an error repeating what was typed
        ["contacts", "list", "--tag", HOSTILE.replace("\n", " ")],
        ["tasks", "done", "\x1b]0;x\x07"],  # a usage error from Click
        [HOSTILE.replace("\n", " ")],  # no such command
    ],
    ids=lambda args: "-".join(a for a in args[:3] if a.isascii() and a.isprintable()) or "?",
)
def test_no_byte_from_user_data_reaches_the_terminal(hostile_rows: str, args: list[str]) -> None:
    done = _run(*args, db_url=hostile_rows)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert "Traceback" not in err, err
    assert done.returncode in (0, 1, 2, 3), err
    assert not unsafe_in(out), (unsafe_in(out)[:5], out[:2000])
    assert not unsafe_in(err), (unsafe_in(err)[:5], err)
    if done.returncode:
        assert len(err.strip().splitlines()) <= 4, err  # Click's usage error: usage + hint
    if "--json" in args:
        json.loads(out)  # still valid JSON, the escapes written as \u escapes


@pytest.mark.slow
def test_json_keeps_hostile_text_exactly_as_stored(hostile_rows: str) -> None:
    done = _run("contacts", "show", "1", "--json", db_url=hostile_rows)
    assert json.loads(done.stdout)["notes"] == HOSTILE


@pytest.mark.slow
def test_a_title_with_a_newline_cannot_fake_a_line_of_the_agenda(hostile_rows: str) -> None:
    out = _run("agenda", "--days", "60", db_url=hostile_rows).stdout.decode()
    assert "fake line" in out
    assert not any(line.startswith("fake line") for line in out.splitlines())


@pytest.mark.slow
def test_an_import_error_names_a_hostile_file_safely(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "bad\x1b]0;x\x07\u202e.csv"
    source.write_text("nothing,useful\n1,2\n", encoding="utf-8")
    done = _run("import", "contacts", str(source), db_url=db_url)
    assert done.returncode in (1, 2)
    assert not unsafe_in(done.stderr.decode()), done.stderr


# ---- the screens -----------------------------------------------------------------------


async def test_no_byte_from_user_data_reaches_the_screen(hostile_rows: str) -> None:
    from screens.contact_form import ContactForm
    from tests.screens_helpers import make_app, settle

    database = open_database(hostile_rows)
    app = make_app(database)
    try:
        async with app.run_test(size=(120, 35)) as pilot:
            for key in ("1", "2", "3", "4"):
                await pilot.press(key)
                await settle(pilot)
                _assert_screen_safe(app.export_screenshot())
            await pilot.press("2")
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            assert isinstance(app.screen, ContactForm)
            _assert_screen_safe(app.export_screenshot())
    finally:
        database.close()


async def test_names_with_markup_show_as_written_in_the_forms_choices(db: Database) -> None:
    """A Select reads a str label as markup: a team member named "[/b]…" (the default
    assignee or owner) stopped the app when a task or a deal form opened."""
    from textual.widgets import Select

    from crm_tui import bidi
    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from screens.deal_form import DealForm
    from screens.task_form import TaskForm
    from tests.conftest import FIXED_TODAY
    from tests.screens_helpers import settle

    name = "[/b]نسرین [red]K"  # the user running crm: its team member, the default
    app = CrmApp(database=db, settings=Settings(user=name), today=FIXED_TODAY)
    async with app.run_test(size=(120, 35)) as pilot:
        for screen_key, form, field in (
            ("4", TaskForm, "#f-assignee"),
            ("5", DealForm, "#f-owner_id"),
        ):
            await pilot.press(screen_key)
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, form)
            chosen = app.screen.query_one(field, Select)
            assert chosen.value is not Select.NULL
            label = chosen.query_one("SelectCurrent #label")
            assert bidi.layout(name) in str(label.render())  # as written, laid out
            await pilot.press("escape")
            await settle(pilot)


async def test_a_search_with_markup_in_it_shows_in_the_log_as_typed(db: Database) -> None:
    """The log's status line read what was searched as markup: "[/b]" stopped the app."""
    from screens.interactions import LogScreen
    from tests.screens_helpers import make_app, open_screen, settle

    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await open_screen(pilot, "3", LogScreen)
        await pilot.press("slash", *"[/b]x", "enter")
        await settle(pilot)
        assert "match '[/b]x'" in str(screen.query_one("#log-status").render())


def _marked_up(database: Database) -> None:
    """A record of each kind whose every text reads as markup, were it read so: "[/b]" ends
    a tag never opened, which Textual refuses (MarkupError) and the app stopped."""
    from crm_tui.schemas import DealCreate
    from crm_tui.services.deals import create_deal
    from crm_tui.services.interactions import create_interaction
    from crm_tui.services.segments import add_segment
    from crm_tui.services.tasks import create_task
    from crm_tui.services.team import add_member
    from tests.conftest import FIXED_TODAY

    mark = "[/b]"
    with database.write() as session:
        member = add_member(session=session, name=f"{mark}Negar").id
        contact = add_contact(
            session,
            f"{mark}Sara",
            organization=f"{mark}Org",
            tags=[f"{mark}vip"],
            custom={f"{mark}City": f"{mark}Tehran"},
            notes=f"{mark}notes",
        )
        deal = create_deal(
            session=session,
            data=DealCreate(title=f"{mark}Deal", currency="EUR", contact_id=contact),
        ).id
        create_interaction(
            session=session,
            data=InteractionCreate(
                contact_ids=[contact], subject=f"{mark}call", body=f"{mark}body", deal_id=deal
            ),
        )
        task = TaskCreate.build(title=f"{mark}task", due_date=FIXED_TODAY)
        task.contact_id, task.assignee_id = contact, member
        create_task(session=session, data=task)
        add_segment(session=session, name=f"{mark}segment", rule="tag:vip")


async def test_no_screen_or_dialog_reads_user_data_as_markup(db: Database) -> None:
    from tests.screens_helpers import make_app, settle

    _marked_up(db)
    app = make_app(db)
    walk = ["1", "2", "f", "escape", "R", "escape", "b", "escape", "e", "escape", "3", "e"]
    walk += ["escape", "f", "escape", "4", "e", "escape", "5", "e", "escape", "S", "escape"]
    walk += ["f", "escape", "6", "7", "ctrl+p"]
    shown: dict[str, bool] = {}
    async with app.run_test(size=(120, 35)) as pilot:
        for key in walk:  # a MarkupError on the way stops the app, and fails here
            await pilot.press(key)
            await settle(pilot)
            shown[key] = "[/b]" in app.export_screenshot()  # as written, brackets and all
    assert all(shown[screen] for screen in "12345"), shown


def _assert_screen_safe(svg: str) -> None:
    """The screen as Textual would write it, its text taken from a screenshot."""
    assert "Evil" in svg or "Sara" in svg or "emordnilap" in svg
    assert not unsafe_in(svg.replace("\n", "")), unsafe_in(svg)[:5]


def test_hostile_rows_fixture_really_holds_hostile_text(hostile_rows: str) -> None:
    database = open_database(hostile_rows)
    with database.read() as session:
        name = session.execute(text("SELECT name FROM contact")).scalar_one()
    database.close()
    assert name == HOSTILE
    assert datetime.now(UTC).year >= 2026
