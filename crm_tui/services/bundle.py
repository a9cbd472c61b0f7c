"""``crm export all`` / ``crm import all``: every table as JSON Lines, ids and all.

A bundle is a folder: ``manifest.json`` (format, schema revision, row counts) and one
``<table>.jsonl`` per table, one row per line, in an order that satisfies the foreign keys.
Reading it into an empty database gives back exactly what was written: ids, tags, custom
fields, interactions, tasks, dependencies, history (merges, import batches) and the trash.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, select, text
from sqlmodel import Session, SQLModel

from crm_tui import models
from crm_tui.errors import ValidationError
from crm_tui.migrations import HEAD
from crm_tui.services import search
from crm_tui.services.common import bulk_insert, bulk_writes, reset_id_sequences

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
    models.Project,
    models.Interaction,
    models.InteractionContact,
    models.Task,
    models.TaskDependency,
    models.WorkflowTemplate,
    models.TemplateStep,
    models.ImportBatch,
    models.ImportChange,
    models.MergeRecord,
]
CHUNK = 5_000
Progress = Callable[[str, int, int], None]


def _name(model: type[SQLModel]) -> str:
    return model.__table__.name  # type: ignore[attr-defined]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def dump(session: Session, folder: Path, progress: Progress | None = None) -> dict[str, int]:
    """Write every table into ``folder`` (created); returns rows written per table."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for number, model in enumerate(TABLES, start=1):
        table = model.__table__  # type: ignore[attr-defined]
        count = 0
        with (folder / f"{table.name}.jsonl").open("w", encoding="utf-8") as out:
            for row in session.execute(select(table).order_by(*table.primary_key.columns)):
                data = {key: _json_value(value) for key, value in row._mapping.items()}
                out.write(json.dumps(data, ensure_ascii=False) + "\n")
                count += 1
        counts[table.name] = count
        if progress:
            progress(f"exporting {table.name}", number, len(TABLES))
    manifest = {
        "format": FORMAT,
        "version": 1,
        "schema": HEAD,
        "exported_at": datetime.now().astimezone().isoformat(),
        "tables": counts,
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
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValidationError(f"{path}: line {number}: not JSON ({error.msg})") from None
            for key, convert in converters.items():
                if key in row:
                    row[key] = convert(row[key])
            yield row


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValidationError(f"{folder} is not a crm bundle ({path.name}: {error})") from None
    if manifest.get("format") != FORMAT:
        raise ValidationError(f"{folder} is not a crm bundle")
    if manifest.get("schema") != HEAD:
        raise ValidationError(
            f"the bundle was written with schema {manifest.get('schema')}, this crm has {HEAD}; "
            "import it with the crm version that wrote it, then export again"
        )
    return manifest


def load(session: Session, folder: Path, progress: Progress | None = None) -> dict[str, int]:
    """Read a bundle into an empty database (refused if it holds contacts or tasks)."""
    read_manifest(folder)
    for table in ("contact", "task", "interaction"):
        present = session.scalar(text(f"SELECT count(*) FROM {table}"))
        if present:
            raise ValidationError(
                f"the database is not empty ({present} {table} rows); "
                "import a bundle into a new database (crm --db new.db import all DIR)"
            )
    with bulk_writes(session):
        counts = _import_tables(session, folder, progress)
    tables = [model.__table__ for model in TABLES]  # type: ignore[attr-defined]
    reset_id_sequences(session, [t.name for t in tables if "id" in t.c and t.c.id.primary_key])
    search.rebuild_index(session)
    return counts


def _import_tables(session: Session, folder: Path, progress: Progress | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for number, model in enumerate(TABLES, start=1):
        path = folder / f"{_name(model)}.jsonl"
        if not path.exists():
            continue
        if model is models.TeamMember:
            session.execute(model.__table__.delete())  # type: ignore[attr-defined]
        batch: list[dict[str, Any]] = []
        count = 0
        for row in _rows(path, model):
            batch.append(row)
            if len(batch) == CHUNK:
                count += _insert(session, model, batch)
                batch = []
        count += _insert(session, model, batch)
        counts[_name(model)] = count
        if progress:
            progress(f"importing {_name(model)}", number, len(TABLES))
    return counts


def _insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    keys = list(rows[0])
    bulk_insert(session, model, [{key: row.get(key) for key in keys} for row in rows])
    return len(rows)
