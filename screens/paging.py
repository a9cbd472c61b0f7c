"""A table fed by a keyset-paged service, page by page, in thread workers (``PagedTable``).

A page is fetched through the cursor of a neighbouring page when one is known (the normal
case: scrolling, page-down), from either end, or by offset only for a far jump (dragging
the scrollbar). Every result carries the generation of the query it answers, so a page that
arrives after the user changed the search is dropped. The first page comes before the count;
a count is first capped (cheap), then exact.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual import on
from textual.message import Message
from textual.worker import Worker, get_current_worker

from crm_tui.services.common import Cursor, Page
from screens.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from sqlmodel import Session

    from screens.base import UsesDatabase

Row = TypeVar("Row")

# fetch(session, limit=, after=, before=, from_end=, offset=) -> Page
Fetch = Callable[..., Page[Any]]
# count(session, cap) -> int
Count = Callable[["Session", int | None], int]
# position(session, key) -> the record's row number in the query's order, None if not in it
Position = Callable[["Session", Any], int | None]
COUNT_CAP = 5_000
# An exact count past the cap reads every match (a million rows: a good part of a second), so
# it waits for the typing to pause: a newer keystroke cancels it before it starts.
EXACT_COUNT_PAUSE = 0.4


def rule_count_said(session: Any, rule: str) -> str:
    """``rule_count``, or that a saved rule no longer reads (a field's type changed under
    it): one broken segment must not hide the others."""
    from crm_tui.errors import CrmError

    try:
        return rule_count(session, rule)
    except CrmError as error:
        return f"its rule no longer reads: {error}"


def rule_count(session: Any, rule: str) -> str:
    """How many contacts a rule holds, counted as far as the lists count first ("1 contact",
    "5,000+ contacts"): a segment's live count in a picker."""
    from crm_tui import display
    from crm_tui.services.contacts import ContactQuery, count_contacts
    from crm_tui.text import plural

    found = count_contacts(session=session, query=ContactQuery(rule=rule), cap=COUNT_CAP + 1)
    if found > COUNT_CAP:
        return f"{display.number(COUNT_CAP)}+ contacts"
    return plural(found, "contact", grouped=True)


def _cancelled_within(worker: Worker[Any], seconds: float) -> bool:
    """Wait ``seconds`` in a thread worker; True as soon as the worker is cancelled."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if worker.is_cancelled:
            return True
        time.sleep(0.02)
    return worker.is_cancelled


@dataclass
class PageCursors:
    """The first/last cursors of the pages loaded for one query (generation).

    Workers call ``remember`` and ``fetch`` from their threads; the lock keeps a late page
    of an old query from leaving its cursors among the new query's.
    """

    generation: int = 0
    page_size: int = 100
    total: int = 0
    cursors: dict[int, tuple[Cursor | None, Cursor | None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def restart(self) -> int:
        with self._lock:
            self.generation += 1
            self.total = 0
            self.cursors.clear()
            return self.generation

    def remember(self, generation: int, page: int, result: Page[Any]) -> bool:
        """Keep the page's cursors; False (and nothing kept) if the query changed since."""
        with self._lock:
            if generation != self.generation:
                return False
            self.cursors[page] = (result.first, result.last)
            return True

    def fetch(self, page: int, fetch: Callable[..., Page[Any]]) -> Page[Any]:
        """Rows of ``page`` by the cheapest route the known cursors allow."""
        size = self.page_size
        with self._lock:
            before = self.cursors.get(page - 1)
            after = self.cursors.get(page + 1)
        if page == 0:
            return fetch(limit=size)
        if before is not None and before[1] is not None:
            return fetch(limit=size, after=before[1])
        if after is not None and after[0] is not None:
            return fetch(limit=size, before=after[0])
        last_page = (self.total - 1) // size if self.total else 0
        if page == last_page and self.total:
            return fetch(limit=self.total - page * size, from_end=True)
        return fetch(limit=size, offset=page * size)


class PageLoaded(Message):
    def __init__(
        self,
        loader: PagedLoader,
        generation: int,
        page: int,
        rows: list[Any],
        has_more: bool = False,
    ) -> None:
        super().__init__()
        self.loader, self.generation, self.page = loader, generation, page
        self.rows, self.has_more = rows, has_more


class CountLoaded(Message):
    def __init__(
        self, loader: PagedLoader, generation: int, total: int, exact: bool = True
    ) -> None:
        super().__init__()
        self.loader, self.generation, self.total, self.exact = loader, generation, total, exact


class PagedLoader:
    """Loads the pages of one ``PagedTable``, in workers of the table, reading through the
    table's screen; the table hands the messages that come back to it."""

    def __init__(
        self,
        table: VirtualTable[Any],
        *,
        fetch: Fetch,
        count: Count,
        group: str,
        position: Position | None = None,
        on_count: Callable[[int, bool], None] | None = None,
    ) -> None:
        self.table = table
        self.fetch, self.count, self.position, self.group = fetch, count, position, group
        self.on_count = on_count
        self.paging = PageCursors(page_size=table.page_size)
        self.shown_generation = 0  # the query whose rows the table holds
        self.follow: Hashable | None = None  # after a refresh, the record the cursor was on
        self.follow_from = 0  # the cursor's row then: moved since, the user has moved on

    @property
    def screen(self) -> UsesDatabase:
        """Where the database and the error reporting are: the screen showing the table."""
        return cast("UsesDatabase", self.table.screen)

    @property
    def generation(self) -> int:
        return self.paging.generation

    def reload(self, *, keep_current: bool = False, follow: Hashable | None = None) -> None:
        """Run the query again from its first page (the cursor stays where it was).

        ``keep_current``: the data changed under us; if the record under the cursor moved
        (rows added or removed above it), the cursor follows it within its page (or keeps
        following the record it was already sent to). ``follow``: the key of the record
        to put the cursor on once its page arrives (the table's cursor must be at its row).
        """
        current = self.table.current
        if follow is not None:
            self.follow = follow
        elif not keep_current:
            self.follow = None
        elif self.follow is None and current is not None:
            self.follow = self.table.key_of(current)
        self.follow_from = self.table.cursor
        generation = self.paging.restart()
        self.table.run_worker(
            lambda: self._first(generation),
            thread=True,
            exclusive=True,
            group=f"{self.group}-query",
        )

    def go_to(self, key: Hashable, *, missing: Callable[[], None] | None = None) -> None:
        """Run the query again with the cursor on record ``key`` wherever its row now is
        (a record just saved may have moved anywhere); ``missing`` runs if it is not there."""
        assert self.position is not None, "go_to needs a position function"
        position = self.position

        def find() -> None:
            with self.screen.read() as session:
                row = position(session, key)
            self.table.app.call_from_thread(self._land, key, row, missing)

        self.table.run_worker(
            lambda: self.screen.guarded(find),
            thread=True,
            exclusive=True,
            group=f"{self.group}-position",
        )

    def _land(self, key: Hashable, row: int | None, missing: Callable[[], None] | None) -> None:
        if row is None:
            self.reload(keep_current=True)
            if missing is not None:
                missing()
            return
        self.table.cursor = row
        self.reload(follow=key)  # the cursor lands on it once its page arrives

    def _first(self, generation: int) -> None:
        worker = get_current_worker()

        def load() -> None:
            with self.screen.read() as session:
                page = self.fetch(session, limit=self.table.page_size)
                if worker.is_cancelled or not self.paging.remember(generation, 0, page):
                    return
                self._post(PageLoaded(self, generation, 0, page.rows, page.has_more))
                if not page.has_more:
                    self._post(CountLoaded(self, generation, len(page.rows)))
                    return
                total = self.count(session, COUNT_CAP)
                if worker.is_cancelled:
                    return
                self._post(CountLoaded(self, generation, total, exact=total <= COUNT_CAP))
            if total > COUNT_CAP and not _cancelled_within(worker, EXACT_COUNT_PAUSE):
                with self.screen.read() as session:
                    total = self.count(session, None)
                if not worker.is_cancelled:
                    self._post(CountLoaded(self, generation, total))

        self.screen.guarded(load)

    def need(self, start: int) -> None:
        generation, page = self.paging.generation, start // self.table.page_size
        self.table.run_worker(
            lambda: self._page(generation, page), thread=True, group=f"{self.group}-pages"
        )

    def _page(self, generation: int, page: int) -> None:
        def load() -> None:
            with self.screen.read() as session:
                result = self.paging.fetch(page, lambda **kw: self.fetch(session, **kw))
                if self.paging.remember(generation, page, result):
                    self._post(PageLoaded(self, generation, page, result.rows))

        self.screen.guarded(load)

    def _post(self, message: Message) -> None:
        self.table.post_message(message)

    def page_loaded(self, message: PageLoaded) -> None:
        if message.generation != self.paging.generation:
            return
        if self.table.cursor != self.follow_from:
            self.follow = None  # a key moved the cursor since: the user's place wins
        if message.page == 0 and message.generation != self.shown_generation:
            # The new query's first rows replace the old ones in one go (no blank flash);
            # the exact total follows from the count.
            self.shown_generation = message.generation
            rows = len(message.rows)
            # Until the count comes, a guess that keeps the cursor where it is: a refresh
            # deep in a long list must not pull it back to the first pages.
            guess = max(rows * 2, self.table.cursor + 1) if message.has_more else rows
            self.table.reset(guess, message.rows)
        self.table.put_page(message.page, message.rows)
        if self.follow is not None and message.page == self.table.cursor // self.table.page_size:
            self._find_followed(message.page, message.rows)

    def _find_followed(self, page: int, rows: Sequence[Any]) -> None:
        keys = [self.table.key_of(row) for row in rows]
        if self.follow in keys:
            self.table.cursor = page * self.table.page_size + keys.index(self.follow)
        self.follow = None

    def count_loaded(self, message: CountLoaded) -> None:
        if message.generation != self.paging.generation:
            return
        total = message.total
        if not message.exact:  # "more than the cap": keep a cursor further down where it is
            total = max(total, self.table.cursor + 1, self.table.total)
        # Only an exact total tells which page is the last (fetched from the end).
        self.paging.total = message.total if message.exact else 0
        if message.generation != self.shown_generation:
            self.shown_generation = message.generation
            self.table.reset(total)
        else:
            self.table.set_total(total)
        if self.on_count is not None:
            self.on_count(message.total, message.exact)

    @property
    def showing_current(self) -> bool:
        """The table holds the rows of the latest query (not a previous search's)."""
        return self.shown_generation == self.paging.generation


class PagedTable(VirtualTable[Row]):
    """A ``VirtualTable`` that loads its own rows a page at a time from a keyset-paged query.

    ``fetch``, ``count`` and ``position`` run the screen's current query (see their types
    above); ``reload`` runs it again, ``go_to`` shows one record wherever it now sits.
    ``on_count`` hears each count: capped first (``exact`` False), then exact.
    """

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        cells: Callable[[Row], Sequence[str]],
        key: Callable[[Row], Hashable],
        fetch: Fetch,
        count: Count,
        group: str,
        position: Position | None = None,
        on_count: Callable[[int, bool], None] | None = None,
        selectable: bool = True,
        id: str | None = None,
    ) -> None:
        super().__init__(columns, cells=cells, key=key, selectable=selectable, id=id)
        self.loader = PagedLoader(
            self, fetch=fetch, count=count, group=group, position=position, on_count=on_count
        )

    def reload(self, *, keep_current: bool = False, follow: Hashable | None = None) -> None:
        self.loader.reload(keep_current=keep_current, follow=follow)

    def go_to(self, key: Hashable, *, missing: Callable[[], None] | None = None) -> None:
        self.loader.go_to(key, missing=missing)

    @property
    def showing_current(self) -> bool:
        """The rows are the latest query's (not a previous search's)."""
        return self.loader.showing_current

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        self.loader.page_loaded(message)

    @on(CountLoaded)
    def _count_loaded(self, message: CountLoaded) -> None:
        message.stop()
        self.loader.count_loaded(message)

    @on(VirtualTable.NeedRows)
    def _need_rows(self, message: VirtualTable.NeedRows) -> None:
        message.stop()
        self.loader.need(message.start)
