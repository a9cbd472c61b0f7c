"""Full-text search: the one package that knows how text is indexed and matched.

- ``query`` and ``document``: pure. What a typed query means, and the one text indexed
  for each row. An import's reading process builds documents with ``document`` and never
  loads SQLAlchemy, so this file imports nothing.
- ``index``: the interface the services call. Index, remove, plan a page, count, bulk
  writes, rebuild, check. ``contacts(session)`` and ``interactions(session)`` pick the
  implementation for the session's database.
- ``sqlite``: FTS5 tables; a contact's search row is filed under its name band
  (``bands``), so a search's page in name order costs the same at any size.
- ``postgres``: a ``simple`` tsvector with a trigram index for infix matches.
- ``plan``: what a page of matches is read by, and the deadline a plan may run under.
- ``sources``: the documents of stored rows, read from their tables.
"""
