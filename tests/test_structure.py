"""The service contract, checked on the code itself: a public service function takes
``session`` as a keyword, so a call reads as what it passes and a shell cannot hand the
arguments over in the wrong order."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parent.parent / "crm_tui" / "services"


def _public_functions() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in sorted(SERVICES.glob("*.py")):
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
