"""User text shown literally: no markup is interpreted and no control byte reaches the terminal.

Names and notes may hold "[bold]x" or terminal escape sequences (pasted, imported, or
hostile); every widget shows user data through these helpers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, TextArea

from crm_tui import bidi
from crm_tui.text import for_terminal, strip_control

T = TypeVar("T")


def safe(value: str | None, *, single_line: bool = False) -> str:
    """``value`` with every control character shown as a visible symbol (the core's rule);
    one line of it laid out for the terminal when crm lays out right-to-left text itself
    (``crm_tui.bidi``; several lines are wrapped by Textual, so stay in logical order)."""
    text = for_terminal(value, single_line=single_line)
    return bidi.layout(text) if single_line else text


def flowing(value: str | None, width: int, *, taken: int = 0) -> str:
    """One line of text for a pane ``width`` cells wide, after ``taken`` cells of what
    comes before it on its first line. When crm lays right-to-left text out itself and the
    line does not fit, it is wrapped at word ends in logical order first and each piece laid
    out, the pieces after the first indented by ``taken``: wrapped by the pane after layout,
    a line's pieces would read in the wrong order. Else as ``safe`` gives it."""
    line = for_terminal(value, single_line=True)
    room = width - taken
    if not bidi.laying_out() or not bidi.has_rtl(line) or cell_len(line) <= room or room < 2:
        return safe(value, single_line=True)
    return bidi.paragraphs(line, room).replace("\n", "\n" + " " * taken)


def fact_lines(facts: list[str], width: int, taken: int) -> str:
    """The facts, " · " between them, each laid out on its own (a list of names read left to
    right); when crm lays right-to-left text out itself, broken between facts to the pane's
    ``width`` (the first line after ``taken`` cells), as the pane would break them after
    layout in the wrong order."""
    shown = [safe(fact, single_line=True) for fact in facts if fact]
    if not bidi.laying_out() or width <= 0:
        return " · ".join(shown)
    lines, room = [""], width - taken
    for fact in shown:
        piece = f" · {fact}" if lines[-1] else fact
        if lines[-1] and cell_len(lines[-1] + piece) > room:
            lines.append("")
            room, piece = width, fact
        lines[-1] += piece
    return "\n".join(lines)


def editable(value: str | None) -> str:
    """Stored text as a form shows it for editing: cleaned by the rule text is saved by
    (rows written by older versions or other tools may hold control characters)."""
    return strip_control(value or "")


def literal(value: str | None, *, single_line: bool = False, style: str = "") -> Content:
    """A Textual ``Content`` that shows ``value`` exactly (never parsed as markup)."""
    content = Content(safe(value, single_line=single_line))
    return content.stylize(style) if style else content


def named_count(name: str, count: str) -> Content:
    """ "مشتریان تهران (1 contact)": a name from the user, then what crm counts of it, laid
    out left to right around the name (which reads in its own direction), so the count
    stays after it and in its own order, never "(contact 1)"."""
    named = bidi.isolated(for_terminal(name, single_line=True))
    return Content(bidi.layout(f"{named} ({for_terminal(count, single_line=True)})", ltr=True))


def choices(pairs: Iterable[tuple[str, T]]) -> list[tuple[Content, T]]:
    """A Select's options whose labels are user data (names, tags, stages): a Select reads
    a str label as markup, so each is ``literal``, one line."""
    return [(literal(label, single_line=True), value) for label, value in pairs]


# Persian writes the zero-width non-joiner in most sentences (می‌خواهم, پیش‌نویس); Textual's
# Input and TextArea drop every key that str.isprintable() refuses, these among them.
_JOINERS = {"zero_width_non_joiner": "\u200c", "zero_width_joiner": "\u200d"}


def joiner(event: events.Key) -> str | None:
    """The joiner a key event types (a terminal sends the character, Pilot its name)."""
    if event.character in _JOINERS.values():
        return event.character
    return _JOINERS.get(event.key)


def type_joiner(widget: Widget, character: str) -> None:
    """Insert ``character`` at the cursor of a text field (replacing a selection)."""
    if isinstance(widget, Input):
        if widget.selection.is_empty:
            widget.insert_text_at_cursor(character)
        else:
            widget.replace(character, *widget.selection)
    elif isinstance(widget, TextArea) and not widget.read_only:
        widget.replace(character, *widget.selection)


# The standard Persian keyboard (ISIRI 9147, as Windows, macOS and XKB lay it out): the
# character each unshifted key types, to the key it sits on in US QWERTY. A user who forgot to
# switch layouts presses "ی" meaning d; number keys type Persian digits, shift+/ types "؟".
_PERSIAN_KEYS = dict(
    zip(
        "ضصثقفغعهخحجچشسیبلاتنمکگظطزرذدپو؟",
        "qwertyuiop[]asdfghjkl;'zxcvbnm,?",
        strict=True,
    )
)
_PERSIAN_KEYS |= {
    d: str(n) for digits in ("۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩") for n, d in enumerate(digits)
}


def on_latin_layout(event: events.Key, focused: Widget | None) -> events.Key | None:
    """The key ``event`` would be on a US layout, when it was typed on the Persian one and
    the focused widget does not take it as text (an input keeps its Persian letters)."""
    typed = event.character or _named(event.key)
    latin = _PERSIAN_KEYS.get(typed)
    if latin is None or event.key != _key_name(typed):  # with a modifier
        return None
    if focused is not None and focused.check_consume_key(event.key, typed):
        return None
    return events.Key(_key_name(latin), latin)


def _named(key: str) -> str:
    """The character a key name stands for ("arabic_question_mark"), "" if none: a key
    event may come without its character (Pilot sends some so)."""
    try:
        return unicodedata.lookup(key.replace("_", " "))
    except KeyError:
        return ""


def _key_name(character: str) -> str:
    """How Textual names the key that types ``character`` ("d", "semicolon",
    "question_mark"): a letter or digit itself, else its Unicode name."""
    if character.isalnum():
        return character
    return unicodedata.name(character).lower().replace(" ", "_")
