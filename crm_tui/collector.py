"""Keeping Python's cyclic garbage collector out of the way of bulk work and of start-up.

Reference counting frees what crm makes as soon as it is dropped; the cyclic collector is
only needed for reference cycles, yet each of its full collections walks every live object.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Keep the cyclic collector off during a bulk job, as it was before afterwards.

    An import holds a million small acyclic objects (its rows) for its whole run, and the
    collector walked them again and again (ten full collections in a large import), with
    the same peak memory without them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def freeze_imported() -> None:
    """Leave what importing made (modules, classes, functions) out of later collections.

    Those objects live as long as the process; without this, the first full collection
    after start-up walked all of them while the app painted its first screen.
    """
    gc.freeze()


def before_exit() -> None:
    """Leave every object alive at the end of a command out of the collections run at exit.

    Python's shutdown collects cycles more than once while it frees the modules, walking
    everything SQLAlchemy, pydantic and crm made; frozen objects are skipped, and the
    process's memory is given back whole by the system a moment later.
    """
    gc.freeze()
