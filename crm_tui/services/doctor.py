"""``crm doctor``: is the database sound, and can the obvious problems be fixed?"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from crm_tui.io.backup import integrity_problems
from crm_tui.migrations import HEAD, KNOWN_REVISIONS
from crm_tui.models import Interaction
from crm_tui.rollups import read as rollups
from crm_tui.schemas import CLOCK_SKEW
from crm_tui.search import index as search
from crm_tui.services.common import chunked, utcnow
from crm_tui.text import plural

# Link rows are only meaningful with both ends; without one they can simply go.
LINK_TABLES = {
    "contact_email",
    "contact_phone",
    "contact_tag",
    "interaction_contact",
    "task_dependency",
    "import_change",
    "template_step",
    "deal_stage_change",
}


@dataclass
class Finding:
    problem: str
    fixed: bool = False


def _integrity(session: Session, full: bool) -> list[Finding]:
    pragma = "integrity_check" if full else "quick_check"
    problems = integrity_problems(row[0] for row in session.execute(text(f"PRAGMA {pragma}")))
    findings = [Finding(f"{pragma}: {line}") for line in problems[:20]]
    if len(problems) > 20:
        findings.append(Finding(f"{pragma}: and {len(problems) - 20} more"))
    return findings


def _schema(session: Session) -> list[Finding]:
    revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision == HEAD:
        return []
    if revision in KNOWN_REVISIONS:
        return [Finding(f"schema {revision} is older than {HEAD} (opening it with crm migrates)")]
    return [Finding(f"schema {revision!r} is unknown to this crm (expected {HEAD})")]


def _orphans(session: Session, fix: bool) -> list[Finding]:
    """Rows pointing at rows that are gone (possible if foreign keys were ever off)."""
    broken: dict[tuple[str, str], list[int]] = {}
    for table, rowid, parent, _ in session.execute(text("PRAGMA foreign_key_check")):
        broken.setdefault((table, parent), []).append(rowid)
    findings = []
    for (table, parent), rowids in broken.items():
        finding = Finding(f"{len(rowids)} {table} rows point at missing {parent} rows")
        if fix and table in LINK_TABLES:
            for chunk in chunked(rowids):
                listed = ",".join(str(r) for r in chunk)
                session.execute(text(f"DELETE FROM {table} WHERE rowid IN ({listed})"))
            finding.fixed = True
        findings.append(finding)
    return findings


def _index(session: Session, fix: bool) -> list[Finding]:
    problems = search.check(session=session)
    if not problems:
        return []
    if fix:
        search.rebuild(session=session)
    return [Finding(f"search index: {problem}", fixed=fix) for problem in problems]


def _rollups(session: Session, full: bool, fix: bool) -> list[Finding]:
    """The dashboard's rollups against the records: a recount of every interaction and
    closed deal, so only with --full or --fix."""
    if not (full or fix):
        return []
    problems = rollups.check(session=session)
    if problems and fix:
        rollups.rebuild(session=session)
    return [Finding(f"figure rollups: {problem}", fixed=fix) for problem in problems]


def _future(session: Session) -> list[Finding]:
    """Interactions dated ahead of now (logged before crm refused that): each makes its
    contact "last contacted" ahead of time. Only a person knows the right time."""
    ahead = (col(Interaction.deleted_at).is_(None), Interaction.occurred_at > utcnow() + CLOCK_SKEW)
    found = session.execute(
        select(Interaction.id, Interaction.occurred_at)
        .where(*ahead)
        .order_by(col(Interaction.occurred_at).desc())
        .limit(3)
    ).all()
    if not found:
        return []
    total = session.scalar(select(func.count()).select_from(Interaction).where(*ahead)) or 0
    examples = ", ".join(f"#{i} on {when:%Y-%m-%d}" for i, when in found)
    more = ", …" if total > len(found) else ""
    return [
        Finding(
            f"{plural(total, 'interaction')} dated in the future ({examples}{more}): edit "
            "their time in the log (e) and their contacts' last contact follows"
        )
    ]


def check_database(*, session: Session, full: bool = False, fix: bool = False) -> list[Finding]:
    """Every problem found (``fixed`` when ``fix`` repaired it); empty means healthy."""
    if session.get_bind().dialect.name != "sqlite":
        return (
            _schema(session)
            + _index(session, fix)
            + _rollups(session, full, fix)
            + _future(session)
        )
    findings = _integrity(session, full)
    if findings:
        return findings  # a damaged file: repairs would make it worse; restore a backup
    return [
        *_schema(session),
        *_orphans(session, fix),
        *_index(session, fix),
        *_rollups(session, full, fix),
        *_future(session),
    ]
