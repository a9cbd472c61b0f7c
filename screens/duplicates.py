"""Likely duplicates (``D`` on Contacts) and the merge that picks each field from either side."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from crm_tui import display
from crm_tui.schemas import ContactRead
from crm_tui.services.contacts import get_contact
from crm_tui.services.merge import (
    CHOOSABLE,
    DuplicatePair,
    find_duplicates,
    list_merges,
    merge_contacts,
    undo_merge,
)
from screens.base import CrmScreen, DialogStyles, UsesDatabase, plural, stylesheet
from screens.dialogs import ConfirmDialog
from screens.text import literal, safe
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar

PAIR_LIMIT = 200  # pairs looked for at most (a large list has thousands of weak ones)


def _pair_line(pair: DuplicatePair) -> Content:
    a, b = pair.first, pair.second
    return Content.assemble(
        safe(a.name, single_line=True),
        (f" {display.ident(a.id)}", "$text-muted"),
        ("  ⇄  ", "$text-accent"),
        safe(b.name, single_line=True),
        (f" {display.ident(b.id)}", "$text-muted"),
        (f"   {'; '.join(pair.reasons)}", "$text-warning"),
    )


class DuplicatesScreen(CrmScreen):
    SUB_TITLE = "Likely duplicates"
    CSS_PATH = stylesheet("duplicates.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="duplicates.back"),
        Binding("u", "undo", "Undo last merge", id="duplicates.undo"),
        Binding("r", "refresh", "Refresh", id="duplicates.refresh"),
    ]

    class Found(Message):
        def __init__(
            self, pairs: list[DuplicatePair], merges: list[dict[str, Any]], more: bool
        ) -> None:
            super().__init__()
            self.pairs, self.merges, self.more = pairs, merges, more

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[DuplicatePair] = []
        self.merges: list[dict[str, Any]] = []
        self.merging: set[int] = set()  # the pair in the merge dialog
        self.more = False  # the search stopped at PAIR_LIMIT: there are more pairs

    def compose(self) -> ComposeResult:
        yield TopBar("contacts", "duplicates")
        yield Static("Looking for duplicates…", id="duplicates-status")
        yield OptionList(id="duplicates-list")
        yield Static("", id="merge-history")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "Likely duplicates: Enter merges a pair"
        self.action_refresh()

    def action_refresh(self) -> None:
        self._find()

    @work(thread=True, exclusive=True, group="duplicates")
    def _find(self) -> None:
        def find() -> tuple[list[DuplicatePair], list[dict[str, Any]]]:
            with self.read() as session:
                # one more than shown: whether the search stopped at the limit
                pairs = find_duplicates(session=session, limit=PAIR_LIMIT + 1)
                return pairs, list_merges(session=session, limit=5)

        found = self.guarded(find)
        if found is not None:
            pairs, merges = found
            self.post_message(self.Found(pairs[:PAIR_LIMIT], merges, len(pairs) > PAIR_LIMIT))

    @on(Found)
    def _found(self, message: Found) -> None:
        self.pairs, self.merges, self.more = message.pairs, message.merges, message.more
        self._show_pairs()
        history = [
            f"merge #{m['id']}: {m['merged_name']} into #{m['kept_id']}"
            + (" (undone)" if m["undone_at"] else "")
            for m in self.merges
        ]
        text = "Recent merges (u undoes the last):  " + " · ".join(history) if history else ""
        self.query_one("#merge-history", Static).update(literal(text))
        options = self.query_one("#duplicates-list", OptionList)
        options.focus()
        if self.pairs:
            options.highlighted = 0

    def _show_pairs(self, *, refreshing: bool = False) -> None:
        options = self.query_one("#duplicates-list", OptionList)
        options.clear_options()
        options.add_options([Option(_pair_line(p), id=str(i)) for i, p in enumerate(self.pairs)])
        count = plural(len(self.pairs), "likely duplicate pair")
        if self.more:  # the search stopped there: say so rather than a count that looks exact
            count = f"{PAIR_LIMIT:,}+ likely duplicate pairs, the first {len(self.pairs):,} shown"
        status = (
            count + " · ⏎ compares a pair and merges"
            if self.pairs
            else ("No likely duplicates (same email, same phone, or nearly the same name)")
        )
        self.query_one("#duplicates-status", Static).update(
            status + (" · looking again…" if refreshing else "")
        )

    @on(OptionList.OptionSelected, "#duplicates-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        pair = self.pairs[int(event.option.id or 0)]
        self.merging = {pair.first.id, pair.second.id}
        self._open_merge(pair.first.id, pair.second.id)

    @work(thread=True, group="merge-open")
    def _open_merge(self, first: int, second: int) -> None:
        def load() -> tuple[ContactRead, ContactRead]:
            with self.read() as session:
                return (
                    get_contact(session=session, contact_id=first),
                    get_contact(session=session, contact_id=second),
                )

        found = self.guarded(load)
        if found is not None:
            self.app.call_from_thread(self.app.push_screen, MergeDialog(*found), self._merged)

    def _merged(self, result: str | None) -> None:
        if result:
            self.notify(result)
            # Finding pairs again takes a while on a large list: the merged pair (and any
            # other pair with either contact) goes at once, so it cannot be picked twice.
            merged = self.merging
            self.pairs = [p for p in self.pairs if not {p.first.id, p.second.id} & merged]
            self._show_pairs(refreshing=True)
            if self.pairs:
                self.query_one("#duplicates-list", OptionList).highlighted = 0
            self.action_refresh()

    def action_undo(self) -> None:
        live = [m for m in self.merges if not m["undone_at"]]
        if not live:
            self.notify("no merge to undo")
            return
        merge = live[0]
        question = f"Undo merge #{merge['id']} and bring back {merge['merged_name']}?"
        self.app.push_screen(
            ConfirmDialog(question, yes="Undo merge"),
            lambda yes: self._undo(merge["id"]) if yes else None,
        )

    def _undo(self, merge_id: int) -> None:
        def done(contact: ContactRead) -> None:
            self.notify(f"merge #{merge_id} undone: {contact.name} is back")
            self.action_refresh()

        self.write_in_worker(
            lambda session: undo_merge(session=session, merge_id=merge_id, actor_id=self.actor_id),
            done,
            group="merge-undo",
        )

    def action_close(self) -> None:
        self.dismiss(None)


def _value(contact: ContactRead, name: str) -> str:
    if name.startswith("custom:"):
        return contact.custom.get(name[7:], "")
    value = getattr(contact, name, "")
    return "" if value is None else str(value)


def shown_fields(a: ContactRead, b: ContactRead) -> list[str]:
    """Fields where either contact has a value: what the merge decides between."""
    names = [n for n in CHOOSABLE if n not in ("owner_id", "referred_by_id")]
    names += [f"custom:{key}" for key in dict.fromkeys([*a.custom, *b.custom])]
    return [n for n in names if _value(a, n) or _value(b, n)]


def is_conflict(a: ContactRead, b: ContactRead, name: str) -> bool:
    return bool(_value(a, name) and _value(b, name) and _value(a, name) != _value(b, name))


class MergeDialog(DialogStyles, UsesDatabase, ModalScreen[str | None]):
    """Each differing field: Enter toggles which side wins; s swaps the survivor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("s", "swap", "Swap survivor"),
        Binding("ctrl+s", "merge", "Merge"),
    ]

    def __init__(self, first: ContactRead, second: ContactRead) -> None:
        super().__init__()
        self.keep, self.other = first, second
        self.take: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog merge-dialog"):
            yield Static("", id="merge-title", classes="dialog-title")
            yield Static(
                "● marks what is kept. Every email, phone, tag, interaction and task of both "
                "is kept; where both have a value, Enter switches sides.",
                classes="dialog-detail",
            )
            yield OptionList(id="merge-fields")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Merge (ctrl+s)", variant="primary", id="merge", compact=True)
                yield Button("Swap survivor (s)", id="swap", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._render_fields()
        self.query_one("#merge-fields", OptionList).focus()

    def _side(self, name: str) -> str:
        """Which value survives: the choice, else the survivor's unless it is blank."""
        if name in self.take:
            return self.take[name]
        keep, other = _value(self.keep, name), _value(self.other, name)
        if name == "notes" and keep and other and keep != other:
            return "both"
        if keep == other:
            return "both"
        return "keep" if keep else "other"

    def _option(self, name: str) -> Option:
        marks = {"keep": ("●", "○"), "other": ("○", "●"), "both": ("●", "●")}[self._side(name)]
        return Option(
            Content.assemble(
                (f"{name[:15]:<16}", "$text-muted"),
                (marks[0] + " ", "$text-success"),
                safe(_value(self.keep, name), single_line=True)[:30].ljust(31),
                (" " + marks[1] + " ", "$text-success"),
                safe(_value(self.other, name), single_line=True)[:30],
            ),
            id=name,
            disabled=not is_conflict(self.keep, self.other, name),
        )

    def _render_fields(self) -> None:
        title = Content.assemble(
            "Keep ",
            (safe(self.keep.name, single_line=True), "bold"),
            f" {display.ident(self.keep.id)}, merge in ",
            (safe(self.other.name, single_line=True), "bold"),
            f" {display.ident(self.other.id)}",
        )
        self.query_one("#merge-title", Static).update(title)
        options = self.query_one("#merge-fields", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        fields = shown_fields(self.keep, self.other)
        options.add_options([self._option(name) for name in fields])
        choosable = [i for i, n in enumerate(fields) if is_conflict(self.keep, self.other, n)]
        if choosable:
            options.highlighted = highlighted if highlighted in choosable else choosable[0]

    @on(OptionList.OptionSelected, "#merge-fields")
    def _toggle(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id or ""
        order = ["both", "keep", "other"] if name == "notes" else ["keep", "other"]
        current = self.take.get(name, order[0])
        self.take[name] = order[(order.index(current) + 1) % len(order)]
        self._render_fields()

    def action_swap(self) -> None:
        self.keep, self.other = self.other, self.keep
        self.take = {k: {"keep": "other", "other": "keep"}.get(v, v) for k, v in self.take.items()}
        self._render_fields()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        {
            "merge": self.action_merge,
            "swap": self.action_swap,
            "cancel": lambda: self.dismiss(None),
        }[event.button.id or "cancel"]()

    def action_merge(self) -> None:
        self._merge(self.keep.id, self.other.id, dict(self.take))

    def _merge(self, keep_id: int, other_id: int, take: dict[str, str]) -> None:
        def done(merged: tuple[int, ContactRead]) -> None:
            merge_id, contact = merged
            self.dismiss(
                f"merged into {contact.name} (merge #{merge_id}; u on Duplicates undoes it)"
            )

        self.write_in_worker(
            lambda session: merge_contacts(
                session=session,
                keep_id=keep_id,
                other_id=other_id,
                take=take,
                actor_id=self.actor_id,
            ),
            done,
            group="merge",
        )
