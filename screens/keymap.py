"""The ``[keymap]`` settings checked against the app's bindings before the app starts.

Textual ignores a keymap entry whose binding id no widget declares, so a typo ("app.qiut")
would silently do nothing; the README promises that settings crm does not know are refused.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from textual.binding import Binding
from textual.dom import DOMNode

from crm_tui.config import config_path
from crm_tui.errors import ConfigError

# A key as Textual names it: modifiers, then a key name ("ctrl+q", "f2", "question_mark").
_KEY = re.compile(r"^(?:(?:ctrl|shift|alt|meta|super|hyper)\+)*(?:[A-Za-z0-9_]+|[^\s,+])$")


def binding_ids() -> set[str]:
    """Every binding id declared by the app, its screens and their widgets."""
    import screens
    from crm_tui.app import CrmApp

    for module in pkgutil.walk_packages(screens.__path__, "screens."):
        importlib.import_module(module.name)
    ids: set[str] = set()
    for node in [CrmApp, *_subclasses(DOMNode)]:
        for binding in getattr(node, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def _subclasses(base: type) -> list[type]:
    found: list[type] = []
    subs: list[type] = base.__subclasses__()
    for sub in subs:
        if sub.__module__.startswith(("screens.", "crm_tui.")):
            found.append(sub)
        found.extend(_subclasses(sub))
    return found


def check_keymap(keymap: dict[str, str]) -> None:
    """Raise ``ConfigError`` naming each unknown binding id and each key Textual cannot name."""
    if not keymap:
        return
    known = binding_ids()
    problems = []
    for action, keys in keymap.items():
        if action not in known:
            problems.append(f"keymap: no action {action!r} (ids are listed in the README)")
        bad = [key for key in keys.split(",") if not _KEY.match(key.strip())]
        if bad or not keys.strip():
            problems.append(f"keymap: {action!r} = {keys!r} is not a key like 'ctrl+q' or 'f2'")
    if problems:
        raise ConfigError(f"{config_path()}: " + "; ".join(problems))
