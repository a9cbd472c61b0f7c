"""A contact file (CSV, vCard or JSON, told apart by content) read as a stream of chunks.

The first item says what was found (the profile, the file's lines for a progress bar); then
come the rows, a chunk at a time with the line reached, so an import can write the first
rows while the rest are still being read (see ``crm_tui.io.background``).
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from crm_tui.errors import UsageError, ValidationError
from crm_tui.io.contact_rows import ContactValues, Directory, RowError, RowReader, Team
from crm_tui.io.csv_reader import Problem, open_csv
from crm_tui.io.json_contacts import is_json, json_contacts
from crm_tui.io.profiles import check_identifies, column_map
from crm_tui.io.vcard import is_vcard, vcard_contacts

CHUNK_ROWS = 2_000
STDIN = "-"  # the file name that means standard input
Row = ContactValues | RowError


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None
    delimiter: str | None = None
    profile: str = "auto"
    maps: list[str] = field(default_factory=list)
    region: str | None = None
    name: str | None = None  # what messages call the file (default: its path)
    # Asked for the team and the typed fields at the first owner or custom field in the
    # file (see ``contact_rows.Team``).
    team: Callable[[], Directory] | None = None
    # The rows only ever make new contacts (no --on-duplicate update): each gets the
    # defaults of the defined fields it lacks, as it is read (before it is prepared).
    new_contacts: bool = False


@dataclass(frozen=True)
class Opened:
    """The file as recognised: its profile ("vcard", "json" or the CSV profile) and about
    how many lines it has (quoted newlines too: near enough for a progress bar), or for
    vCard and JSON how many cards or items; a chunk's ``line`` counts the same way."""

    profile: str
    lines: int


@dataclass
class Chunk:
    rows: list[Any]  # Row objects, or as contact_rows.pack_rows packs them
    line: int  # the last line read so far
    packed: bool = False


def read_contact_file(
    path: Path, options: ReadOptions, chunk_rows: int = CHUNK_ROWS
) -> Generator[Opened | Chunk, None, None]:
    """``Opened``, then ``Chunk``s of rows in file order. A file that cannot be read, or a
    map that identifies nobody, raises before the first row."""
    kind = "vcard" if is_vcard(path) else "json" if is_json(path) else None
    team = Team(options.team)
    fill = team.with_defaults if options.new_contacts else _as_read
    if kind == "vcard":
        count, items = vcard_contacts(path, region=options.region, name=options.name, team=team)
    elif kind == "json":
        count, items = json_contacts(path, region=options.region, name=options.name, team=team)
    if kind is not None:
        yield Opened(kind, count)
        done = 0
        while taken := [fill(row) for row in islice(items, chunk_rows)]:
            done += len(taken)
            yield Chunk(taken, done)
        return
    source = open_csv(
        path, encoding=options.encoding, delimiter=options.delimiter, name=options.name
    )
    mapping = column_map(source.header, options.profile, options.maps)
    check_identifies(mapping, source.header, source.name)
    reader = RowReader(source.header, mapping, options.region, team)
    yield Opened(mapping.profile, source.lines)
    rows: list[Row] = []
    line = source.header_line
    for record in source.records():
        line = record.line
        if isinstance(record, Problem):
            rows.append(RowError(record.line, record.reason, record.cells))
        else:
            rows.append(fill(reader.read(record.line, record.cells)))
        if len(rows) == chunk_rows:
            yield Chunk(rows, line)
            rows = []
    yield Chunk(rows, line)


def _as_read(row: Row) -> Row:
    return row


@contextmanager
def readable_copy(path: Path) -> Iterator[Path]:
    """``path`` when it is a regular file; else (``-`` for standard input, ``/dev/stdin``, a
    named pipe, ``<(command)``) a private copy of the stream, removed afterwards: an import
    reads its file more than once (what kind it is, then its rows), a stream only once."""
    if str(path) == STDIN:
        with _spooled(sys.stdin.buffer) as copy:
            yield copy
        return
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise UsageError(f"file {str(path)!r} does not exist") from None
    except OSError as error:
        raise ValidationError(f"cannot read {path}: {error.strerror}") from None
    if stat.S_ISREG(mode):
        yield path
        return
    if stat.S_ISDIR(mode):
        raise ValidationError(f"{path} is a folder: name a file in it")
    try:
        stream = path.open("rb")
    except OSError as error:
        raise ValidationError(f"cannot read {path}: {error.strerror}") from None
    with stream:
        # A device that is not a terminal (/dev/zero, a disk) would never end, or is no file.
        if stat.S_ISCHR(mode) and not stream.isatty():
            raise ValidationError(f"{path} is a device, not a file: import a file or a pipe")
        with _spooled(stream) as copy:
            yield copy


@contextmanager
def _spooled(stream: BinaryIO) -> Iterator[Path]:
    """``stream`` copied whole into a temporary file only its owner can read (0600)."""
    handle, name = tempfile.mkstemp(prefix="crm-import-")
    try:
        with os.fdopen(handle, "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
