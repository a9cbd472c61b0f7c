"""Helpers every service shares: the clock, version checks, keyset paging."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    JSON,
    ColumnElement,
    Result,
    Select,
    and_,
    delete,
    func,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlmodel import Session, SQLModel, col
from sqlmodel.sql.sqltypes import UTCDateTime

from crm_tui.errors import ConflictError, NotFoundError, ValidationError

Row = TypeVar("Row")
T = TypeVar("T")


def chunked(items: Iterable[T], size: int = 500) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``: each IN list of bound parameters stays small."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The local calendar day (tasks are due on days, not instants)."""
    return datetime.now().astimezone().date()


def live_row(*, session: Session, model: type[Row], row_id: int, what: str) -> Row:
    """The row with ``row_id`` that is not in the trash, locked for update where supported."""
    row = session.get(model, row_id, with_for_update=True)
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise NotFoundError(f"no {what} with id {row_id}")
    return row


def any_row(*, session: Session, model: type[Row], row_id: int, what: str) -> Row:
    row = session.get(model, row_id, with_for_update=True)
    if row is None:
        raise NotFoundError(f"no {what} with id {row_id}")
    return row


def check_ids(*, session: Session, model: Any, ids: Sequence[int], what: str, field: str) -> None:
    """Refuse ids of ``model`` that name no row (none in the trash, for a model that has
    one): the first missing one said as ``field``'s problem."""
    found: set[int] = set()
    for chunk in chunked(ids):
        query = select(model.id).where(col(model.id).in_(chunk))
        if hasattr(model, "deleted_at"):
            query = query.where(col(model.deleted_at).is_(None))
        found.update(session.scalars(query))
    missing = [one for one in ids if one not in found]
    if missing:
        raise ValidationError(f"no {what} with id {missing[0]}", field=field)


def check_version(
    row: Any,
    expected: int | None,
    *,
    describe: str,
    current: Callable[[], Any] | None = None,
) -> None:
    """Refuse to write over a version the caller has not seen.

    ``current()`` builds the stored record's read model for the error, only when needed.
    """
    if expected is not None and row.version != expected:
        raise ConflictError(
            f"{describe} was changed by someone else since you opened it "
            f"(you edited version {expected}, the saved one is version {row.version})",
            current=current() if current else None,
        )


def set_deleted(
    *,
    session: Session,
    model: Any,
    ids: Sequence[int],
    deleted_at: datetime | None,
    actor_id: int | None = None,
    trashed_at: datetime | None = None,
) -> int:
    """Move rows to the trash (``deleted_at`` a time) or back (None); returns how many moved.
    ``trashed_at``: back only the rows in the trash since that moment (an undo's).

    Each moved row is one version later and records who moved it.
    """
    column = col(model.deleted_at)
    if trashed_at is not None:
        condition = column == trashed_at
    else:
        condition = column.is_(None) if deleted_at is not None else column.is_not(None)
    values: dict[str, Any] = {
        "deleted_at": deleted_at,
        "version": model.version + 1,
        "updated_at": utcnow(),
    }
    if actor_id is not None:
        values["updated_by_id"] = actor_id
    result = session.execute(
        update(model).where(col(model.id).in_(list(ids)), condition).values(**values)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def touch(row: Any, *, actor_id: int | None = None) -> None:
    """Mark ``row`` as changed now by ``actor_id``, one version later."""
    row.version += 1
    row.updated_at = utcnow()
    if actor_id is not None and hasattr(row, "updated_by_id"):
        row.updated_by_id = actor_id


_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def delete_rows(
    *, session: Session, model: Any, where: Sequence[ColumnElement[bool]]
) -> Result[Any]:
    """DELETE the rows of ``model`` that meet every condition of ``where``: rows that are
    never held as ORM objects (emails, phones, tag links, …).

    By default the session looks for the deleted rows among every object it holds, for each
    statement: undoing a large import slowed to a crawl doing so.
    """
    statement = delete(model).where(*where).execution_options(synchronize_session=False)
    return session.execute(statement)


def bulk_insert(*, session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows with one DBAPI ``executemany``, in the session's transaction.

    Imports and the demo write 100k rows at a time; SQLAlchemy's per-row parameter
    machinery would cost more than the database does, so each value only goes through
    its column type's own bind processor (the same conversion SQLAlchemy applies).
    Every row must have the same keys; columns left out must have defaults.
    """
    if not rows:
        return
    table = model.__table__
    dialect = session.connection().dialect
    keys = list(rows[0])
    filled = {c.key: _default(c) for c in table.columns if c.key not in keys and c.default}
    names = [*keys, *filled]
    # Column-wise, so each type's processor is map()ped over a whole column; itemgetter and
    # zip do the reshaping in C.
    picked = map(itemgetter(*keys), rows)
    columns: list[Sequence[Any]] = (
        list(zip(*picked, strict=True)) if len(keys) > 1 else [list(picked)]
    )
    columns += [[value] * len(rows) for value in filled.values()]
    for index, name in enumerate(names):
        processor = _bind_processor(table.c[name].type, dialect)
        if processor is not None:
            columns[index] = list(map(processor, columns[index]))
    insert_tuples(
        session=session, model=model, names=names, params=list(zip(*columns, strict=True))
    )


def insert_tuples(
    *, session: Session, model: Any, names: Sequence[str], params: Sequence[tuple[Any, ...]]
) -> None:
    """``bulk_insert`` for rows already in the driver's terms (each value as its column
    type's bind processor makes it: see ``driver_value``), in ``names`` order."""
    if not params:
        return
    marks = ", ".join([_PLACEHOLDER[session.get_bind().dialect.paramstyle]] * len(names))
    statement = f"INSERT INTO {model.__table__.name} ({', '.join(names)}) VALUES ({marks})"
    session.connection().exec_driver_sql(statement, list(params))


def driver_value(*, session: Session, column: Any, value: Any) -> Any:
    """``value`` as the driver takes it for ``column`` (a model attribute)."""
    processor = _bind_processor(column.type, session.get_bind().dialect)
    return value if processor is None else processor(value)


# -- keyset paging ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A slice of an ordering that can be walked through one index.

    A list sorted by a column that may be blank is two segments, rows with a value and
    rows without, so blanks come last in either direction and each part pages by index.
    """

    where: ColumnElement[bool]
    columns: tuple[Any, ...]


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the segment and the key of its last (or first) row."""

    segment: int
    key: tuple[Any, ...]


@dataclass
class Page(Generic[T]):
    rows: list[T] = field(default_factory=list)
    first: Cursor | None = None
    last: Cursor | None = None
    has_more: bool = False


def _after(columns: Sequence[Any], key: tuple[Any, ...], descending: bool) -> ColumnElement[bool]:
    left, right = tuple_(*columns), tuple_(*key)
    return left < right if descending else left > right


def _order(columns: Sequence[Any], descending: bool) -> list[Any]:
    return [column.desc() if descending else column.asc() for column in columns]


def keyset_page(
    *,
    session: Session,
    base: Select[Any],
    segments: Sequence[Segment],
    limit: int,
    descending: bool = False,
    after: Cursor | None = None,
    before: Cursor | None = None,
    from_end: bool = False,
    offset: int | None = None,
    key_of: Any,
) -> Page[Any]:
    """One page of ``base`` in segment order, after/before a cursor or from either end.

    ``key_of(segment, row)`` returns the sort key of a result row (the values of the
    segment's columns); at most ``limit + 1`` rows are read in all. ``offset`` (a jump to
    the middle, e.g. dragging the scrollbar) counts the rows it skips: use it only when no
    neighbouring page's cursor is known.
    """
    if offset is not None:
        return _offset_page(session, base, segments, offset, limit, descending, key_of)
    backwards = before is not None or from_end
    order = list(range(len(segments)))
    if backwards:
        order.reverse()
    cursor = before if backwards else after
    start = cursor.segment if cursor is not None else order[0]
    rows: list[tuple[int, Any]] = []
    for index in order[order.index(start) :]:
        segment = segments[index]
        query = base.where(segment.where)
        if cursor is not None and cursor.segment == index:
            query = query.where(_after(segment.columns, cursor.key, descending != backwards))
        query = query.order_by(*_order(segment.columns, descending != backwards))
        fetched = session.execute(query.limit(limit + 1 - len(rows))).all()
        rows.extend((index, row) for row in fetched)
        if len(rows) > limit:
            break
    return _page(rows, limit, key_of, reverse=backwards)


def keyset_position(
    *,
    session: Session,
    base: Select[Any],
    segments: Sequence[Segment],
    row: ColumnElement[bool],
    descending: bool = False,
) -> int | None:
    """Where the row that ``row`` selects stands in ``base``'s order (rows before it), or None
    when ``base`` does not hold it. Counting reads through the same indexes as paging."""
    for index, segment in enumerate(segments):
        key = session.execute(
            base.where(segment.where, row).with_only_columns(*segment.columns).limit(1)
        ).first()
        if key is None:
            continue
        before = sum(
            count_rows(session=session, query=base.where(s.where)) for s in segments[:index]
        )
        earlier = _after(segment.columns, tuple(key), not descending)
        return before + count_rows(session=session, query=base.where(segment.where, earlier))
    return None


def count_rows(*, session: Session, query: Select[Any]) -> int:
    """How many rows ``query`` gives (a LIMIT in it caps the counting)."""
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _page(rows: list[tuple[int, Any]], limit: int, key_of: Any, *, reverse: bool) -> Page[Any]:
    """A page from up to ``limit + 1`` (segment, row) pairs; the extra one means "more"."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    if reverse:
        rows.reverse()
    if not rows:
        return Page(has_more=False)
    return Page(
        rows=[row for _, row in rows],
        first=Cursor(rows[0][0], key_of(rows[0][0], rows[0][1])),
        last=Cursor(rows[-1][0], key_of(rows[-1][0], rows[-1][1])),
        has_more=has_more,
    )


def _offset_page(
    session: Session,
    base: Select[Any],
    segments: Sequence[Segment],
    offset: int,
    limit: int,
    descending: bool,
    key_of: Any,
) -> Page[Any]:
    rows: list[tuple[int, Any]] = []
    for index, segment in enumerate(segments):
        query = base.where(segment.where)
        if offset:
            size = count_rows(session=session, query=query)
            if offset >= size:
                offset -= size
                continue
        ordered = query.order_by(*_order(segment.columns, descending))
        fetched = session.execute(ordered.offset(offset).limit(limit + 1 - len(rows))).all()
        rows.extend((index, row) for row in fetched)
        offset = 0
        if len(rows) > limit:
            break
    return _page(rows, limit, key_of, reverse=False)


def every(*conditions: ColumnElement[bool] | None) -> ColumnElement[bool]:
    present = [condition for condition in conditions if condition is not None]
    return and_(*present) if present else true()


def reserve_ids(*, session: Session, model: Any, count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``, to insert rows with known ids in bulk.

    SQLite: the write transaction (BEGIN IMMEDIATE) keeps other writers out, so the ids after
    the highest ever handed out are ours (inserting them moves the table's AUTOINCREMENT
    counter past them). PostgreSQL: taken from the table's sequence, safe under concurrency.
    """
    if count == 0:
        return []
    table = model.__table__.name
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return [row[0] for row in rows]
    highest = session.scalar(select(func.max(model.id))) or 0
    # Not only the highest row left: an undone import's ids are above it, and stay taken.
    given = session.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table})
    highest = max(highest, given or 0)
    return list(range(highest + 1, highest + count + 1))


def reset_id_sequences(*, session: Session, tables: Sequence[str]) -> None:
    """Move each table's next id past ids written explicitly (bulk, bundle) and past the ids
    its import and merge records name, never back: ids handed out to rows deleted since stay
    taken. PostgreSQL: the id sequence; SQLite: the AUTOINCREMENT counter (which inserts
    already move past the ids they write)."""
    for table in tables:
        recorded = _highest_recorded(session, table)
        if session.get_bind().dialect.name != "postgresql":
            _count_from(session, table, recorded)
            continue
        sequence = session.scalar(text(f"SELECT pg_get_serial_sequence('{table}', 'id')"))
        session.execute(
            text(
                f"SELECT setval('{sequence}', GREATEST("
                f"(SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END "
                f"FROM {sequence}), "
                f"(SELECT COALESCE(max(id), 0) + 1 FROM {table}), :next), false)"
            ),
            {"next": recorded + 1},
        )


def _highest_recorded(session: Session, table: str) -> int:
    """The highest id of ``table`` that import records (entity = the table: an undo deletes
    what an import made) or, for contacts, merge records name (an unmerge brings one back)."""
    found = [
        session.scalar(
            text("SELECT max(coalesce(last_id, entity_id)) FROM import_change WHERE entity = :t"),
            {"t": table},
        )
    ]
    if table == "contact":
        found += session.execute(
            text("SELECT max(kept_id), max(merged_id) FROM merge_record")
        ).one()
    return max((value for value in found if value is not None), default=0)


def _count_from(session: Session, table: str, highest: int) -> None:
    """SQLite: make ``table``'s next id at least ``highest`` + 1 (an AUTOINCREMENT table's:
    the others give the highest row's plus one whatever the counter says)."""
    model = SQLModel.metadata.tables.get(table)
    if not highest or model is None or not model.dialect_options["sqlite"]["autoincrement"]:
        return
    named = {"t": table, "n": highest}
    row = session.execute(
        text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}
    ).first()
    if row is None:
        session.execute(text("INSERT INTO sqlite_sequence(name, seq) VALUES (:t, :n)"), named)
    elif row[0] < highest:
        session.execute(text("UPDATE sqlite_sequence SET seq = :n WHERE name = :t"), named)


@contextmanager
def bulk_writes(*, session: Session, cache_mib: int = 256) -> Iterator[None]:
    """Room for a bulk write: a larger SQLite page cache (indexes stay in memory) or, on
    PostgreSQL, fresh planner statistics afterwards (else the next queries are planned for
    the empty tables of before, and a search can take 20 times longer until autovacuum runs).
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        session.connection().exec_driver_sql("ANALYZE")
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{cache_mib * 1024}")
    with restoring(session=session, statements=[f"PRAGMA cache_size={int(previous or -2000)}"]):
        yield


@contextmanager
def bulk_reads(*, session: Session, map_mib: int = 256) -> Iterator[None]:
    """Room for reading whole tables (an export): SQLite maps the file into memory instead of
    copying each page in through a read() call, a saving on each pass of a CSV export over
    its contacts (custom field names, then the rows). The mapping goes when
    the block ends (pages read through it count as the process's memory while it lasts)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql(f"PRAGMA mmap_size={map_mib * 1024 * 1024}")
    with restoring(session=session, statements=["PRAGMA mmap_size=0"]):
        yield


@contextmanager
def restoring(*, session: Session, statements: Sequence[str]) -> Iterator[None]:
    """Run ``statements`` (putting a setting back) when the block ends, on the session's
    connection then (the block may have rolled back to a savepoint and got a new one).

    After an error (Ctrl-C in a bulk write: the connection may be unusable, the transaction
    about to be rolled back) they run quietly, so the error that ended the block is the one
    reported."""
    try:
        yield
    except BaseException:
        with suppress(Exception):
            _run(session, statements)
        raise
    _run(session, statements)


def _run(session: Session, statements: Sequence[str]) -> None:
    connection = session.connection()
    for statement in statements:
        connection.exec_driver_sql(statement)


@contextmanager
def indexes_built_after(
    *, session: Session, models: Sequence[Any], keep: Collection[str] = ()
) -> Iterator[None]:
    """Drop the secondary indexes of ``models`` (but those named in ``keep``) and build them
    again when the block ends.

    Building an index from loaded rows (one sort) is several times faster than updating it
    row by row, so bulk loads into empty tables (the demo) do this. Unique indexes stay.
    A block that rolled its transaction back finds the indexes there again, and keeps them.
    """
    connection = session.connection()
    indexes = [
        index
        for model in models
        for index in model.__table__.indexes
        if not index.unique and index.name not in keep
    ]
    for index in indexes:
        index.drop(connection)
    yield
    connection = session.connection()
    for index in indexes:
        index.create(connection, checkfirst=True)


def _sqlite_datetime(value: datetime | None) -> str | None:
    """What SQLAlchemy stores for an aware datetime in SQLite, computed in C (isoformat)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:-6]  # without "+00:00"


def _bind_processor(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    if dialect.name == "sqlite" and isinstance(column_type, UTCDateTime):
        return _memoised(_sqlite_datetime)  # bulk rows share their created_at
    processor = column_type._cached_bind_processor(dialect)
    if processor is not None and isinstance(column_type, JSON):
        empty = processor({})
        return lambda value: empty if value == {} else processor(value)
    return processor


def _memoised(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {}

    def lookup(value: Any) -> Any:
        if value not in seen:
            seen[value] = function(value)
        return seen[value]

    return lookup


def _default(column: Any) -> Any:
    arg = column.default.arg
    return arg(None) if callable(arg) else arg
