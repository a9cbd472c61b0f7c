"""Name bands (SQLite): where a contact's search row is filed, so that a search's page in
name order costs the same at 1k and 1M contacts.

FTS5 hands out matches a page at a time only in rowid order. So a contact's search row is
filed under rowid = band << 32 | id, where its band is one of a run of numbers growing with
the names: each band holds about TARGET_BAND contacts next to each other in name order.
Reading matches by rowid then reads them band by band in name order, and a page is the
matches of its few bands, sorted: 2-3 ms at any size, where "sara" (44k matches in a
million contacts, all under S) read every match.

A band that grows past MAX_BAND is split (``NameBands.file``); the numbers are spread out so
that splits fit between them, and the contacts of a split band that change band have their
search rows moved. ``contact_band`` holds each band's first key and size;
``contact_search_row`` the band of each contact (none: band 0, where every contact was
before bands). ``NameBands`` is the only code that reads or writes them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from math import ceil
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlmodel import Session

from crm_tui.search.rows import Key
from crm_tui.search.sources import ContactDocument
from crm_tui.search.tables import ContactSearchRow
from crm_tui.services.common import chunked

BAND_SHIFT = 32
ID_MASK = (1 << BAND_SHIFT) - 1
BAND_LIMIT = 1 << 31  # band numbers stay below it, so rowids stay below 2**63
TARGET_BAND = 256
MAX_BAND = 1024
SPLIT_LIMIT = 50_000  # a band this full is left whole (splitting would move it all)
PENDING_LIMIT = 25_000  # documents a bulk write holds back before filing them
WRITE_EVERY = 25_000  # search rows a bulk write gathers before writing them
SAMPLE_BANDS = 8
SAMPLE_FILED = 10_000  # contacts an empty index's bands are laid out from, at most

Rows = Sequence[tuple[int, str]]  # (rowid, document)


def contact_rowid(contact_id: int, band: int) -> int:
    return band << BAND_SHIFT | contact_id


def band_of_rowid(rowid: int) -> int:
    return rowid >> BAND_SHIFT


@dataclass(frozen=True)
class Band:
    number: int
    low: Key
    keys: list[Key]


def lay_out_bands(
    keys: Sequence[Key], *, start: int = 0, end: int = BAND_LIMIT, low: Key = ("", 0)
) -> list[Band]:
    """Sorted ``keys`` cut into bands of about TARGET_BAND, numbered from ``start`` evenly
    up to ``end``; the first band starts at ``low``. Always at least one band."""
    pieces = max(1, min(ceil(len(keys) / TARGET_BAND), end - start))
    step, size = (end - start) // pieces, ceil(len(keys) / pieces)
    bands = [Band(start, low, list(keys[:size]))]
    for piece in range(1, pieces):
        chunk = list(keys[piece * size : (piece + 1) * size])
        if chunk:
            bands.append(Band(start + piece * step, chunk[0], chunk))
    return bands


@dataclass
class Layout:
    """The bands as loaded: numbers, first keys and sizes, in name order."""

    numbers: list[int]
    lows: list[Key]
    sizes: list[int]

    def end(self, index: int) -> int:
        """The number after band ``index``'s (where its splits must stop)."""
        return self.numbers[index + 1] if index + 1 < len(self.numbers) else BAND_LIMIT

    def arrivals(self, keys: Iterable[Key]) -> dict[int, list[Key]]:
        """``keys`` by the band that holds each (its index here)."""
        arriving: dict[int, list[Key]] = defaultdict(list)
        for key in keys:
            arriving[bisect_right(self.lows, key) - 1].append(key)
        return arriving

    def with_room(self, documents: Sequence[ContactDocument]) -> dict[int, int]:
        """The bands of the contacts whose band holds them without passing MAX_BAND ({id:
        band index}); the sizes of those bands grow by them."""
        keys = ((key, contact_id) for contact_id, key, _ in documents)
        ready: dict[int, int] = {}
        for index, arriving in self.arrivals(keys).items():
            if self.sizes[index] + len(arriving) <= MAX_BAND:
                self.sizes[index] += len(arriving)
                ready.update((key[1], index) for key in arriving)
        return ready


Changed = tuple[int, str, int, int]  # (number, low_name, low_id, size)


class NameBands:
    """The name bands of one database's contact index ``fts_table`` (its rowids hold them)."""

    def __init__(self, session: Session, fts_table: str) -> None:
        self.session = session
        self.fts = fts_table

    def load(self) -> Layout:
        statement = (
            "SELECT number, low_name, low_id, size FROM contact_band ORDER BY low_name, low_id"
        )
        rows: list[Any] = list(self.session.execute(text(statement)))
        if not rows or rows[0][0] != 0:
            rows.insert(0, (0, "", 0, 0))
        return Layout([r[0] for r in rows], [(r[1], r[2]) for r in rows], [r[3] for r in rows])

    def rowid_of(self, id_column: Any) -> Any:
        """The index rowid of a contact (SQL): its id and its band."""
        row = ContactSearchRow.__table__.c  # type: ignore[attr-defined]
        band = select(row.band).where(row.contact_id == id_column).correlate(id_column.table)
        return id_column + func.coalesce(band.scalar_subquery(), 0) * (1 << BAND_SHIFT)

    def expected_rowids(self) -> str:
        """SQL: the rowid each contact's search row should have."""
        return (
            f"SELECT c.id + coalesce(r.band, 0) * {1 << BAND_SHIFT} AS rowid FROM contact c "
            "LEFT JOIN contact_search_row r ON r.contact_id = c.id"
        )

    def members(self, number: int) -> list[Key]:
        """The keys of the contacts whose search rows are filed under band ``number``."""
        rows = self.session.execute(
            text(
                f"SELECT c.sort_name, c.id FROM {self.fts} f CROSS JOIN contact c "
                "ON c.id = (f.rowid & :mask) WHERE f.rowid BETWEEN :low AND :high"
            ),
            {
                "mask": ID_MASK,
                "low": contact_rowid(0, number),
                "high": contact_rowid(ID_MASK, number),
            },
        )
        return [(row[0], row[1]) for row in rows]

    def file(self, keys: Sequence[Key]) -> dict[int, int]:
        """The bands of contacts about to be indexed ({id: band}; none of them in the index
        now), recorded. A band that grows past MAX_BAND is split, and its other contacts
        that change band have their search rows moved."""
        bands = self.load()
        filed: dict[int, int] = {}
        changed: list[Changed] = []
        moves: list[tuple[int, int]] = []  # (new rowid, old rowid)
        for index, new in bands.arrivals(keys).items():
            number, low, size = bands.numbers[index], bands.lows[index], bands.sizes[index]
            end = bands.end(index)
            if size + len(new) <= MAX_BAND or size > SPLIT_LIMIT or end - number < 2:
                filed.update((key[1], number) for key in new)
                changed.append((number, *low, size + len(new)))
                continue
            members = self.members(number)
            for band in lay_out_bands(sorted([*members, *new]), start=number, end=end, low=low):
                changed.append((band.number, *band.low, len(band.keys)))
                filed.update((key[1], band.number) for key in band.keys)
            moved = [key[1] for key in members if filed[key[1]] != number]
            moves += [(contact_rowid(i, filed[i]), contact_rowid(i, number)) for i in moved]
            for key in members:
                if filed[key[1]] == number:
                    del filed[key[1]]  # stays where it is filed
        self.record(changed, moves, filed)
        return filed

    def record(
        self,
        changed: Sequence[Changed],
        moves: Sequence[tuple[int, int]] = (),
        filed: Mapping[int, int] | None = None,
    ) -> None:
        connection = self.session.connection()
        connection.exec_driver_sql(
            "INSERT OR REPLACE INTO contact_band(number, low_name, low_id, size) "
            "VALUES (?, ?, ?, ?)",
            list(changed),
        )
        if moves:
            connection.exec_driver_sql(
                f"UPDATE {self.fts} SET rowid = ? WHERE rowid = ?", list(moves)
            )
        if filed:
            connection.exec_driver_sql(
                "INSERT OR REPLACE INTO contact_search_row(contact_id, band) VALUES (?, ?)",
                list(filed.items()),
            )

    def band_of(self, key: Key) -> int:
        """The band that holds ``key``'s place in the list (0 before any band)."""
        number = self.session.execute(
            text(
                "SELECT number FROM contact_band WHERE (low_name, low_id) <= (:name, :id) "
                "ORDER BY low_name DESC, low_id DESC LIMIT 1"
            ),
            {"name": key[0], "id": key[1]},
        ).scalar()
        return number or 0

    def spread(self) -> list[tuple[int, int, int]]:
        """SAMPLE_BANDS bands spread evenly over the names: (first rowid, last rowid,
        contacts) each; none with fewer bands than that."""
        rows = self.session.execute(
            text(
                "SELECT number, size FROM (SELECT number, size, row_number() OVER "
                "(ORDER BY number) AS place, count(*) OVER () AS bands FROM contact_band) "
                "WHERE place % (bands / :sample) = 0"
            ),
            {"sample": SAMPLE_BANDS},
        ).all()
        if len(rows) < SAMPLE_BANDS:
            return []
        return [(contact_rowid(0, band), contact_rowid(ID_MASK, band), size) for band, size in rows]

    def sampled(self, documents: Sequence[ContactDocument], expected: int) -> Layout:
        """Bands for about ``expected`` contacts, laid out from ``documents`` (a sample of
        them) and recorded, empty."""
        # The sample's ids spread over the ids to come: a name many contacts share (a file
        # of 300,000 with 256 names) then has bands for the later ones too, not one last band
        # that all of them overflow (split at the end, moving the search rows filed so far).
        first = min(contact_id for contact_id, _, _ in documents)
        spread = max(1.0, expected / len(documents))
        keys = sorted((key, first + int((i - first) * spread)) for i, key, _ in documents)
        every = max(1, round(len(keys) * TARGET_BAND / expected))  # sample keys in a band
        lows = [("", 0), *keys[every::every]]
        step = BAND_LIMIT // len(lows)
        layout = Layout([n * step for n in range(len(lows))], lows, [0] * len(lows))
        self.record([(number, *low, 0) for number, low in zip(layout.numbers, lows, strict=True)])
        return layout

    def record_filed(
        self, layout: Layout, documents: Sequence[ContactDocument], ready: Mapping[int, int]
    ) -> list[tuple[int, str]]:
        """Record the bands of the contacts of ``documents`` in ``ready`` (see
        ``Layout.with_room``), and return their search rows to write: (rowid, document)."""
        if not ready:
            return []
        filed = {contact_id: layout.numbers[index] for contact_id, index in ready.items()}
        grown = {index: layout.sizes[index] for index in set(ready.values())}
        self.record(
            [(layout.numbers[i], *layout.lows[i], size) for i, size in grown.items()], (), filed
        )
        return [
            (contact_rowid(contact_id, filed[contact_id]), body)
            for contact_id, _, body in documents
            if contact_id in filed
        ]

    def rowids(self, ids: Sequence[int]) -> list[int]:
        """The rowids the contacts ``ids`` are filed under."""
        row = ContactSearchRow.__table__.c  # type: ignore[attr-defined]
        rowids = []
        for batch in chunked(ids):
            found = self.session.execute(
                select(row.contact_id, row.band).where(row.contact_id.in_(batch))
            )
            bands: dict[int, int] = {contact_id: band for contact_id, band in found}
            rowids += [contact_rowid(i, bands.get(i, 0)) for i in batch]
        return rowids

    def unfile(self, ids: Sequence[int], removed: Sequence[int]) -> None:
        """Forget the bands of the contacts ``ids``, whose search rows ``removed`` were
        deleted."""
        row = ContactSearchRow.__table__.c  # type: ignore[attr-defined]
        for batch in chunked(ids):
            self.session.execute(delete(ContactSearchRow).where(row.contact_id.in_(batch)))
        emptied = Counter(band_of_rowid(rowid) for rowid in removed)
        if emptied:
            self.session.connection().exec_driver_sql(
                "UPDATE contact_band SET size = max(size - ?, 0) WHERE number = ?",
                [(count, band) for band, count in emptied.items()],
            )

    def clear(self) -> None:
        self.session.execute(delete(ContactSearchRow))
        self.session.execute(text("DELETE FROM contact_band"))


@dataclass
class BandFiling:
    """A bulk write's filing of new contacts (``TextIndex.filing``): each is filed at once if
    its band has room, else held back and filed at the end with the others, when a band
    that overflows is split (moving the search rows of contacts filed already). Filing as
    they come lets the import's writer index while its reading process reads on. An empty
    database has no bands yet: they are laid out from the first SAMPLE_FILED contacts, as a
    sample of the ``expected`` ones (a file sorted by name fills the last band and is held
    back)."""

    bands: NameBands
    write: Callable[[Rows], None]  # (rowid, document) rows, in rowid order
    file_now: Callable[[Sequence[ContactDocument]], None]  # filed with splits
    expected: int  # about how many contacts the bulk write brings (0: unknown)
    layout: Layout | None = None  # loaded (or laid out) when the first contacts come
    held: list[ContactDocument] = field(default_factory=list)  # to file at the end
    filed: list[tuple[int, str]] = field(default_factory=list)  # (rowid, document) to write
    # An empty index's first contacts, gathered until there are enough to lay its bands out
    # from: the fewer they are, the more bands overflow and are split at the end.
    sample: list[ContactDocument] = field(default_factory=list)

    def add(self, documents: Sequence[ContactDocument]) -> None:
        if self.layout is None:
            self.layout = self.bands.load()
            if self.layout.sizes == [0]:
                self.sample += documents
                if len(self.sample) < min(SAMPLE_FILED, self.expected):
                    self.layout = None
                    return
                documents, self.sample = self.sample, []
                if len(documents) < self.expected:
                    self.layout = self.bands.sampled(documents, self.expected)
        ready = self.layout.with_room(documents)
        self.held += [document for document in documents if document[0] not in ready]
        self.filed += self.bands.record_filed(self.layout, documents, ready)
        if len(self.filed) >= WRITE_EVERY:
            self._write_filed()
        if len(self.held) >= PENDING_LIMIT:
            self.flush()

    def _write_filed(self) -> None:
        """Write the search rows of the contacts filed so far, in rowid order. FTS5 keeps
        rows in memory until one comes with a lower rowid than the one before, then writes
        them out as a segment of their own, so fewer, larger runs write faster."""
        rows, self.filed = self.filed, []
        self.write(sorted(rows))

    def flush(self) -> None:
        """File and write everything held so far."""
        self.held += self.sample
        self.sample = []
        self._write_filed()
        if self.held:
            documents, self.held, self.layout = self.held, [], None
            self.file_now(documents)

    def forget(self) -> None:
        """Forget what was held back or known of the bands (its rows were rolled back)."""
        self.layout, self.held, self.filed, self.sample = None, [], [], []
