"""One import, from a file to a committed batch (see the package's docstring)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from crm_tui.importing import reading
from crm_tui.io.contact_file import Opened, ReadOptions
from crm_tui.io.prepare import Match, OnDuplicate
from crm_tui.vocabulary import ImportKind

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_tui.db import Database
    from crm_tui.io.contact_rows import Directory
    from crm_tui.services.imports import ImportReport


Kind = ImportKind  # what a job imports


@dataclass(frozen=True)
class ImportJob:
    """What to import and how. ``read``: how the file is read (its encoding, delimiter,
    profile, --map, region and the name messages call it by); ``match``, ``on_duplicate``
    and ``tag`` apply to contacts (interactions and tasks already there are skipped)."""

    kind: Kind
    path: Path
    read: ReadOptions = field(default_factory=ReadOptions)
    match: Match = Match.EMAIL
    on_duplicate: OnDuplicate = OnDuplicate.SKIP
    tag: str | None = None
    skip_bad: bool = False
    dry_run: bool = False

    @property
    def source(self) -> str:
        """What the batch records as its file."""
        return self.read.name or str(self.path)

    def run(
        self,
        *,
        database: Callable[[], Database],
        actor: Callable[[Session], int | None],
        progress: reading.Progress | None = None,
        committing: Callable[[], None] = lambda: None,
    ) -> ImportOutcome:
        """Read the file and import it in one write unit (a read one for a dry run).

        ``database`` opens the database when it is first needed (a large file's reading
        starts before that); ``actor`` is the team member the batch is by; ``progress`` is
        told each step (what, done, total); ``committing`` is called once the batch is
        written and about to be committed whole (a Ctrl-C from then on must wait)."""
        if self.kind is Kind.CONTACTS:
            return self._contacts(database, actor, progress, committing)
        return self._work(database, actor, committing)

    def _contacts(
        self,
        database: Callable[[], Database],
        actor: Callable[[Session], int | None],
        progress: reading.Progress | None,
        committing: Callable[[], None],
    ) -> ImportOutcome:
        creating = self.on_duplicate is not OnDuplicate.UPDATE  # nothing is updated
        items = reading.start_reading(
            self.path,
            replace(self.read, new_contacts=creating),
            tag=self.tag,
            match=self.match,
            creating=creating,
            team=functools.partial(_team, database),
        )
        with closing(items):
            from crm_tui.services.imports import import_contacts

            opened = next(items)  # the file's errors (an unknown --map column…) come first
            assert isinstance(opened, Opened)
            with self._unit(database(), bulk=creating) as session:
                report = import_contacts(
                    session=session,
                    rows=reading.rows(items, opened.lines, progress),
                    source=self.source,
                    match=self.match,
                    on_duplicate=self.on_duplicate,
                    skip_bad=self.skip_bad,
                    dry_run=self.dry_run,
                    tag=self.tag,
                    actor_id=None if self.dry_run else actor(session),
                    progress=progress,
                    expected=opened.lines,
                )
                committing()
        header = reading.header(self.path, self.read) if report.errors else []
        return ImportOutcome(report, opened.profile, header)

    def _work(
        self,
        database: Callable[[], Database],
        actor: Callable[[Session], int | None],
        committing: Callable[[], None],
    ) -> ImportOutcome:
        header, rows = reading.work_rows(self.path, self.kind, self.read)
        from crm_tui.services.imports import import_work

        with self._unit(database(), bulk=False) as session:
            report = import_work(
                session=session,
                kind=self.kind,
                rows=rows,
                source=self.source,
                skip_bad=self.skip_bad,
                dry_run=self.dry_run,
                actor_id=None if self.dry_run else actor(session),
            )
            committing()
        return ImportOutcome(report, self.kind.value, header if report.errors else [])

    def _unit(self, database: Database, *, bulk: bool) -> AbstractContextManager[Session]:
        return database.read() if self.dry_run else database.write(bulk=bulk)


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did (``report``), how its file was read (``profile``: a CSV profile,
    "vcard" or "json"; for interactions and tasks, their kind) and the file's columns when
    rows were rejected (for a rejects file)."""

    report: ImportReport
    profile: str
    header: list[str]


def _team(database: Callable[[], Database]) -> Directory:
    """What names each team member, for the file's owners, and the defined custom fields
    (see ``contact_rows.Team``)."""
    from crm_tui.io.contact_rows import Directory
    from crm_tui.services.fields import field_defs
    from crm_tui.services.team import team_directory

    with database().read() as session:
        return Directory(team_directory(session=session), field_defs(session=session))
