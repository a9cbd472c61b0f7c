"""What every screen shares: access to the database, the day, and error reporting."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import events, on
from textual.app import CSSPathType
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

from crm_tui import text
from crm_tui.errors import CrmError
from screens.textual_compat import mark_styled

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_tui.app import CrmApp

T = TypeVar("T")


def describe_error(error: BaseException) -> str:
    """A one-line message for a notification (never a traceback on screen)."""
    if isinstance(error, CrmError):
        return str(error)
    reason = str(getattr(error, "orig", None) or error).splitlines()
    text = reason[0] if reason else type(error).__name__
    if "locked" in text or "busy" in text:
        return "the database is busy (another crm is writing); try again"
    return f"something went wrong: {text}"


def stylesheet(name: str) -> Path:
    """A stylesheet of the ``screens`` package, for a screen's CSS_PATH: parsed when the
    screen is first shown, so the app's first paint does not pay for every screen's CSS."""
    return Path(__file__).with_name(name)


class DialogStyles:
    """For our dialogs (put it first among the bases): the dialogs' and forms' stylesheet."""

    CSS_PATH: ClassVar[CSSPathType | None] = stylesheet("dialogs.tcss")


class UsesDatabase:
    """For screens and dialogs: the app's database, day and user, and error reporting.

    Database work goes through ``read``/``write`` inside thread workers.
    """

    app: Any
    run_worker: Any

    @property
    def crm(self) -> CrmApp:
        return cast("CrmApp", self.app)

    @property
    def today(self) -> date:
        return self.crm.today

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.crm.database.read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.crm.database.write() as session:
            yield session

    def report(self, error: BaseException) -> None:
        """Show an error as a notification; safe to call from a worker thread."""
        self.app.notify(describe_error(error), title="Error", severity="error", timeout=8)
        if not isinstance(error, CrmError):
            self.app.log.error(repr(error))

    def guarded(self, work: Callable[[], T]) -> T | None:
        """Run ``work`` (in a worker thread); report a failure instead of crashing."""
        try:
            return work()
        except Exception as error:  # every failure becomes a notification
            self.report(error)
            return None

    def write_in_worker(
        self,
        write: Callable[[Session], T],
        then: Callable[[T], object] | None = None,
        *,
        group: str,
        failed: Callable[[Exception], object] | None = None,
        exclusive: bool = False,
    ) -> None:
        """Run ``write`` with a write session in a thread worker, in its own transaction.

        A failure rolls the transaction back (nothing half-written) and goes to ``failed``
        on the UI thread (a form shows it on itself), else becomes a notification; on
        success ``then`` gets what ``write`` returned, on the UI thread.
        """

        def run() -> None:
            try:
                with self.write() as session:
                    result = write(session)
            except Exception as error:  # a notification or the form's own error line
                if failed is None:
                    self.report(error)
                else:
                    self.app.call_from_thread(failed, error)
                return
            if then is not None:
                self.app.call_from_thread(then, result)

        self.run_worker(run, thread=True, group=group, exclusive=exclusive)

    @property
    def actor_id(self) -> int | None:
        return self.crm.actor_id

    @property
    def phone_region(self) -> str | None:
        return self.crm.settings.default_region


class DataChanged(Message):
    """Someone (another member, window or a cron job) committed a change to the database."""


class CrmScreen(UsesDatabase, Screen[None]):
    """A screen of the app."""

    def __init__(self) -> None:
        super().__init__()
        with suppress(RuntimeError):  # Textual's NoActiveAppError: built outside an app
            mark_styled(self, self.app)  # styled by the app's stylesheet as it is now
        self._maybe_stale = False  # styles may be stale: the screen was hidden since

    @on(events.ScreenSuspend)
    def _hidden(self) -> None:
        self._maybe_stale = True

    @on(events.ScreenResume)
    def _shown(self, event: events.ScreenResume) -> None:
        """Textual restyles the whole screen each time it is shown, for styles that went
        stale while another screen was; until then every widget is as styled when it
        mounted (a part of the first paint; a mode's first show resumes it twice)."""
        if not self._maybe_stale:
            event.refresh_styles = False
        self._maybe_stale = False

    def toggle_detail(self, pane: Widget, table: Widget) -> None:
        """Hide a list's detail pane, the list taking its room, or show it again (``v``)."""
        pane.display = not pane.display
        if not pane.display:
            table.focus()

    def on_data_changed(self, _message: DataChanged) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        """Show what the database holds now, keeping the cursor on the same record.

        Called when a change from elsewhere arrives while the screen is shown; forms and
        dialogs keep what the user typed (a save that meets a newer version asks).
        """


def plural(count: int, word: str, words: str | None = None) -> str:
    """A count as the screens show it: "1 contact", "1,234 contacts"."""
    return text.plural(count, word, words, grouped=True)
