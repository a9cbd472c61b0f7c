"""Imports as batches: contacts (``contacts``), interactions and tasks (``work``), each
recorded as one batch (``batches``) that ``undo`` reverts, whatever its kind.

The import job (``crm_tui.importing``) reads a file and calls these; the names below are
what the rest of the code uses.
"""

from crm_tui.services.imports.batches import ImportReport, Progress, UndoReport, list_batches
from crm_tui.services.imports.contacts import Match, OnDuplicate, import_contacts
from crm_tui.services.imports.undo import undo_import
from crm_tui.services.imports.work import import_work

__all__ = [
    "ImportReport",
    "Match",
    "OnDuplicate",
    "Progress",
    "UndoReport",
    "import_contacts",
    "import_work",
    "list_batches",
    "undo_import",
]
