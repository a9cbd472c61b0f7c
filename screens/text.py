"""User text shown literally: no markup is interpreted and no control byte reaches the terminal.

Names and notes may hold "[bold]x" or terminal escape sequences (pasted, imported, or
hostile); every widget shows user data through these helpers.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, TextArea

# C0 controls (but tab and newline), DEL and the C1 controls become visible symbols.
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)}
_PICTURES[0x7F] = "\u2421"
_PICTURES.update(dict.fromkeys(range(128, 160), "�"))
_SINGLE_LINE = {**_PICTURES, 0x0A: " \u21b5 ", 0x09: " "}


def safe(value: str | None, *, single_line: bool = False) -> str:
    """``value`` with every control character replaced by a visible symbol."""
    if not value:
        return ""
    return value.translate(_SINGLE_LINE if single_line else _PICTURES)


def literal(value: str | None, *, single_line: bool = False, style: str = "") -> Content:
    """A Textual ``Content`` that shows ``value`` exactly (never parsed as markup)."""
    content = Content(safe(value, single_line=single_line))
    return content.stylize(style) if style else content


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
