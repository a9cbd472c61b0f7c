"""Editing the sales process (``S`` on the pipeline): a pipeline's stages (renamed, their
probability set, added, moved, removed with their deals moved on), the pipelines (added,
made the default) and the lost reasons, through ``crm_tui.services.stages`` (the same rules
as ``crm stages``). Every change is written at once, in a worker, and the list read again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from crm_tui import bidi, display
from crm_tui.services.deals import PipelineRead, StageRead
from crm_tui.text import for_terminal
from crm_tui.vocabulary import Outcome
from screens.base import DialogStyles, UsesDatabase, describe_error
from screens.dialogs import chosen, say_error
from screens.text import editable, literal, safe


def stage_line(stage: StageRead, number: int) -> Content:
    """ "2. Qualified 25%", "Won (closes as won)": laid out left to right around the
    name, which reads in its own direction."""
    name = bidi.isolated(for_terminal(stage.name, single_line=True))
    if stage.outcome != Outcome.OPEN:
        return Content(bidi.layout(f"   {name} (closes as {stage.outcome})", ltr=True))
    line = f"{display.digits(f'{number:>2}')}. {name}  {display.digits(f'{stage.probability}%')}"
    return Content(bidi.layout(line, ltr=True))


class StagesDialog(UsesDatabase, DialogStyles, ModalScreen[bool]):
    """Dismissed with whether anything changed (the board then reads its stages again)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+up", "move(-1)", "Stage up", show=False),
        Binding("ctrl+down", "move(1)", "Stage down", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pipeline_id: int | None = None
        self.stages: list[StageRead] = []
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="stages-dialog"):
            yield Static("Sales process", classes="dialog-title")
            with Horizontal(classes="stages-row"):
                yield Select([], id="stages-pipeline", allow_blank=True, compact=True)
                yield Button("Make default", id="stages-default", compact=True)
            yield OptionList(id="stages-list")
            with Horizontal(classes="stages-row"):
                yield Input(placeholder="stage name", id="stage-name", compact=True)
                yield Input(placeholder="%", id="stage-probability", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="stage-save", compact=True)
                yield Button("Add", id="stage-add", compact=True)
                yield Button("Up", id="stage-up", compact=True)
                yield Button("Down", id="stage-down", compact=True)
                yield Button("Remove", id="stage-remove", compact=True)
            yield Label("Add: a stage after the one chosen. Lost reasons (-name takes one off):")
            yield Static("", id="stages-reasons", classes="dialog-hint")
            with Horizontal(classes="stages-row"):
                yield Input(
                    placeholder="reason, or a new pipeline's name", id="stages-more", compact=True
                )
                yield Button("+ reason", id="reason-add", compact=True)
                yield Button("+ pipeline", id="pipeline-add", compact=True)
            yield Static("", id="stages-said", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#stages-list", OptionList).focus()
        self._load()

    # -- reading -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="stages")
    def _load(self) -> None:
        from crm_tui.services.deals import lost_reasons, pipelines, stages

        try:
            with self.read() as session:
                found = pipelines(session=session)
                pipeline = self.pipeline_id or (found[0].id if found else None)
                listed = stages(session=session, pipeline_id=pipeline)
                reasons = lost_reasons(session=session)
        except Exception as error:  # said in the dialog
            self.app.call_from_thread(self._say, describe_error(error))
            return
        self.app.call_from_thread(self._show, found, pipeline, listed, reasons)

    def _show(
        self,
        found: list[PipelineRead],
        pipeline: int | None,
        listed: list[StageRead],
        reasons: list[str],
    ) -> None:
        self.pipeline_id, self.stages = pipeline, listed
        select = self.query_one("#stages-pipeline", Select)
        with select.prevent(Select.Changed):
            select.set_options(
                [
                    (
                        literal(
                            f"{p.name}{' (default)' if p.is_default else ''}", single_line=True
                        ),
                        p.id,
                    )
                    for p in found
                ]
            )
            select.value = pipeline if pipeline is not None else Select.NULL
        options = self.query_one("#stages-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        numbers = iter(range(1, len(listed) + 1))
        options.add_options(
            [
                Option(stage_line(s, next(numbers) if s.outcome == Outcome.OPEN else 0))
                for s in listed
            ]
        )
        if listed:
            options.highlighted = min(highlighted or 0, len(listed) - 1)
        shown = ", ".join(safe(reason, single_line=True) for reason in reasons)  # each laid out
        self.query_one("#stages-reasons", Static).update(Content(shown))

    @property
    def stage(self) -> StageRead | None:
        index = self.query_one("#stages-list", OptionList).highlighted
        return self.stages[index] if index is not None and index < len(self.stages) else None

    @on(OptionList.OptionHighlighted, "#stages-list")
    def _highlighted(self) -> None:
        stage = self.stage
        if stage is not None:
            self.query_one("#stage-name", Input).value = editable(stage.name)
            shown = str(stage.probability) if stage.outcome == Outcome.OPEN else ""
            self.query_one("#stage-probability", Input).value = shown

    @on(Select.Changed, "#stages-pipeline")
    def _pipeline_chosen(self, event: Select.Changed) -> None:
        picked = chosen(event.value)
        if picked is not None and picked != self.pipeline_id:
            self.pipeline_id = int(picked)
            self.query_one("#stages-list", OptionList).highlighted = 0
            self._load()

    # -- writing -----------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        say_error(self.query_one("#stages-said", Static), text)

    def _write(self, change: Callable[[Any], object], done: str) -> None:
        """Write ``change`` in a worker; say ``done`` (or why not) and read everything again."""

        def written(_: object) -> None:
            self.changed = True
            self._say(done)
            self._load()

        self.write_in_worker(
            change, written, group="stages-write", failed=lambda e: self._say(describe_error(e))
        )

    def _probability(self) -> int | None:
        typed = self.query_one("#stage-probability", Input).value.strip().rstrip("%")
        if not typed:
            return None
        if not typed.isdigit():
            raise ValueError(f"a probability is a percent from 0 to 100, not {typed!r}")
        return int(typed)

    @on(Button.Pressed, "#stage-save")
    def _save(self) -> None:
        from crm_tui.services.stages import edit_stage

        stage = self.stage
        if stage is None:
            return
        name = self.query_one("#stage-name", Input).value
        try:
            probability = self._probability() if stage.outcome == Outcome.OPEN else None
        except ValueError as error:
            self._say(str(error))
            return
        self._write(
            lambda session: edit_stage(
                session=session, stage_id=stage.id, name=name, probability=probability
            ),
            f"saved {name.strip()}",
        )

    @on(Button.Pressed, "#stage-add")
    def _add(self) -> None:
        from crm_tui.services.stages import add_stage

        stage = self.stage
        name = self.query_one("#stage-name", Input).value
        try:
            probability = self._probability()
        except ValueError as error:
            self._say(str(error))
            return
        after = stage.id if stage is not None and stage.outcome == Outcome.OPEN else None
        self._write(
            lambda session: add_stage(
                session=session,
                name=name,
                probability=probability if probability is not None else 0,
                pipeline_id=self.pipeline_id,
                after=after,
            ),
            f"added {name.strip()}",
        )

    @on(Button.Pressed, "#stage-up")
    def _up(self) -> None:
        self.action_move(-1)

    @on(Button.Pressed, "#stage-down")
    def _down(self) -> None:
        self.action_move(1)

    def action_move(self, offset: int) -> None:
        from crm_tui.services.stages import move_stage

        stage = self.stage
        if stage is None:
            return
        options = self.query_one("#stages-list", OptionList)
        index = options.highlighted or 0
        options.highlighted = max(0, min(index + offset, len(self.stages) - 1))
        self._write(
            lambda session: move_stage(session=session, stage_id=stage.id, offset=offset),
            f"moved {stage.name}",
        )

    @on(Button.Pressed, "#stage-remove")
    def _remove(self) -> None:
        """Remove the stage; deals in it move to the open stage before it (else after)."""
        from crm_tui.services.stages import remove_stage

        stage = self.stage
        if stage is None:
            return
        others = [s for s in self.stages if s.outcome == Outcome.OPEN and s.id != stage.id]
        before = [s for s in others if s.position < stage.position]
        target = (before[-1] if before else others[0]) if others else None
        self._write(
            lambda session: remove_stage(
                session=session,
                stage_id=stage.id,
                move_to=target.id if target else None,
                actor_id=self.crm.actor_id,
            ),
            f"removed {stage.name}" + (f"; its deals are in {target.name}" if target else ""),
        )

    @on(Button.Pressed, "#reason-add")
    def _reason(self) -> None:
        from crm_tui.services.stages import add_lost_reason, remove_lost_reason

        typed = self.query_one("#stages-more", Input).value.strip()
        if typed.startswith("-"):
            name = typed[1:].strip()
            self._write(lambda s: remove_lost_reason(session=s, name=name), f"took {name} off")
        else:
            self._write(lambda s: add_lost_reason(session=s, name=typed), f"added {typed}")

    @on(Button.Pressed, "#pipeline-add")
    def _pipeline(self) -> None:
        from crm_tui.services.stages import add_pipeline

        name = self.query_one("#stages-more", Input).value

        def change(session: Any) -> None:
            self.pipeline_id = add_pipeline(session=session, name=name).id

        self._write(change, f"added the pipeline {name.strip()} (the default's stages, to edit)")

    @on(Button.Pressed, "#stages-default")
    def _default(self) -> None:
        from crm_tui.services.stages import set_default_pipeline

        pipeline = self.pipeline_id
        if pipeline is not None:
            self._write(
                lambda s: set_default_pipeline(session=s, pipeline_id=pipeline),
                "made it the default pipeline",
            )

    def action_close(self) -> None:
        self.dismiss(self.changed)
