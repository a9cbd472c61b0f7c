"""Right-to-left text laid out by crm (``bidi = "app"``) or left to the terminal: the exact
cells written, in the app and through the CLI on a terminal and on a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from crm_tui import bidi
from crm_tui.config import load_settings
from crm_tui.db import Database
from crm_tui.errors import ConfigError
from tests.conftest import add_contact

# (logical text, the cells laid out in 16 columns, left to the terminal)
CELLS = [
    ("سارا احمدی", "      ﯼﺪﻤﺣﺍ ﺍﺭﺎﺳ", "سارا احمدی      "),
    ("Follow up with فاطمة الزين", "Follow up with …", "Follow up with …"),
    ("قرارداد ۱۴۰۵ تمدید شد", "…ﻢﺗ ۱۴۰۵ ﺩﺍﺩﺭﺍﺮﻗ", "قرارداد ۱۴۰۵ تم…"),
    ("שלום עולם 123", "   123 םלוע םולש", "שלום עולם 123   "),
    ("علی 😀 رضا", "      ﺎﺿﺭ 😀 ﯽﻠﻋ", "علی 😀 رضا      "),
    ("می‌خواهم", "         ﻢﻫﺍﻮﺧ\u200cﯽﻣ", "می‌خواهم         "),  # the joiner takes no cell
    ("لا إله", "           ﻪﻟﺇ ﻻ", "لا إله          "),
    ("Zoë Lambert", "Zoë Lambert     ", "Zoë Lambert     "),
    ("۱۴۰۵-۰۹-۲۰", "۱۴۰۵-۰۹-۲۰      ", "۱۴۰۵-۰۹-۲۰      "),
]


@pytest.mark.parametrize(("text", "laid_out", "logical"), CELLS)
def test_the_cells_written_in_each_mode(text: str, laid_out: str, logical: str) -> None:
    """Cut in logical order ("…" where the text goes on), then laid out; mainly
    right-to-left cells aligned right; Latin, digits and emoji cells never touched."""
    bidi.use(True)
    assert bidi.cell(text, 16) == laid_out
    bidi.use(False)
    assert bidi.cell(text, 16) == logical


def test_a_line_keeps_each_run_in_its_own_direction() -> None:
    bidi.use(True)
    line = "Follow up with فاطمة الزين: Sent proposal v2"
    assert bidi.layout(line) == "Follow up with ﻦﻳﺰﻟﺍ ﺔﻤﻃﺎﻓ: Sent proposal v2"
    note = "قرارداد تمدید شد\nRenewed in March"  # each line its own direction
    assert bidi.layout(note) == "ﺪﺷ ﺪﯾﺪﻤﺗ ﺩﺍﺩﺭﺍﺮﻗ\nRenewed in March"
    crm_line = "#21 ارسال فاکتور — Kofi"  # crm's English line around a Persian title
    assert bidi.layout(crm_line, ltr=True) == "#21 ﺭﻮﺘﮐﺎﻓ ﻝﺎﺳﺭﺍ — Kofi"
    assert bidi.layout(crm_line).startswith("Kofi")  # a Persian paragraph reads from the right
    bidi.use(False)
    assert bidi.layout(line) == line


def test_a_note_is_wrapped_in_logical_order_then_laid_out() -> None:
    """Read from the top down: the note's first words on the first line, on its right."""
    note = "قرارداد سالانه را در ۱۵ فروردین ۱۴۰۵ تمدید کرد\nRenewed in March, a long line."
    bidi.use(True)
    assert bidi.paragraphs(note, 24).split("\n") == [
        "  ۱۵ ﺭﺩ ﺍﺭ ﻪﻧﻻﺎﺳ ﺩﺍﺩﺭﺍﺮﻗ",
        "  ﺩﺮﮐ ﺪﯾﺪﻤﺗ ۱۴۰۵ ﻦﯾﺩﺭﻭﺮﻓ",
        "Renewed in March, a long line.",  # the pane wraps a left-to-right line itself
    ]
    assert all(cell_len(line) <= 24 for line in bidi.paragraphs(note, 24).split("\n")[:2])
    bidi.use(False)
    assert bidi.paragraphs(note, 24) == note


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        st.sampled_from(list("سلام دنیا علی ۱۲۳ abc 😀 שלום ،.:-")), min_size=0, max_size=40
    ),
    width=st.integers(1, 30),
    laying_out=st.booleans(),
)
def test_a_cell_is_always_exactly_its_width(text: str, width: int, laying_out: bool) -> None:
    bidi.use(laying_out)
    written = bidi.cell(text, width)
    assert cell_len(written) == width
    if cell_len(text) > width:
        assert "…" in written  # a cut is never silent


@pytest.mark.parametrize(
    ("environ", "crm_lays_out"),
    [
        ({}, True),  # xterm, kitty, Alacritty, Windows Terminal: they draw left to right
        ({"KONSOLE_VERSION": "230805"}, False),
        ({"VTE_VERSION": "7600"}, False),  # GNOME Terminal, Tilix
        ({"MLTERM": "3.9.3"}, False),
        ({"KONSOLE_VERSION": "230805", "TMUX": "/tmp/tmux-0/default,1,0"}, True),
    ],
)
def test_auto_picks_from_the_environment(environ: dict[str, str], crm_lays_out: bool) -> None:
    assert bidi.lays_out("auto", environ) is crm_lays_out
    assert bidi.lays_out("app", environ) is True
    assert bidi.lays_out("terminal", environ) is False


def test_the_setting_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('bidi = "app"\n', encoding="utf-8")
    assert load_settings(path=config).bidi == "app"
    monkeypatch.setenv("CRM_BIDI", "Terminal")
    assert load_settings(path=config).bidi == "terminal"
    monkeypatch.setenv("CRM_BIDI", "rtl")
    with pytest.raises(ConfigError, match='bidi must be "auto", "app" or "terminal"'):
        load_settings(path=config)


async def test_the_app_lays_out_a_persian_name_in_its_list(db: Database) -> None:
    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from screens.contacts import ContactsScreen
    from tests.conftest import FIXED_TODAY
    from tests.screens_helpers import open_screen, settle

    with db.write() as session:
        note = "قرارداد سالانه را در ۱۵ فروردین ۱۴۰۵ تمدید کرد و درباره قیمت‌ها پرسید"
        add_contact(session, "سارا احمدی", organization="Blue Harbor Café", notes=note)
    for setting, shown in (("app", "ﯼﺪﻤﺣﺍ ﺍﺭﺎﺳ"), ("terminal", "سارا احمدی")):
        settings = Settings(user="tester", bidi=setting)
        app = CrmApp(database=db, settings=settings, today=FIXED_TODAY, watch_changes=False)
        async with app.run_test(size=(120, 35)) as pilot:
            screen = await open_screen(pilot, "2", ContactsScreen)
            row = screen.table.render_line(1).text
            assert shown in row and "Blue Harbor Café" in row, row
            await settle(pilot)
            pane = app.screen.query_one("#detail-fields").render().plain  # type: ignore[attr-defined]
            first = "ﻦﯾﺩﺭﻭﺮﻓ ۱۵ ﺭﺩ ﺍﺭ ﻪﻧﻻﺎﺳ ﺩﺍﺩﺭﺍﺮﻗ" if setting == "app" else note
            assert first in pane, pane


def _crm_on_a_terminal(url: str, *args: str) -> str:
    """What ``crm`` writes when its standard output is a terminal (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "CRM_BIDI": "app"}
    done = subprocess.run(
        [sys.executable, "-m", "crm_tui", "--db", url, *args],
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert done.returncode == 0, done.stderr
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_the_cli_lays_out_on_a_terminal_and_not_on_a_pipe(db: Database, db_url: str) -> None:
    with db.write() as session:
        add_contact(session, "سارا احمدی", organization="شرکت نوآوران")
    on_terminal = _crm_on_a_terminal(db_url, "contacts", "list")
    assert "ﯼﺪﻤﺣﺍ ﺍﺭﺎﺳ" in on_terminal and "ﻥﺍﺭﻭﺁﻮﻧ ﺖﮐﺮﺷ" in on_terminal
    piped = subprocess.run(
        [sys.executable, "-m", "crm_tui", "--db", db_url, "contacts", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "CRM_BIDI": "app"},
        timeout=60,
    )
    assert "سارا احمدی" in piped.stdout and "ﺍﺭﺎﺳ" not in piped.stdout


async def test_the_log_in_jalali_persian_digits_and_laid_out(db: Database) -> None:
    """The log as a Persian user sets it up: the day in Jalali with Persian digits, the
    Persian subject and name laid out, the English channel left as it is."""
    from datetime import UTC, datetime

    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from crm_tui.schemas import InteractionCreate
    from crm_tui.services.interactions import create_interaction
    from screens.interactions import LogScreen
    from tests.conftest import FIXED_TODAY
    from tests.screens_helpers import open_screen

    with db.write() as session:
        sara = add_contact(session, "سارا احمدی")
        when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
        data = InteractionCreate(
            contact_ids=[sara], subject="تماس درباره پیش‌فاکتور", channel="call", occurred_at=when
        )
        create_interaction(session=session, data=data)
    settings = Settings(user="tester", calendar="jalali", digits="persian", bidi="app")
    app = CrmApp(database=db, settings=settings, today=FIXED_TODAY, watch_changes=False)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await open_screen(pilot, "3", LogScreen)
        row = screen.table.render_line(1).text
    assert "۱۴۰۵-۰۹-۱۰" in row and "call" in row, row
    assert "ﯼﺪﻤﺣﺍ ﺍﺭﺎﺳ" in row and "ﺭﻮﺘﮐﺎﻓ‌ﺶﯿﭘ" in row, row


@pytest.mark.parametrize("width", [80, 200])
async def test_today_cuts_a_long_persian_line_before_laying_it_out(
    db: Database, width: int
) -> None:
    """At 80 columns a task's line was wider than the list: wrapped after it was laid out,
    its Persian title and name read in the wrong order over two lines. Each line is one line
    now, cut in logical order ("…" at the logical end) and then laid out; the name survives
    whole when there is room."""
    from datetime import timedelta

    from textual.widgets import OptionList

    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from crm_tui.schemas import TaskCreate
    from crm_tui.services.tasks import create_task
    from screens.today import TodayScreen
    from tests.conftest import FIXED_TODAY
    from tests.screens_helpers import settle

    title = "پیگیری پیش‌فاکتور نصب سامانه‌ی حسابداری و آموزش کارکنان بخش فروش در دفتر مرکزی"
    with db.write() as session:
        sara = add_contact(session, "سارا احمدی")
        data = TaskCreate.build(title=title, due_date=FIXED_TODAY - timedelta(days=2))
        data.contact_id = sara
        create_task(session=session, data=data)
    settings = Settings(user="tester", bidi="app")
    app = CrmApp(database=db, settings=settings, today=FIXED_TODAY, watch_changes=False)
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        listing = screen.query_one("#today-list", OptionList)
        header, shown, after = (listing.render_line(y).text for y in range(3))
    assert header.lstrip().startswith("Overdue")
    assert after.lstrip().startswith("Due today"), after  # the task's line did not wrap
    assert bidi.layout("سارا احمدی") in shown or width == 80
    if width == 80:
        assert "…" in shown
        first_words = bidi.layout(title.split()[0])
        assert first_words in shown  # the title's start is kept; its end was cut


def test_a_line_after_a_label_flows_in_logical_order_then_is_laid_out() -> None:
    """A timeline title or a detail value too long for its pane: its first words on the
    first line after what precedes it, the rest below it, each piece laid out."""
    from screens.text import flowing

    title = "در استوری ما را تگ کردند و پیام دادند"
    bidi.use(True)
    try:
        lines = flowing(title, 30, taken=12).split("\n")
        assert len(lines) == 2 and all(cell_len(line) <= 30 for line in lines)
        assert lines[1].startswith(" " * 12)  # under the first piece, not under the label
        # back to logical order: a right-to-left piece is laid out reversed, letters shaped
        first, rest = (unicodedata.normalize("NFKC", line.strip()[::-1]) for line in lines)
        assert f"{first} {rest}" == title
        assert flowing("short", 30, taken=12) == "short"
    finally:
        bidi.use(False)
    assert flowing(title, 30, taken=12) == title  # the terminal lays it out, the pane wraps


def test_brackets_in_right_to_left_text_are_drawn_mirrored() -> None:
    """python-bidi reorders without rule L4: "طراحی (8)" came out as ")8( ...". A line crm
    composes keeps its numbers after an isolated name ("4. ارسال  60%"), marks removed."""
    bidi.use(True)
    try:
        assert bidi.layout("طراحی (8)").startswith("(8) ")
        assert bidi.layout("علی [کریمی]").startswith("[")
        assert bidi.layout("مشتریان تهران (2 contacts)", ltr=True).endswith(" (2 contacts)")
        assert bidi.layout("Sara (Tehran)") == "Sara (Tehran)"
        stage = bidi.layout(f"4. {bidi.isolated('ارسال پیش‌فاکتور (نهایی)')}  60%", ltr=True)
        # its last word "(نهایی)" on the left, its first on the right, then the number
        assert stage.startswith("4. (") and stage.endswith(" ﻝﺎﺳﺭﺍ  60%"), stage
        assert "\u2068" not in stage and "\u2069" not in stage
        assert "(ﭖ)" in bidi.layout("(پ) x\u200c")  # a line ending in a non-joiner too
        assert bidi.layout("ج (original_classes: levels:)").endswith(" ﺝ")  # words of the parse
    finally:
        bidi.use(False)
    assert bidi.layout(bidi.isolated("طراحی")) == "طراحی"  # no mark reaches the terminal


def test_the_levels_python_bidi_resolves_are_read() -> None:
    """Mirroring reads python-bidi's levels from its ``debug`` output: this fails, loudly,
    if a python-bidi release changes that output."""
    assert bidi._resolved("ab ج", None) == ([0, 0, 0, 1], ["L", "L", "WS", "AL"], 0)
    assert bidi._resolved("ج (x)", "L")[0] == [1, 0, 0, 0, 0]
    assert bidi._resolved("ج (x)", None)[2] == 1  # the paragraph's level, from its text


_MIXED = st.text(st.sampled_from(list("abcXY019۱۲۳ سلامعلیکپژ.,:;-%#+/ ()[]<>«»\u200cé中")))


@settings(max_examples=300, deadline=None)
@given(_MIXED, st.booleans())
def test_a_laid_out_line_is_python_bidis_with_only_mirrors_changed(text: str, ltr: bool) -> None:
    import arabic_reshaper
    from bidi import get_display
    from bidi.mirror import MIRRORED

    bidi.use(True)
    try:
        ours = bidi.layout(text, ltr=ltr)
    finally:
        bidi.use(False)
    if not bidi.has_rtl(text):
        assert ours == text
        return
    theirs = str(get_display(arabic_reshaper.reshape(text), base_dir="L" if ltr else None))
    assert len(ours) == len(theirs)
    assert all(a == b or MIRRORED.get(b) == a for a, b in zip(ours, theirs, strict=True))


def test_a_name_with_its_count_keeps_the_count_after_it_in_its_order() -> None:
    """The filter's segments and tags: "(1 contact)" after a Persian name, not "(contact 1)"
    before it, as one laid-out line read it."""
    from screens.text import named_count

    bidi.use(True)
    shown = named_count("مشتریان تهران", "1 contact").plain
    assert shown.endswith("(1 contact)") and "contact 1" not in shown
    assert "(contact" not in named_count("vip", "5,000+ contacts").plain
