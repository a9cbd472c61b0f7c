"""The rule builder (``R`` on the contacts list): a key, a comparison and a value added to
the rule with And, Or or And not, the rule's text shown as the CLI and the filter take it
(and editable as text), how many contacts it holds now; applied to the list, or saved as a
segment first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import get_current_worker

from crm_tui import rules
from crm_tui.errors import CrmError
from crm_tui.services.segment_history import is_history_key
from screens.base import DialogStyles, UsesDatabase, describe_error
from screens.dialogs import chosen
from screens.paging import rule_count
from screens.text import editable, literal

# The keys of the rule language (``crm_tui.services.segments``), as the builder offers them.
KEYS: list[tuple[str, str]] = [
    ("Status", "status"),
    ("Tag", "tag"),
    ("Owner", "owner"),
    ("Source", "source"),
    ("Organization", "org"),
    ("Name", "name"),
    ("Created", "created"),
    ("Last contacted", "last_contacted"),
    ("Complaint (open, any)", "complaint"),
    ("Last interaction's sentiment", "sentiment"),
    ("Interactions", "interactions"),
    ("Interactions, last 90 days", "interactions_90d"),
    ("Deals won", "won"),
    ("Value won", "won_value"),
    ("Open deals' value", "open_value"),
    ("Has a deal in the stage", "stage"),
    ("Last deal won", "last_won"),
]
OPERATORS: list[tuple[str, str]] = [
    ("is", "="),
    ("is not", "!="),
    ("more than, after", ">"),
    ("at least", ">="),
    ("less than, before", "<"),
    ("at most", "<="),
    ("contains", "~"),
]
_OURS = {key for _, key in KEYS} | {"organization", "custom"}
COUNT_PAUSE = 0.3  # seconds without a change before the rule is counted


@dataclass(frozen=True)
class BuiltRule:
    rule: str
    saved_as: str = ""  # the segment it was saved as; "": applied without saving it


def combined(rule: str, term: rules.Term, how: str) -> str:
    """``rule`` with ``term`` added: "and", "or" or "not" (and not)."""
    added: rules.Rule = rules.Not(term) if how == "not" else term
    if not rule.strip():
        return rules.text(added)
    current = rules.parse(rule)
    joined = rules.Any_((current, added)) if how == "or" else rules.All((current, added))
    return rules.text(joined)


class RuleDialog(UsesDatabase, DialogStyles, ModalScreen[BuiltRule | None]):
    """Build a rule term by term, or write it; Apply narrows the list to it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, rule: str, fields: list[str]) -> None:
        super().__init__()
        self.rule, self.fields = rule, fields
        self._timer: Timer | None = None
        self.saving = False  # a segment is being saved: the dialog waits for the answer

    def compose(self) -> ComposeResult:
        keys = KEYS + [(literal(name, single_line=True), name) for name in self.fields]
        with Vertical(classes="dialog", id="rule-dialog"):
            yield Static("Build a rule", classes="dialog-title")
            with Horizontal(id="rule-term"):
                yield Select(keys, value="status", allow_blank=False, id="rule-key", compact=True)
                yield Select(OPERATORS, value="=", allow_blank=False, id="rule-op", compact=True)
            yield Input(
                placeholder="value: customer, vip, 90d, 2026-01-01, 5000EUR…",
                id="rule-value",
                compact=True,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("And", id="rule-and", compact=True)
                yield Button("Or", id="rule-or", compact=True)
                yield Button("And not", id="rule-not", compact=True)
            yield Label("Rule (as the CLI and the filter take it; edit it as text too)")
            yield Input(editable(self.rule), id="rule-text", compact=True)
            yield Static("", id="rule-count", classes="dialog-hint")
            yield Label("Save as a segment named (empty: only apply)")
            yield Input(id="rule-name", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="primary", id="rule-apply", compact=True)
                yield Button("Cancel", id="rule-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#rule-value", Input).focus()
        self._recount()

    @on(Button.Pressed, "#rule-and")
    @on(Button.Pressed, "#rule-or")
    @on(Button.Pressed, "#rule-not")
    def _pressed(self, event: Button.Pressed) -> None:
        self.add((event.button.id or "rule-and").removeprefix("rule-"))

    @on(Select.Changed, "#rule-key")
    def _key_changed(self) -> None:
        # The comparison chosen for the last key ("more than, after") seldom fits the next.
        self.query_one("#rule-op", Select).value = "="

    @on(Input.Submitted, "#rule-value")
    def _value_submitted(self) -> None:
        self.add("and")

    def add(self, how: str) -> None:
        """Add the term the key, comparison and value say: "and", "or" or "not"."""
        value = self.query_one("#rule-value", Input).value.strip()
        key = str(chosen(self.query_one("#rule-key", Select).value) or "status")
        op = str(chosen(self.query_one("#rule-op", Select).value) or "=")
        if key in self.fields and (key.lower() in _OURS or is_history_key(key.lower())):
            key = f"custom.{key}"  # a field called like one of the language's keys
        text = self.query_one("#rule-text", Input)
        try:
            text.value = combined(text.value, rules.Term(key, op, value), how)
        except CrmError as error:
            self._say(str(error))
            return
        self.query_one("#rule-value", Input).value = ""
        self.query_one("#rule-value", Input).focus()

    @on(Input.Changed, "#rule-text")
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(COUNT_PAUSE, self._recount)

    def _recount(self) -> None:
        self._count(self.query_one("#rule-text", Input).value.strip())

    @work(thread=True, exclusive=True, group="rule-count")
    def _count(self, rule: str) -> None:
        if not rule:
            said = "an empty rule holds every contact"
        else:
            try:
                with self.read() as session:
                    said = rule_count(session, rule)
            except Exception as error:  # a rule that cannot be read says why
                said = describe_error(error)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._say, said)

    def _say(self, said: str) -> None:
        self.query_one("#rule-count", Static).update(literal(said, single_line=True))

    @on(Button.Pressed, "#rule-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        if not self.saving:  # once asked to save, the answer closes it (or says why not)
            self.dismiss(None)

    @on(Button.Pressed, "#rule-apply")
    @on(Input.Submitted, "#rule-name")
    def _apply(self) -> None:
        if self.saving:
            return
        rule = self.query_one("#rule-text", Input).value.strip()
        try:
            rule = rules.text(rules.parse(rule))
        except CrmError as error:
            self._say(str(error))
            return
        name = self.query_one("#rule-name", Input).value.strip()
        if name:
            self.saving = True
            self._save(rule, name)
        else:
            self.dismiss(BuiltRule(rule))

    def _refused(self, said: str) -> None:
        """Why the segment was not saved, in place of the count (a count on its way would
        say over it), and the name to change."""
        self.saving = False
        if not self.is_attached:
            return
        if self._timer is not None:
            self._timer.stop()
        self.workers.cancel_group(self, "rule-count")
        self._say(said)
        self.query_one("#rule-name", Input).focus()

    @work(thread=True, exclusive=True, group="rule-save")
    def _save(self, rule: str, name: str) -> None:
        """Save the segment here, so that a refusal (a name taken) is said in the dialog,
        which stays open with what was built."""
        from crm_tui.services.segments import add_segment

        try:
            with self.write() as session:
                saved = add_segment(session=session, name=name, rule=rule)
        except Exception as error:
            self.app.call_from_thread(self._refused, describe_error(error))
            return
        self.app.call_from_thread(self._saved, BuiltRule(saved.rule, saved.name))

    def _saved(self, built: BuiltRule) -> None:
        if self.is_current:  # still on top: its answer goes to the list
            self.dismiss(built)
