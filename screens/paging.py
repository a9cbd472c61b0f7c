"""Loading a VirtualTable page by page from a keyset-paged service.

A page is fetched through the cursor of a neighbouring page when one is known (the normal
case: scrolling, page-down), from either end, or by offset only for a far jump (dragging
the scrollbar). Every result carries the generation of the query it answers, so a page that
arrives after the user changed the search is dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm_tui.services.common import Cursor, Page

# fetch(limit=, after=, before=, from_end=, offset=) -> Page
Fetch = Callable[..., Page[Any]]


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

    def fetch(self, page: int, fetch: Fetch) -> Page[Any]:
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
