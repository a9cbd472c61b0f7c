"""Contacts (``2``): a list over the whole database, search as you type, a detail pane.

The list is a ``VirtualTable`` fed page by page by thread workers; the detail pane loads the
highlighted contact and its timeline in another worker. Every action that writes runs in a
worker too and reloads only what it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from crm_tui import bidi, display, rules
from crm_tui.schemas import ContactRead, ContactRow, TimelineEntry
from crm_tui.services import contacts as service
from crm_tui.services.birthdays import dates_of
from crm_tui.services.bulk import Action, BulkReport
from crm_tui.services.contacts import ContactQuery, ContactSort
from crm_tui.services.imports import UndoReport
from crm_tui.services.segments import SegmentRead
from crm_tui.services.tags import list_tags
from crm_tui.services.timeline import contact_timeline
from crm_tui.text import for_terminal
from screens.base import CrmScreen, plural
from screens.bulk_dialog import BulkChoice, BulkDialog, ExportFile
from screens.contact_detail import ContactDetail
from screens.contact_form import ContactForm
from screens.dialogs import ConfirmDialog, ContactFilter, ContactFilterDialog, TagDialog
from screens.interaction_form import InteractionForm
from screens.paging import COUNT_CAP, PagedTable, rule_count_said
from screens.rule_dialog import BuiltRule
from screens.task_form import TaskForm
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar
from screens.widgets.virtual_table import Column, VirtualTable

COLUMNS = [
    Column("name", "Name", weight=3, min_width=16),
    Column("organization", "Organization", weight=2, min_width=12, drop_order=2),
    Column("email", "Email", weight=3, min_width=24, drop_order=3),  # narrower hides most
    Column("phone", "Phone", width=16, drop_order=4),
    Column("tags", "Tags", weight=1, min_width=8, drop_order=5),
    Column("last_contacted", "Last contact", width=12, drop_order=1),
]
SORTS = [ContactSort(column.key) for column in COLUMNS]
SEARCH_PAUSE = 0.06  # seconds without a keystroke before a search runs


def _cells(row: ContactRow) -> list[str]:
    last = display.moment(row.last_contacted_at, with_time=False)
    return [row.name, row.organization, row.email, row.phone, ", ".join(row.tags), last]


class ContactsScreen(CrmScreen):
    """Find a client by typing a few letters of any field; act on one or many."""

    SUB_TITLE = "Contacts"
    HELP_NOTES = rules.SUMMARY
    AUTO_FOCUS = "#contact-table"  # not the search field (focused, then left: two restyles)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", key_display="/", id="contacts.search"),
        Binding("escape", "leave_search", "Back", show=False),
        Binding("n", "new", "New", id="contacts.new"),
        Binding("e", "edit", "Edit", id="contacts.edit"),
        Binding("d", "delete", "Delete", id="contacts.delete"),
        Binding("l", "log", "Log", id="contacts.log"),
        Binding("t", "task", "Task", id="contacts.task"),
        Binding("o", "organization", "Organization", id="contacts.organization"),
        Binding("number_sign", "tag", "Tag", key_display="#", id="contacts.tag"),
        Binding("f", "filter", "Filter", id="contacts.filter"),
        Binding("s", "sort", "Sort", id="contacts.sort"),
        Binding("r", "reverse", "Reverse", show=False, id="contacts.reverse"),
        Binding("b", "bulk", "Bulk", id="contacts.bulk"),
        Binding("R", "rule", "Rule builder", key_display="R", id="contacts.rule"),
        Binding("F", "fields", "Custom fields", key_display="F", id="contacts.fields"),
        Binding("ctrl+z", "undo_bulk", "Undo bulk", show=False, id="contacts.undo_bulk"),
        Binding("T", "trash", "Trash", key_display="T", id="contacts.trash"),
        Binding("u", "restore", "Restore", show=False, id="contacts.restore"),
        Binding("D", "duplicates", "Duplicates", key_display="D", id="contacts.duplicates"),
        Binding("v", "toggle_details", "Details", show=False, id="contacts.details"),
    ]

    class DetailLoaded(Message):
        def __init__(
            self, contact: ContactRead, timeline: list[TimelineEntry], dates: list[Any]
        ) -> None:
            super().__init__()
            self.contact, self.timeline, self.dates = contact, timeline, dates

    class Changed(Message):
        """Something this screen wrote; the list and the detail reload."""

    def __init__(self) -> None:
        super().__init__()
        self.contact_query = ContactQuery()
        self.filter = ContactFilter()  # as the filter dialog last set it
        self.added_label = ""  # the period of ``contact_query.added``, as people read it
        self._detail_timer: Timer | None = None
        self._search_timer: Timer | None = None
        self.shown: ContactRead | None = None
        self.seen_changes = 0  # the app's change count this screen last showed
        self.working = ""  # a bulk action under way, as the status line says it
        self.counted: tuple[int | None, bool] = (None, True)  # the list's count, as shown

    def compose(self) -> ComposeResult:
        yield TopBar("contacts")
        with Horizontal(id="contacts-top"):
            yield Input(
                placeholder="/ search any field…",
                id="contact-search",
            )
            yield Static("", id="contact-status")
        with Horizontal(id="contacts-body"):
            yield PagedTable(
                COLUMNS,
                cells=_cells,
                key=lambda row: row.id,
                fetch=lambda session, **kw: service.list_contacts(
                    session=session, query=self.contact_query, **kw
                ),
                count=lambda session, cap: service.count_contacts(
                    session=session, query=self.contact_query, cap=cap
                ),
                group="contacts",
                position=lambda session, contact_id: service.contact_position(
                    session=session, query=self.contact_query, contact_id=contact_id
                ),
                on_count=lambda total, exact: self._show_status(total, exact=exact),
                id="contact-table",
            )
            yield ContactDetail(id="contact-detail")
        yield KeyBar()

    @property
    def table(self) -> PagedTable[ContactRow]:
        return self.query_one("#contact-table", PagedTable)

    def on_mount(self) -> None:
        self.table.sort_key = self.contact_query.sort.value
        self.table.focus()
        self.reload()

    # -- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Run the current query again from its first page (the cursor keeps its place)."""
        self.table.sort_key = self.contact_query.sort.value
        self.table.sort_descending = self.contact_query.descending
        self.table.reload()
        self._show_status(None)

    def refresh_data(self) -> None:
        self.shown = None  # the timeline may have grown even if the contact did not change
        self.table.reload(keep_current=True)
        self.seen_changes = self.crm.changes

    def on_screen_resume(self) -> None:
        """Back from another screen: catch up with changes made meanwhile elsewhere."""
        if self.is_mounted and self.seen_changes != self.crm.changes:
            self.refresh_data()

    def _show_status(self, total: int | None, *, exact: bool = True) -> None:
        self.counted = (total, exact)
        parts = ["trash" if self.contact_query.trash else "", self._counted(total, exact)]
        if self.contact_query.tag:
            parts.append(f"tag {self.contact_query.tag}")
        if self.contact_query.status:
            parts.append(self.contact_query.status)
        if self.contact_query.rule and self.filter.segment:
            parts.append(f"segment {self.filter.segment}")
        if self.contact_query.rule and self.filter.rule:
            parts.append(f"rule {self.filter.rule}")
        if self.contact_query.only_id is not None:
            parts.append(f"only #{self.contact_query.only_id} (esc shows everyone)")
        if self.contact_query.added is not None:
            parts.append(f"added {self.added_label} (esc shows everyone)")
        if self.table.selected:
            parts.append(f"{len(self.table.selected)} selected")
        parts.append(self.working)
        status = self.query_one("#contact-status", Static)
        # Literal (a tag, a segment or a rule may hold "[…]"): never markup. Fixed size.
        shown = for_terminal(" · ".join(p for p in parts if p), single_line=True)
        status.update(Content(bidi.layout(shown, ltr=True)), layout=False)

    def _counted(self, total: int | None, exact: bool) -> str:
        """ "1 contact matches 'sara'", "5,000+ contacts match 'a'", "12 contacts"."""
        search = self.contact_query.search.strip()
        if total is None:
            return f"counting matches for {search!r}…" if search else "counting…"
        counted = plural(total, "contact") if exact else f"{display.number(COUNT_CAP)}+ contacts"
        if not search:
            return counted
        return f"{counted} {'matches' if exact and total == 1 else 'match'} {search!r}"

    # -- the detail pane ---------------------------------------------------------------------

    @on(VirtualTable.Highlighted, "#contact-table")
    def _highlighted(self, message: VirtualTable.Highlighted) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        row = message.row
        if row is None:
            if not self.table.total and self.shown is not None:  # nothing matches: no stale detail
                self.shown = None
                self.query_one(ContactDetail).clear()
            return
        if self.shown is not None and self.shown.id == row.id and self.shown.version == row.version:
            return
        self._detail_timer = self.set_timer(0.08, lambda: self._load_detail(row.id))

    @work(thread=True, exclusive=True, group="contact-detail")
    def _load_detail(self, contact_id: int) -> None:
        def load() -> None:
            with self.read() as session:
                contact = service.get_contact(
                    session=session, contact_id=contact_id, include_deleted=True
                )
                timeline = contact_timeline(session=session, contact_id=contact_id, limit=50)
                dates = dates_of(session=session, contact_id=contact_id)
            if not get_current_worker().is_cancelled:
                self.post_message(self.DetailLoaded(contact, timeline, dates))

        self.guarded(load)

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
        if not self.table.total:  # a late answer for a row the list no longer has
            return
        self.shown = message.contact
        self.query_one(ContactDetail).show(message.contact, message.timeline, message.dates)

    @on(Changed)
    def _changed(self) -> None:
        self.reload()
        row = self.table.current
        if row is not None:
            self._load_detail(row.id)

    # -- search, sort, filter ----------------------------------------------------------------

    @on(Input.Changed, "#contact-search")
    def _search_changed(self, event: Input.Changed) -> None:
        # Wait for a pause in the typing: "sara" typed at speed runs one query, not four.
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_PAUSE, lambda: self._search(event.value))

    def _search(self, text: str) -> None:
        if text == self.contact_query.search:
            return
        self.contact_query = replace(self.contact_query, search=text, only_id=None)
        self.table.cursor = 0
        self.reload()

    @on(Input.Submitted, "#contact-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._search(event.value)
        self.table.focus()

    def action_focus_search(self) -> None:
        self.query_one("#contact-search", Input).focus()

    def action_leave_search(self) -> None:
        search = self.query_one("#contact-search", Input)
        if search.has_focus:
            self.table.focus()
        elif search.value:
            search.value = ""
        elif self.contact_query.only_id is not None or self.contact_query.added is not None:
            self.contact_query = replace(self.contact_query, only_id=None, added=None)
            self.reload()
        elif self.table.selected:
            self.table.clear_selection()
            self._show_status(self.table.total)

    def action_sort(self) -> None:
        """Sort by the next column shown (one hidden at this width would leave the list
        looking unsorted)."""
        shown = {column.key for column in self.table.shown_columns}
        position = SORTS.index(self.contact_query.sort)
        following = SORTS[position + 1 :] + SORTS[: position + 1]
        self._sort_by(next((s for s in following if s.value in shown), following[-1]))

    def _sort_by(self, sort: ContactSort) -> None:
        descending = sort is ContactSort.LAST_CONTACTED
        self.contact_query = replace(self.contact_query, sort=sort, descending=descending)
        self.reload()

    def action_reverse(self) -> None:
        self.contact_query = replace(
            self.contact_query, descending=not self.contact_query.descending
        )
        self.reload()

    @on(VirtualTable.HeaderClicked, "#contact-table")
    def _header_clicked(self, message: VirtualTable.HeaderClicked) -> None:
        sort = ContactSort(message.column.key)
        if sort is self.contact_query.sort:
            self.action_reverse()
        else:
            self._sort_by(sort)

    def action_filter(self) -> None:
        self._open_filter()

    @work(thread=True, group="contacts-tags")
    def _open_filter(self) -> None:
        """Open the filter with the tags and the saved segments, then count each segment
        into it: a segment's count may read many rows, the dialog waits for none of them."""
        from crm_tui.services.segments import list_segments

        def choices() -> tuple[list[tuple[str, int]], list[SegmentRead]]:
            with self.read() as session:
                return list_tags(session=session), list_segments(session=session)

        found = self.guarded(choices)
        if found is None:
            return
        dialog = self.app.call_from_thread(self._push_filter, *found)
        for one in found[1]:
            if not dialog.is_attached:  # closed before every count came
                return

            def count(rule: str = one.rule) -> str:
                with self.read() as session:
                    return rule_count_said(session, rule)

            said = self.guarded(count)
            if said is None or not dialog.is_attached:
                return
            self.app.call_from_thread(dialog.counted, one.name, said)

    def _push_filter(
        self, tags: list[tuple[str, int]], saved: list[SegmentRead]
    ) -> ContactFilterDialog:
        rules_of = {one.name: one.rule for one in saved}

        def chosen(result: ContactFilter | None) -> None:
            if result is not None:
                self._filter_by(result, rules_of.get(result.segment or ""))

        shown = replace(self.filter, tag=self.contact_query.tag, status=self.contact_query.status)
        dialog = ContactFilterDialog(tags, shown, [(one.name, "counting…") for one in saved])
        self.app.push_screen(dialog, chosen)
        return dialog

    def _filter_by(self, result: ContactFilter, segment_rule: str | None) -> None:
        """Narrow the list as ``result`` says (``segment_rule``: its segment's rule)."""
        parts = [f"({segment_rule})"] if segment_rule else []
        parts += [f"({result.rule})"] if result.rule else []
        self.filter = result
        self.contact_query = replace(
            self.contact_query, tag=result.tag, status=result.status, rule=" ".join(parts)
        )
        self.table.cursor = 0
        self.reload()

    def show_segment(self, name: str, rule: str) -> None:
        """Show a saved segment's contacts (from the command palette)."""
        self._filter_by(ContactFilter(segment=name), rule)

    def action_fields(self) -> None:
        from screens.fields_dialog import FieldsDialog

        self.app.push_screen(FieldsDialog(), lambda _: self.refresh_data())

    def action_rule(self) -> None:
        self._open_rule_builder()

    @work(thread=True, group="contacts-tags")
    def _open_rule_builder(self) -> None:
        from crm_tui.services.exports import custom_keys
        from crm_tui.services.fields import list_fields

        def names() -> list[str]:
            with self.read() as session:
                defined = [one.name for one in list_fields(session=session)]
                return list(dict.fromkeys([*defined, *custom_keys(session=session)]))

        fields = self.guarded(names)
        if fields is not None:
            self.app.call_from_thread(self._push_rule_builder, fields)

    def _push_rule_builder(self, fields: list[str]) -> None:
        from screens.rule_dialog import RuleDialog

        current = self.contact_query.rule  # the segment's and the rule's, as they narrow
        self.app.push_screen(RuleDialog(current, fields), self._rule_built)

    def _rule_built(self, built: BuiltRule | None) -> None:
        """Apply the built rule: as the segment it was saved as, when it was named."""
        if built is None:
            return
        kept = replace(self.filter, segment=None)  # the tag and status chosen stay
        if not built.saved_as:
            self._filter_by(replace(kept, rule=built.rule), None)
            return
        self.notify(f"saved segment {built.saved_as}", timeout=3)
        self._filter_by(replace(kept, segment=built.saved_as, rule=""), built.rule)

    def action_trash(self) -> None:
        self.contact_query = replace(self.contact_query, trash=not self.contact_query.trash)
        self.table.clear_selection()
        self.table.cursor = 0
        self.reload()
        title = "Trash: u restores" if self.contact_query.trash else ""
        self.sub_title = title

    # -- acting on contacts ------------------------------------------------------------------

    def _targets(self) -> list[ContactRow]:
        """The selected rows, or else the row under the cursor."""
        if self.table.selected:
            return list(self.table.selected.values())
        row = self.table.current
        return [row] if row is not None else []

    def action_new(self) -> None:
        self.app.push_screen(ContactForm(None), self._saved)

    def action_edit(self) -> None:
        row = self.table.current
        if row is None or self.contact_query.trash:
            return
        self._open_form(row.id)

    @work(thread=True, group="contact-form")
    def _open_form(self, contact_id: int) -> None:
        def load() -> ContactRead:
            with self.read() as session:
                return service.get_contact(session=session, contact_id=contact_id)

        contact = self.guarded(load)
        if contact is not None:
            self.app.call_from_thread(self.app.push_screen, ContactForm(contact), self._saved)

    def _saved(self, contact: ContactRead | None) -> None:
        """After the form: the cursor goes to the contact, wherever its new values put it."""
        if contact is not None:
            self.notify(f"saved {contact.name}", timeout=3)
            self.table.go_to(
                contact.id,
                missing=lambda: self.notify(
                    f"{contact.name} is not in this list (esc clears the search and filters)"
                ),
            )

    def action_delete(self) -> None:
        rows = self._targets()
        if not rows or self.contact_query.trash:
            return
        what = rows[0].name if len(rows) == 1 else plural(len(rows), "contact")
        self.app.push_screen(
            ConfirmDialog(f"Move {what} to the trash?", "T shows the trash; u restores."),
            lambda yes: self._delete([r.id for r in rows]) if yes else None,
        )

    def _delete(self, ids: list[int]) -> None:
        self.write_in_worker(
            lambda session: service.delete_contacts(
                session=session, contact_ids=ids, actor_id=self.actor_id
            ),
            lambda count: self._wrote(
                f"moved {plural(count, 'contact')} to the trash (T to see it)"
            ),
            group="contacts-write",
        )

    def _wrote(self, said: str) -> None:
        """After a write to the selected contacts: say what was done, the list follows."""
        self.table.clear_selection()
        self.notify(said)
        self.post_message(self.Changed())

    def action_restore(self) -> None:
        if self.contact_query.trash and self._targets():
            self._restore([row.id for row in self._targets()])

    def _restore(self, ids: list[int]) -> None:
        self.write_in_worker(
            lambda session: service.restore_contacts(
                session=session, contact_ids=ids, actor_id=self.actor_id
            ),
            lambda count: self._wrote(f"restored {plural(count, 'contact')}"),
            group="contacts-write",
        )

    def action_tag(self) -> None:
        rows = self._targets()
        if rows and not self.contact_query.trash:
            self.app.push_screen(
                TagDialog(len(rows)), lambda answer: self._tag(rows, answer) if answer else None
            )

    def _tag(self, rows: list[ContactRow], answer: str) -> None:
        remove = answer.startswith("-")
        self._apply_tag([row.id for row in rows], answer.lstrip("-+").strip(), remove)

    def _apply_tag(self, ids: list[int], tag: str, remove: bool) -> None:
        """One bulk batch like ``b``'s, so that ctrl+z undoes it too."""
        from crm_tui.services.bulk import Tag

        self._run_bulk(Tag(tag, remove=remove), ids, "tagged in the contacts list")

    # -- bulk actions ------------------------------------------------------------------------

    def action_bulk(self) -> None:
        rows = self._targets()
        if self.contact_query.trash or not rows:
            return
        few = (
            f"the {plural(len(rows), 'contact')} selected" if self.table.selected else rows[0].name
        )
        total, exact = self.counted
        listed = "every contact in this list"
        if total is not None:
            capped = f"{display.number(COUNT_CAP)}+ contacts"
            listed += f" ({plural(total, 'contact') if exact else capped})"
        ids = [row.id for row in rows]
        # The list as it is now: it may change while the dialog is open.
        query, source = self.contact_query, self._bulk_source()
        self.app.push_screen(
            BulkDialog(few, listed),
            lambda choice: self._count_bulk(choice, ids, query, source) if choice else None,
        )

    @work(thread=True, group="contacts-bulk")
    def _count_bulk(
        self, choice: BulkChoice, ids: list[int], query: ContactQuery, source: str
    ) -> None:
        """Check the action, read the exact contacts (every one the list holds, read now),
        then ask with their count."""
        from crm_tui.services.bulk import describe, resolved

        def prepare() -> tuple[Action | ExportFile, list[int]]:
            with self.read() as session:
                action = choice.action
                if not isinstance(action, ExportFile):
                    action = resolved(session=session, action=action)
                if not choice.everyone:
                    return action, ids
                return action, service.contact_ids_matching(session=session, query=query)

        found = self.guarded(prepare)
        if found is None:
            return
        action, chosen = found
        if not chosen:
            self.app.call_from_thread(self.notify, "no contacts in this list: nothing to do")
            return
        if isinstance(action, ExportFile):
            ask = self._ask_export(action.path, chosen)
        else:
            question = describe(action, len(chosen), grouped=True) + "?"
            detail = "One batch: ctrl+z here (or crm bulk undo) undoes it."
            said = source if choice.everyone else "chosen in the contacts list"
            ask = (
                ConfirmDialog(question, detail),
                lambda yes: self._run_bulk(action, chosen, said) if yes else None,
            )
        self.app.call_from_thread(self.app.push_screen, *ask)

    def _ask_export(
        self, path: Path, ids: list[int]
    ) -> tuple[ConfirmDialog, Callable[[bool | None], object]]:
        replaces = " (replacing the file there)" if path.exists() else ""
        question = f"Export {plural(len(ids), 'contact')} to {path}{replaces}?"
        detail = "A CSV file as crm export contacts writes it, readable by you only."
        return ConfirmDialog(question, detail), lambda yes: self._export(path, ids) if yes else None

    @work(thread=True, group="contacts-export")
    def _export(self, path: Path, ids: list[int]) -> None:
        from crm_tui.services.exports import export_contacts_csv

        def write() -> int:
            with self.read() as session:
                return export_contacts_csv(session=session, path=path, only=ids)

        count = self.guarded(write)
        if count is not None:
            self.app.call_from_thread(self.notify, f"wrote {plural(count, 'contact')} to {path}")

    def _bulk_source(self) -> str:
        """How the list's contacts were chosen, as a bulk batch keeps it."""
        query = self.contact_query
        parts = [
            f"segment {self.filter.segment}" if query.rule and self.filter.segment else "",
            f"rule {self.filter.rule}" if query.rule and self.filter.rule else "",
            f"tag {query.tag}" if query.tag else "",
            query.status or "",
            f"search {query.search.strip()!r}" if query.search.strip() else "",
            f"added {self.added_label}" if query.added is not None else "",
            f"only #{query.only_id}" if query.only_id is not None else "",
        ]
        return ", ".join(part for part in parts if part) or "every contact"

    def _run_bulk(self, action: Action, ids: list[int], source: str) -> None:
        from crm_tui.services.bulk import run_bulk

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._bulk_progress, f"working: {done:,} of {total:,}")

        self._bulk_progress(f"working on {plural(len(ids), 'contact')}…")
        self.write_in_worker(
            lambda session: run_bulk(
                session=session,
                contact_ids=ids,
                action=action,
                actor_id=self.actor_id,
                source=source,
                progress=progress,
            ),
            lambda report: self._bulk_done(action, report),
            group="contacts-write",
            failed=self._bulk_failed,
        )

    def _bulk_progress(self, said: str) -> None:
        self.working = said
        total, exact = self.counted
        self._show_status(total, exact=exact)

    def _bulk_failed(self, error: Exception) -> None:
        self._bulk_progress("")
        self.report(error)

    def _bulk_done(self, action: Action, report: BulkReport) -> None:
        self.working = ""
        batch = report.batch_id
        undo = f" (batch {display.ident(batch)}; ctrl+z undoes it)" if batch else ""
        self._wrote(report.summary(action) + undo)

    def action_undo_bulk(self) -> None:
        self._find_last_bulk()

    @work(thread=True, group="contacts-bulk")
    def _find_last_bulk(self) -> None:
        from crm_tui.services.imports import list_batches
        from crm_tui.vocabulary import BulkKind

        def newest() -> list[dict[str, Any]]:
            with self.read() as session:
                return list_batches(session=session, kinds=list(BulkKind), limit=1, open_only=True)

        found = self.guarded(newest)
        if found is None:  # said already
            return
        if not found:
            self.app.call_from_thread(self.notify, "no bulk action to undo", timeout=3)
            return
        batch = found[0]
        count = batch["created"] or batch["updated"]
        what = BulkKind(batch["kind"]).label
        number = display.ident(batch["id"])
        question = f"Undo bulk action {number} ({what}, {plural(count, 'contact')})?"
        detail = f"{batch['source']}; what was edited since is kept"
        self.app.call_from_thread(
            self.app.push_screen,
            ConfirmDialog(question, detail, yes="Undo"),
            lambda yes: self._undo_bulk(batch["id"]) if yes else None,
        )

    def _undo_bulk(self, batch_id: int) -> None:
        from crm_tui.services.imports import undo_import
        from crm_tui.vocabulary import BulkKind

        def said(report: UndoReport) -> str:
            if not report.undone:
                batch = display.ident(batch_id)
                return f"nothing undone: all of {batch} was worked on since (crm bulk undo)"
            kept = report.kept
            kept_said = (
                f"; kept {display.number(len(kept))} (crm bulk undo says why)" if kept else ""
            )
            return f"undid {display.ident(batch_id)}: {report.summary()}{kept_said}"

        self.write_in_worker(
            lambda session: undo_import(
                session=session,
                batch_id=batch_id,
                kinds=list(BulkKind),
                what="bulk action",
                actor_id=self.actor_id,
            ),
            lambda report: self._wrote(said(report)),
            group="contacts-write",
        )

    def action_log(self) -> None:
        row = self.table.current
        if row is not None and not self.contact_query.trash:
            form = InteractionForm(contact_id=row.id, contact_name=row.name)
            self.app.push_screen(form, self._refresh_after)

    def action_task(self) -> None:
        row = self.table.current
        if row is not None and not self.contact_query.trash:
            form = TaskForm(None, contact_id=row.id, contact_name=row.name)
            self.app.push_screen(form, self._refresh_after)

    def action_organization(self) -> None:
        """The contact's organization: its people, its deals, and its timeline."""
        from screens.timeline_dialog import TimelineDialog, organization_story

        row = self.table.current
        if row is None:
            return
        if not row.organization:
            self.notify(f"{display.ident(row.id)} has no organization", timeout=3)
            return
        self.app.push_screen(TimelineDialog(row.organization, organization_story(row.id)))

    def _refresh_after(self, result: object) -> None:
        if result is not None:
            self.post_message(self.Changed())

    def action_duplicates(self) -> None:
        from screens.duplicates import DuplicatesScreen

        self.app.push_screen(DuplicatesScreen(), lambda _: self.post_message(self.Changed()))

    def show_added(self, start: datetime, end: datetime, label: str) -> None:
        """Show the contacts added from ``start`` until before ``end`` (the dashboard's new
        leads; ``label`` names the period); escape brings everyone back."""
        self.contact_query = ContactQuery(added=(start, end))
        self.added_label = label
        self.table.cursor = 0
        if self.is_mounted:
            self.reload()

    def show_contact(self, contact_id: int) -> None:
        """Show just this contact (from Today); escape brings the whole list back."""
        self.contact_query = ContactQuery(only_id=contact_id)
        self.table.cursor = 0
        if self.is_mounted:
            self.reload()

    @on(VirtualTable.Chosen, "#contact-table")
    def _chosen(self) -> None:
        detail = self.query_one(ContactDetail)
        detail.display = True
        detail.focus()

    def action_toggle_details(self) -> None:
        # at 120 columns the phone and tags columns come back
        self.toggle_detail(self.query_one(ContactDetail), self.table)
