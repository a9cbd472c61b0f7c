"""Contracts checked on the code itself.

- A public service function (and the search index's) takes ``session`` as a keyword, so a
  call reads as what it passes and a shell cannot hand the arguments over in the wrong order.
- Only the search package names the search tables (its import contract keeps the others off
  its modules; this keeps them off its tables in SQL text).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "crm_tui" / "services"
SEARCH = ROOT / "crm_tui" / "search"


def _public_functions() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in [*sorted(SERVICES.rglob("*.py")), SEARCH / "index.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [
            (path.name, node)
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
        ]
    return found


def test_every_public_service_function_takes_session_as_a_keyword() -> None:
    functions = _public_functions()
    with_session = [
        (module, node)
        for module, node in functions
        if "session" in [a.arg for a in (*node.args.args, *node.args.kwonlyargs)]
    ]
    assert len(with_session) > 100  # the walk finds the services
    positional = [
        f"{module}:{node.name}"
        for module, node in with_session
        if "session" in [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    ]
    assert positional == []


SEARCH_TABLES = re.compile(r"\b(contact_fts|interaction_fts|contact_band|contact_search_row)\b")


def test_only_the_search_package_names_the_search_tables() -> None:
    """Outside ``crm_tui/search`` (and the migrations, which made the tables and keep frozen
    copies of what they ran), no code names a search table."""
    allowed = (SEARCH, ROOT / "crm_tui" / "migrations")
    code = [*ROOT.joinpath("crm_tui").rglob("*.py"), *ROOT.joinpath("screens").rglob("*.py")]
    naming = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in code
        if not path.is_relative_to(allowed[0]) and not path.is_relative_to(allowed[1])
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SEARCH_TABLES.search(line)
    ]
    assert len(code) > 80  # the walk finds the code
    assert naming == []


def test_every_reference_to_a_contact_or_organization_is_known_to_undo_and_merge() -> None:
    """A new table that names a contact (or an organization) must be known to an import's
    undo, which keeps a contact or organization something uses, and to a merge, which
    moves a contact's records to the survivor: else its rows lose what they point at."""
    from sqlmodel import SQLModel

    import crm_tui.models
    from crm_tui.services import merge
    from crm_tui.services.imports import batches
    from crm_tui.services.imports import contacts as imported

    owned = {("contact_email", "contact_id"), ("contact_phone", "contact_id")}
    owned.add(("contact_tag", "contact_id"))  # the contact's own: removed with it
    uses = {(c.table.name, c.name) for _, c in imported._CONTACT_USES}
    moved = {(m.__tablename__, "contact_id") for m in merge._OWNED.values()}
    moved |= {(model.__tablename__, "contact_id") for _, model, _ in merge._LINKS}
    moved.add(("interaction", "contact_id"))
    moved.add(("contact", "referred_by_id"))
    for table in SQLModel.metadata.sorted_tables:
        for key in table.foreign_keys:
            where = (table.name, key.parent.name)
            if key.column.table.name == "contact" and where not in owned:
                assert where in uses, f"{where}: add it to the import undo's _CONTACT_USES"
                assert where in moved, f"{where}: add it to the merge's _OWNED"
            if key.column.table.name == "organization":
                known = {
                    (c.table.name, c.name) for c in batches._USED_BY[crm_tui.models.Organization]
                }
                assert where in known, f"{where}: add it to the import undo's _USED_BY"


def test_every_table_goes_into_a_bundle() -> None:
    """``crm export all`` writes every table but the search's own (rebuilt on the way in) and
    the rollups (counted on the way in by their triggers): a new table left out of the
    bundle's list would be lost by an export and import."""
    from sqlmodel import SQLModel

    import crm_tui.models  # noqa: F401  (registers the tables)
    from crm_tui.rollups import tables as rollup_tables
    from crm_tui.search import tables as search_tables
    from crm_tui.services.bundle import TABLES

    search = {search_tables.ContactBand.__tablename__, search_tables.ContactSearchRow.__tablename__}
    rollups = {
        rollup_tables.InteractionDay.__tablename__,
        rollup_tables.ClosedDealDay.__tablename__,
        rollup_tables.WonStayDay.__tablename__,
    }
    bundled = {model.__table__.name for model in TABLES}  # type: ignore[attr-defined]
    assert set(SQLModel.metadata.tables) - search - rollups == bundled
