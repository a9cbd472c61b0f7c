"""Reading an import's file into typed rows: contacts a chunk at a time (in a second process
for a large file, so that writing the first rows overlaps reading the rest), interactions
and tasks whole. Nothing here loads the database layer (the reading process never does)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import closing, suppress
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_tui.io.contact_file import Chunk, Opened, ReadOptions, read_contact_file
from crm_tui.vocabulary import ImportKind

if TYPE_CHECKING:
    from crm_tui.io.background import InBackground
    from crm_tui.io.contact_rows import Directory, RowError
    from crm_tui.io.prepare import Match
    from crm_tui.io.work_rows import WorkRow

Progress = Callable[[str, int, int], None]

# Smaller files are read before they are written: a reading process costs more than it saves.
BACKGROUND_BYTES = 1_000_000


def start_reading(
    path: Path,
    options: ReadOptions,
    *,
    tag: str | None,
    match: Match,
    creating: bool,
    team: Callable[[], Directory],
) -> Generator[Opened | Chunk, None, None] | InBackground:
    """The contact file's items (``Opened``, then ``Chunk``s), read and prepared for writing
    in a process of its own when the file is large: started at once, before this process
    loads the database layer. ``creating``: the import only creates contacts (see
    ``prepared_chunks``); ``team`` reads the team's directory (see ``contact_rows.Team``),
    in this process."""
    if path.stat().st_size >= BACKGROUND_BYTES:
        import multiprocessing

        from crm_tui.io.background import InBackground

        receiver, sender = multiprocessing.Pipe(duplex=False)
        options = replace(options, team=FromParent(receiver))
        reading = InBackground(prepared_chunks, path, options, tag, match, creating)
        receiver.close()  # the child's copy is the only one: a child gone breaks the pipe
        with closing(sender), suppress(BrokenPipeError):  # the child ended without owners
            sender.send(team())
        return reading
    return read_contact_file(path, replace(options, team=team))


def prepared_chunks(
    path: Path, options: ReadOptions, tag: str | None, match: Match, creating: bool
) -> Iterator[Opened | Chunk]:
    """What the reading process sends: the file's chunks packed for the pipe. ``creating``
    (no contact will be updated from the rows): each row slimmed to what a new contact
    needs and what ``match`` compares, and made ready to be written; else (--on-duplicate
    update: most rows of a file imported again update or match a contact) as read."""
    from crm_tui.io.contact_rows import pack_rows
    from crm_tui.io.prepare import prepare_rows

    for item in read_contact_file(path, options):
        if isinstance(item, Chunk):
            if creating:
                prepare_rows(item.rows, tag, match)
            item.rows = pack_rows(item.rows, slim=creating)
            item.packed = True
        yield item


class FromParent:
    """The team's directory and the typed fields in the reading process (a
    ``contact_rows.Directory``): sent by the importing process once it has read them,
    while the child opens the file (a callable that pickles, for a spawned child)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def __call__(self) -> Directory:
        team: Directory = self.connection.recv()
        return team


def rows(chunks: Iterator[Any], lines: int, progress: Progress | None) -> Iterator[Any]:
    """The rows of ``chunks``, unpacked; ``progress`` told the line reached after each."""
    from crm_tui.io.contact_rows import unpack_rows

    for chunk in chunks:
        yield from unpack_rows(chunk.rows) if chunk.packed else chunk.rows
        if progress:
            progress("importing", chunk.line, lines)


def header(path: Path, options: ReadOptions) -> list[str]:
    """The file's columns, as a rejects file repeats them ("item" for vCard and JSON)."""
    from crm_tui.io.csv_reader import open_csv
    from crm_tui.io.json_contacts import is_json
    from crm_tui.io.vcard import is_vcard

    if is_vcard(path) or is_json(path):
        return ["item"]
    return open_csv(path, encoding=options.encoding, delimiter=options.delimiter).header


def work_rows(
    path: Path, kind: ImportKind, options: ReadOptions
) -> tuple[list[str], list[WorkRow | RowError]]:
    """The columns and rows of a file of interactions, tasks or deals (``kind``): CSV, or JSON as
    ``crm export … --format json`` writes it (a reject then shows its object: "item")."""
    from crm_tui.io.contact_rows import RowError
    from crm_tui.io.csv_reader import Problem, open_csv
    from crm_tui.io.json_contacts import is_json
    from crm_tui.io.work_rows import READERS, json_work_rows

    if is_json(path):
        return ["item"], json_work_rows(path, kind)
    source = open_csv(path, encoding=options.encoding, delimiter=options.delimiter)
    read = READERS[kind]
    found: list[WorkRow | RowError] = []
    for record in source.records():
        if isinstance(record, Problem):
            found.append(RowError(record.line, record.reason, record.cells))
        else:
            found.append(read(record.line, record.cells, source.header))
    return source.header, found
