"""Keyword-only functions that take a session: the only code that queries or writes.

They return plain read models (``crm_tui.schemas``), never live ORM rows, and never
commit: the caller's unit of work (``Database.write()``) decides when changes land.
"""
