"""What a query typed by a user asks the index for (pure: no database)."""

from __future__ import annotations

from crm_tui.text import query_terms

# PostgreSQL: the shortest term also matched inside words (a trigram needs three letters).
INFIX_MIN_LENGTH = 3


def match_expression(query: str) -> str | None:
    """An FTS5 query where every word must match the start of a word (or phrase) in a row.

    Tokens contain letters and digits only, so quoting them cannot break the syntax.
    """
    terms = query_terms(query)
    if not terms:
        return None
    return " ".join('"' + " ".join(tokens) + '"*' for tokens in terms)


def prefixes(expression: str) -> list[str]:
    """The word beginnings of a ``match_expression``: the last token of each phrase."""
    return [phrase.rsplit(" ", 1)[-1] for phrase in expression.strip('"*').split('"* "')]


def tsquery_terms(query: str) -> list[tuple[str, str | None]]:
    """PostgreSQL: each term of ``query`` as a ``to_tsquery`` phrase matching word starts,
    and the text to find anywhere inside a word (None when too short for a trigram)."""
    found: list[tuple[str, str | None]] = []
    for tokens in query_terms(query):
        phrase = " <-> ".join(f"'{token}'" for token in tokens) + ":*"
        joined = " ".join(tokens)
        found.append((phrase, joined if len(joined) >= INFIX_MIN_LENGTH else None))
    return found
