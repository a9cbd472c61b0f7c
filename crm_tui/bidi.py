"""Right-to-left text laid out for terminals that do not lay it out themselves.

Persian, Arabic and Hebrew are stored and sent in logical order (the order they are typed).
Most terminals (xterm, kitty, Alacritty, tmux, Windows Terminal) draw each character left
to right, so a Persian name reads backwards with its letters unjoined; a few (Konsole, GNOME
Terminal, mlterm) reorder it themselves. With ``bidi = "app"`` crm lays out each line and
each table cell itself: the Unicode bidirectional algorithm (python-bidi) puts the runs in
visual order and arabic-reshaper joins the letters (their presentation forms). With
``"terminal"`` it writes logical order; ``"auto"`` picks from what the environment says.

A cell is cut in logical order before it is laid out, so a long Persian name loses its end
(not its start) and shows "…" on its left; a cell that is mainly right-to-left is aligned
to the right.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum

from rich.cells import cell_len, set_cell_size

ELLIPSIS = "…"

# Letters written right to left: Hebrew, Arabic (and its supplements, presentation forms);
# not the Arabic-Indic and Persian digits, which a line of them alone leaves in place.
_RTL = re.compile("[\u0590-\u065f\u066a-\u06ef\u06fa-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


class Bidi(StrEnum):
    AUTO = "auto"
    APP = "app"
    TERMINAL = "terminal"


def terminal_lays_out(environ: Mapping[str, str]) -> bool:
    """Whether the terminal crm runs in reorders right-to-left text itself, as far as its
    environment tells: Konsole, mlterm and VTE (GNOME Terminal, Tilix) do; inside tmux or
    screen, whose own screen is drawn cell by cell, nothing does."""
    if environ.get("TMUX") or environ.get("STY"):
        return False
    return any(environ.get(name) for name in ("KONSOLE_VERSION", "MLTERM", "VTE_VERSION"))


def lays_out(setting: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether crm lays right-to-left text out itself under the ``bidi`` ``setting``."""
    if setting == Bidi.APP:
        return True
    if setting == Bidi.TERMINAL:
        return False
    return not terminal_lays_out(os.environ if environ is None else environ)


_laying_out = False


def use(laying_out: bool) -> None:
    """Lay right-to-left text out from now on (True), or leave it to the terminal."""
    global _laying_out
    _laying_out = laying_out


def laying_out() -> bool:
    return _laying_out


def has_rtl(text: str) -> bool:
    return _RTL.search(text) is not None


def mainly_rtl(text: str) -> bool:
    """More of ``text``'s letters are written right to left than left to right."""
    if not has_rtl(text):
        return False
    rtl = sum(1 for ch in text if unicodedata.bidirectional(ch) in ("R", "AL"))
    ltr = sum(1 for ch in text if unicodedata.bidirectional(ch) == "L")
    return rtl > ltr


@functools.lru_cache(maxsize=4096)
def _visual(line: str, base: str | None = None) -> str:
    import arabic_reshaper  # only once a right-to-left line is shown
    from bidi import get_display
    from bidi.mirror import MIRRORED

    reshaped = arabic_reshaper.reshape(line)
    shown = str(get_display(reshaped, base_dir=base))
    if not any(ch in MIRRORED for ch in reshaped):
        return shown
    # Rule L4: a bracket in a right-to-left run is drawn as its mirror ("(8)" after a
    # Persian name, not ")8("), which python-bidi leaves undone. Its order is rebuilt from
    # the levels it resolved (rules L1, L2) and used only when it is python-bidi's own.
    levels, classes, paragraph = _resolved(reshaped, base)
    order = _reordered(_line_levels(levels, classes, paragraph))
    if "".join(reshaped[i] for i in order) != shown:
        return shown
    return "".join(
        MIRRORED.get(reshaped[i], reshaped[i]) if levels[i] % 2 else reshaped[i] for i in order
    )


_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")
_CLASS = re.compile(r"\b([A-Z]+),")
# Reset at a line's end (L1), with what rule X9 leaves in place (a zero-width non-joiner).
_TRAILING = frozenset({"WS", "FSI", "LRI", "RLI", "PDI", "BN", "LRE", "RLE", "LRO", "RLO", "PDF"})


def _resolved(line: str, base: str | None) -> tuple[list[int], list[str], int]:
    """Each character's resolved embedding level (odd: right to left) and bidi class, and
    the paragraph's level, as python-bidi's ``debug`` gives them (its Rust core's levels
    and classes are one per UTF-8 byte)."""
    from bidi import get_display

    info = str(get_display(line, base_dir=base, debug=True))
    # After the text itself, which may hold these words: the last "original_classes:" is
    # the field's.
    classes_part, rest = info[info.rindex("original_classes:") :].split("levels:", 1)
    classes_part = classes_part.removeprefix("original_classes:")
    levels_part, paragraphs = rest.split("paragraphs:", 1)
    per_byte = [int(n) for n in _LEVEL.findall(levels_part)]
    classes_per_byte = _CLASS.findall(classes_part)
    levels, classes, at = [], [], 0
    for ch in line:
        levels.append(per_byte[at])
        classes.append(classes_per_byte[at])
        at += len(ch.encode())
    return levels, classes, int(_LEVEL.findall(paragraphs)[0])


def _line_levels(levels: list[int], classes: list[str], paragraph: int) -> list[int]:
    """Rule L1: separators, and the white space before them or at the line's end, take the
    paragraph's level."""
    adjusted, trailing = list(levels), True
    for i in range(len(levels) - 1, -1, -1):
        if classes[i] in ("S", "B"):
            adjusted[i], trailing = paragraph, True
        elif trailing and classes[i] in _TRAILING:
            adjusted[i] = paragraph
        else:
            trailing = False
    return adjusted


def _reordered(levels: list[int]) -> list[int]:
    """Rule L2: the logical indexes in visual order, each run at a level or higher reversed,
    from the highest level down to the lowest odd one."""
    order = list(range(len(levels)))
    odd = [level for level in levels if level % 2]
    for level in range(max(levels, default=0), min(odd, default=1) - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            order[i:j] = order[i:j][::-1]
            i = j
    return order


_FSI, _PDI = "\u2068", "\u2069"


def isolated(value: str) -> str:
    """``value`` (safe for a terminal already) set apart in a line crm composes, so that its
    direction does not spill onto what follows: "4. ارسال پیش‌فاکتور  60%" keeps its "60%"
    after the name. ``layout`` takes the marks out again: none reaches the terminal."""
    return f"{_FSI}{value}{_PDI}"


def layout(text: str, *, ltr: bool = False) -> str:
    """``text`` in the order a terminal that does not reorder must draw it, line by line
    (unchanged when crm leaves layout to the terminal, or when it has no RTL letter).

    A line's direction is its first letter's (a Persian note reads from the right); ``ltr``
    for a line crm composed in English around user values ("#21 ارسال فاکتور — Kofi")."""
    if _laying_out and has_rtl(text):
        base = "L" if ltr else None
        lines = text.split("\n")
        text = "\n".join(_visual(line, base) if has_rtl(line) else line for line in lines)
    return text.replace(_FSI, "").replace(_PDI, "") if _FSI in text else text


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: cut in logical order, "…" where it was cut (a
    cut is never silent). Cut before it is laid out, a right-to-left run keeps its start."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)) + ELLIPSIS


def cell(text: str, width: int) -> str:
    """One line of ``text`` in exactly ``width`` cells: ``cut``, then laid out; mainly
    right-to-left text aligned to the right."""
    if width <= 0:
        return ""
    text = cut(text, width)
    size = cell_len(text)
    if not _laying_out or not has_rtl(text):
        return text + " " * (width - size)
    shown = _visual(text)
    room = " " * (width - cell_len(shown))
    return room + shown if mainly_rtl(text) else shown + room


def paragraphs(text: str, width: int) -> str:
    """Text over several lines (a note) for a pane ``width`` cells wide: each line with an
    RTL letter wrapped at word ends in logical order, then each piece laid out (and aligned
    right when mainly right-to-left), so it reads from the top down; other lines are left for
    the pane to wrap. Unchanged when crm leaves layout to the terminal."""
    if not _laying_out or not has_rtl(text) or width < 2:
        return text
    shown: list[str] = []
    for line in text.split("\n"):
        if not has_rtl(line):
            shown.append(line)
            continue
        right = mainly_rtl(line)
        for piece in _wrapped(line, width):
            visual = _visual(piece)
            room = " " * max(width - cell_len(visual), 0)
            shown.append(room + visual if right else visual)
    return "\n".join(shown)


def _wrapped(line: str, width: int) -> list[str]:
    """``line`` in pieces of at most ``width`` cells, broken after spaces (a word longer
    than a line is broken where it must be)."""
    pieces: list[str] = []
    current = ""
    for word in re.findall(r"\S+\s*", line):
        if cell_len(current + word.rstrip()) <= width:
            current += word
            continue
        if current:
            pieces.append(current.rstrip())
        while cell_len(word.rstrip()) > width:
            head = set_cell_size(word, width)
            pieces.append(head)
            word = word[len(head) :]
        current = word
    if current.strip() or not pieces:
        pieces.append(current.rstrip())
    return pieces
