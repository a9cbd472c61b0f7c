"""Someone saved the record while you edited it: both versions side by side, you choose."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from crm_tui import display
from screens.base import DialogStyles
from screens.forms import show_errors
from screens.text import safe


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(
            " ".join(part for part in item if part) if isinstance(item, tuple) else str(item)
            for item in value
        )
    return safe(str(value if value is not None else ""), single_line=True)


class ConflictDialog(DialogStyles, ModalScreen[str | None]):
    """Returns "mine" (save over theirs), "theirs" (drop mine), "edit" (merge), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Back")]
    AUTO_FOCUS = "#edit"  # Enter keeps both sides' changes (the rows' scroll took focus)

    def __init__(
        self, mine: dict[str, Any], theirs: dict[str, Any], saved_by: str = "someone else"
    ) -> None:
        super().__init__()
        self.mine, self.theirs, self.saved_by = mine, theirs, saved_by

    def compose(self) -> ComposeResult:
        rows = [
            Content.assemble(
                ("field".ljust(16), "bold"),
                ("yours".ljust(34), "bold"),
                (f"saved by {safe(self.saved_by, single_line=True)}", "bold"),
            )
        ]
        for field, value in self.mine.items():
            rows.append(
                Content.assemble(
                    (field[:15].ljust(16), "$text-muted"),
                    (_shown(value)[:33].ljust(34), "$text-success"),
                    (_shown(self.theirs.get(field))[:40], "$text-warning"),
                )
            )
        with Vertical(classes="dialog conflict-dialog"):
            yield Static("This record was changed while you edited it", classes="dialog-title")
            yield Static("Nothing is saved until you choose.", classes="dialog-detail")
            with VerticalScroll(classes="conflict-rows"):
                yield Static(Content("\n").join(rows), id="conflict-table")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Their version + my changes", variant="primary", id="edit")
                yield Button("Save mine over theirs", variant="warning", id="mine")
                yield Button("Take theirs", id="theirs")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)


def resolve_conflict(
    form: ModalScreen[Any],
    *,
    mine: dict[str, Any],
    theirs: Any,
    theirs_values: dict[str, Any],
    save_mine: Callable[[], object],
    merge: Callable[[], Awaitable[None]],
) -> None:
    """Ask what to do with a save that met a newer version (``theirs``, a read model): save
    mine over it, take theirs (the form closes with it), or merge (``merge`` puts their
    version in the form with my changes on top; saving again keeps both)."""

    async def decided(choice: str | None) -> None:
        if choice == "mine":
            save_mine()
        elif choice == "theirs":
            form.dismiss(theirs)
        elif choice == "edit":
            await merge()
            show_errors(
                form, {"record": "merged with their newer version: check, then save"}, set()
            )

    saved_by = f"{theirs.updated_by or 'someone else'}, {display.moment(theirs.updated_at)}"
    form.app.push_screen(ConflictDialog(mine, theirs_values, saved_by), decided)
