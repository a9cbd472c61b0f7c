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
