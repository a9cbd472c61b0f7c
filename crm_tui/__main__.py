"""``python -m crm_tui`` runs the ``crm`` command."""

from crm_tui.cli import run

if __name__ == "__main__":  # not again in a spawned process (crm_tui.io.background)
    run()
