"""``crm export all`` / ``crm import all``: every table as JSON Lines, ids and all.

A bundle is a folder: ``manifest.json`` (format, schema revision, row counts, SHA-256 of
each file) and one ``<table>.jsonl`` per table, one row per line, in an order that satisfies
the foreign keys. Before anything is written, every file is checked against the manifest
(a bundle copied in part, or edited, is refused with the file named); bundles made before
checksums were added are checked on their row counts.
Reading it into an empty database gives back exactly what was written: ids, tags, custom
fields, interactions, tasks, dependencies, history (merges, import batches) and the trash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from crm_tui import models
from crm_tui.errors import ValidationError
from crm_tui.migrations import HEAD
from crm_tui.search import index as search
from crm_tui.services.common import bulk_insert, bulk_writes, reset_id_sequences
from crm_tui.text import clean_field, clean_line

FORMAT = "crm-tui bundle"
# Parents before children (foreign keys are checked as rows go in).
TABLES: list[type[SQLModel]] = [
    models.TeamMember,
    models.Organization,
    models.Tag,
    models.Contact,
    models.ContactEmail,
    models.ContactPhone,
    models.ContactTag,
    models.ContactDate,
    models.Pipeline,
    models.DealStage,
    models.LostReason,
    models.Deal,
    models.DealTag,
    models.DealStageChange,
    models.Project,
    models.Interaction,
    models.InteractionContact,
    models.Appointment,
    models.AppointmentContact,
    models.AppointmentMember,
    models.Task,
    models.TaskDependency,
    models.WorkflowTemplate,
    models.TemplateStep,
    models.ImportBatch,
    models.ImportChange,
    models.MergeRecord,
    models.ReminderSent,
    models.ReminderRun,
    models.Segment,
    models.CustomField,
]
CHUNK = 5_000
Progress = Callable[[str, int, int], None]


def _name(model: type[SQLModel]) -> str:
    return model.__table__.name  # type: ignore[attr-defined]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def dump(*, session: Session, folder: Path, progress: Progress | None = None) -> dict[str, int]:
    """Write every table into ``folder`` (created); returns rows written per table."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    checksums: dict[str, str] = {}
    for number, model in enumerate(TABLES, start=1):
        table = model.__table__  # type: ignore[attr-defined]
        count = 0
        digest = hashlib.sha256()
        with (folder / f"{table.name}.jsonl").open("wb") as out:
            for row in session.execute(select(table).order_by(*table.primary_key.columns)):
                data = {key: _json_value(value) for key, value in row._mapping.items()}
                line = (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")
                out.write(line)
                digest.update(line)
                count += 1
        counts[table.name] = count
        checksums[table.name] = digest.hexdigest()
        if progress:
            progress(f"exporting {table.name}", number, len(TABLES))
    manifest = {
        "format": FORMAT,
        "version": 1,
        "schema": HEAD,
        "exported_at": datetime.now().astimezone().isoformat(),
        "tables": counts,
        "sha256": checksums,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return counts


def _converters(model: type[SQLModel]) -> dict[str, Callable[[Any], Any]]:
    converters: dict[str, Callable[[Any], Any]] = {}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        kind = getattr(column.type, "impl", column.type)  # through TypeDecorators
        if isinstance(kind, DateTime):
            converters[column.key] = lambda v: datetime.fromisoformat(v) if v else None
        elif isinstance(kind, Date):
            converters[column.key] = lambda v: date.fromisoformat(v) if v else None
    return converters


def _rows(path: Path, model: type[SQLModel]) -> Iterator[dict[str, Any]]:
    converters = _converters(model)
    columns = set(model.__table__.columns.keys())  # type: ignore[attr-defined]
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValidationError(f"{path}: line {number}: not JSON ({error.msg})") from None
            except UnicodeDecodeError:
                raise ValidationError(f"{path}: line {number}: not UTF-8 text") from None
            if not isinstance(row, dict):
                raise ValidationError(f"{path}: line {number}: not a row of {path.stem}")
            if row.keys() != columns:
                problem = _keys_problem(row, columns, path.stem)
                raise ValidationError(f"{path}: line {number}: {problem}")
            for key, value in row.items():  # text written by another tool, or by hand
                row[key] = _cleaned(key, value)
            try:
                for key, convert in converters.items():
                    row[key] = convert(row[key])
            except (TypeError, ValueError):
                raise ValidationError(
                    f"{path}: line {number}: {key} is not a date or time: {row[key]!r:.60}"
                ) from None
            yield row


def _cleaned(column: str, value: Any) -> Any:
    """The cleaning rule every way in applies, on a bundle's text and custom fields."""
    if isinstance(value, str):
        return clean_field(column, value)
    if isinstance(value, dict):
        return {clean_line(str(k)): _cleaned(column, v) for k, v in value.items()}
    return value


def _keys_problem(row: dict[str, Any], columns: set[str], table: str) -> str:
    """What a row lacks or has beyond its table's columns (each row of a bundle has them
    all, as ``dump`` writes them)."""
    missing = sorted(columns - row.keys())
    unknown = sorted(str(key)[:60] for key in row.keys() - columns)
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if unknown:
        parts.append(f"{', '.join(unknown)}: not a column of {table}")
    return "; ".join(parts)


# Schemas whose tables have the columns HEAD's have: 0008 only made SQLite ids never reused,
# 0021 only added the rollups (counted on the way in, never in a bundle).
SAME_COLUMNS = frozenset({"0007", "0020"})


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValidationError(f"{folder} is not a crm bundle ({path.name}: {error})") from None
    if manifest.get("format") != FORMAT:
        raise ValidationError(f"{folder} is not a crm bundle")
    if manifest.get("schema") not in (HEAD, *SAME_COLUMNS):
        raise ValidationError(
            f"the bundle was written with schema {manifest.get('schema')}, this crm has {HEAD}; "
            "import it with the crm version that wrote it, then export again"
        )
    return manifest


def load(*, session: Session, folder: Path, progress: Progress | None = None) -> dict[str, int]:
    """Read a bundle into an empty database (refused if it holds contacts or tasks, or if a
    file of the bundle does not match its manifest)."""
    manifest = read_manifest(folder)
    check_files(folder, manifest)
    for table in ("contact", "task", "interaction", "deal"):
        present = session.scalar(text(f"SELECT count(*) FROM {table}"))
        if present:
            raise ValidationError(
                f"the database is not empty ({present} {table} rows); "
                "import a bundle into a new database (crm --db new.db import all DIR)"
            )
    with bulk_writes(session=session):
        counts = _import_tables(session, folder, progress)
    tables = [model.__table__ for model in TABLES]  # type: ignore[attr-defined]
    reset_id_sequences(
        session=session, tables=[t.name for t in tables if "id" in t.c and t.c.id.primary_key]
    )
    search.rebuild(session=session)
    return counts


def check_files(folder: Path, manifest: dict[str, Any]) -> None:
    """Refuse a bundle whose files are not the ones its manifest lists: a file missing, or
    with other rows than it says (lines lost in a copy, a file emptied or edited)."""
    counts = manifest.get("tables")
    checksums = manifest.get("sha256")  # absent from bundles made before it was added
    if not isinstance(counts, dict) or not all(isinstance(n, int) for n in counts.values()):
        raise ValidationError(f"{folder / 'manifest.json'}: no row count for each table")
    if checksums is not None and not isinstance(checksums, dict):
        raise ValidationError(f"{folder / 'manifest.json'}: the checksums are not a table")
    for model in TABLES:
        name = _name(model)
        path = folder / f"{name}.jsonl"
        if name not in counts:
            if path.exists():
                raise ValidationError(f"{path}: not listed in {folder / 'manifest.json'}")
            continue
        expected = counts[name]
        try:
            rows, digest = _measure(path)
        except FileNotFoundError:
            raise ValidationError(
                f"{path} is missing (the manifest lists {expected} rows in it): "
                "copy the whole folder, or export again"
            ) from None
        if rows != expected:
            raise ValidationError(
                f"{path}: {rows} rows where the manifest says {expected}: the file was cut "
                "short or changed since the export; copy the whole folder, or export again"
            )
        if checksums is not None and checksums.get(name) != digest:
            raise ValidationError(
                f"{path}: its SHA-256 is not the one in the manifest: the file was changed "
                "since the export; copy the whole folder, or export again"
            )


def _measure(path: Path) -> tuple[int, str]:
    """How many lines ``path`` has (a last one without a line end counts) and its SHA-256."""
    digest = hashlib.sha256()
    lines, last = 0, b"\n"
    with path.open("rb") as data:
        while block := data.read(1 << 20):
            digest.update(block)
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n"), digest.hexdigest()


# What a new database holds of its own (the first member, the default pipeline and its
# stages, the lost reasons), replaced by the bundle's.
_REPLACED: tuple[type[SQLModel], ...] = (
    models.TeamMember,
    models.Pipeline,
    models.DealStage,
    models.LostReason,
)


def _import_tables(session: Session, folder: Path, progress: Progress | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for number, model in enumerate(TABLES, start=1):
        path = folder / f"{_name(model)}.jsonl"
        if not path.exists():
            continue  # not in the manifest either (see check_files)
        if model in _REPLACED:
            session.execute(model.__table__.delete())  # type: ignore[attr-defined]
        batch: list[dict[str, Any]] = []
        count = 0
        try:
            for row in _rows(path, model):
                batch.append(row)
                if len(batch) == CHUNK:
                    count += _insert(session, model, batch)
                    batch = []
            count += _insert(session, model, batch)
        except IntegrityError as error:
            reason = str(error.orig).splitlines()[0][:200]
            raise ValidationError(
                f"{path}: rows that do not fit the database ({reason}); "
                "was the bundle edited? export it again"
            ) from None
        counts[_name(model)] = count
        if progress:
            progress(f"importing {_name(model)}", number, len(TABLES))
    return counts


def _insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    keys = list(rows[0])
    bulk_insert(
        session=session, model=model, rows=[{key: row.get(key) for key in keys} for row in rows]
    )
    return len(rows)
