"""The private parts of Textual the screens lean on, in one place.

Each is reached only through a function here that falls back to the public (slower) way
when a Textual release renames or drops it; tests/test_screen_defects.py fails when one
goes, so a fallback is noticed rather than silently costing time on every keystroke.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Size
from textual.scroll_view import ScrollView

# (class, attribute): what this module reads; the test checks each is still there.
PRIVATE = (("ScrollView", "_scroll_update"), ("App", "_css_update_count"))


def set_virtual_size(view: ScrollView, size: Size) -> bool:
    """Give ``view`` a new virtual size, updating its scrollbars only: assigning
    ``virtual_size`` lays out the whole screen. (When a scrollbar appears or
    goes, its own reactive lays the screen out.) False, and nothing done, when this Textual
    has no way to: the caller assigns ``virtual_size`` instead."""
    update = getattr(view, "_scroll_update", None)
    if update is None:
        return False
    view.set_reactive(ScrollView.virtual_size, size)
    update(size)
    return True


def mark_styled(screen: Any, app: Any) -> None:
    """Mark ``screen`` as styled by ``app``'s stylesheet as it is now.

    Unmarked, Textual re-parses every stylesheet, uncached, before a mode's first paint
    (a part of the app's start, bench/contacts_screen.py); a theme change still restyles it.
    Without the counter the re-parse simply happens, as before.
    """
    current = getattr(app, "_css_update_count", None)
    if current is not None:
        screen._css_update_count = current


def style_app_first(app: Any) -> None:
    """Apply the app's own styles to the app itself before its first screen is built.

    Textual applies them only after that screen is composed, and the screen (which skips a
    full CSS refresh, see ``mark_styled``) would keep the text colour it computed without
    them. Called on the app's Compose event; harmless when a release fixes the order.
    """
    app.stylesheet.apply(app)
