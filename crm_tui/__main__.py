"""``python -m crm_tui`` runs the ``crm`` command."""

from crm_tui.cli import app

app(prog_name="crm")
