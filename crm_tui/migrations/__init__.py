"""Alembic migrations shipped inside the package and applied when a database is opened.

``HEAD`` lets the common case (schema already current) skip importing Alembic at all;
a test checks it against the script directory so the two cannot drift apart.
"""

HEAD = "0021"
KNOWN_REVISIONS = frozenset(
    {
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
        "0006",
        "0007",
        "0008",
        "0009",
        "0010",
        "0011",
        "0012",
        "0013",
        "0014",
        "0015",
        "0016",
        "0017",
        "0018",
        "0019",
        "0020",
        "0021",
    }
)
