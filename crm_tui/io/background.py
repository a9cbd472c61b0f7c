"""Running a generator in a child process, its items arriving through a pipe.

An import reads and checks its file (CPU-bound Python) while the database takes the rows
read so far: the GIL lets two threads take turns only, so the reading runs in a process of
its own and the two overlap on two cores.

The child is forked where that is safe (Linux, one thread), else spawned; either way it
ends with the parent: it ignores Ctrl-C (the parent handles it and stops it) and a write
into the pipe of a killed parent fails, which ends the child too.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from multiprocessing.connection import Connection
from typing import Any

from crm_tui.errors import CrmError

_ITEM, _ERROR, _DONE = "item", "error", "done"
AHEAD = 2  # items received and not yet taken, at most


class InBackground(Iterator[Any]):
    """The items of ``produce(*args)``, made in a child process started at once; its errors
    are raised here.

    ``produce`` and ``args`` must pickle (a module-level function) where the child is
    spawned. ``close()`` (or an error here) stops the child if it is still at work.
    """

    def __init__(self, produce: Callable[..., Iterator[Any]], *args: Any) -> None:
        context: Any = multiprocessing.get_context(_start_method())
        receiver, sender = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_run, args=(sender, receiver, produce, args), daemon=True
        )
        self._child.start()
        sender.close()  # the child holds the only write end: its death is an EOF here
        self._receiver = receiver
        # A thread empties the pipe as the items come (its reads let go of the GIL): a
        # child waiting for the consumer to take its last item would make no new ones. It
        # holds at most AHEAD of them: a child faster than the consumer then waits, and a
        # large file is never held whole.
        self._messages: queue.Queue[bytes | None] = queue.Queue(AHEAD)
        self._drain = threading.Thread(target=_drain, args=(receiver, self._messages), daemon=True)
        self._drain.start()
        self._closed = False

    def __next__(self) -> Any:
        if self._closed:
            raise StopIteration
        try:
            message = self._messages.get()
            if message is None:
                raise CrmError("the file reader stopped unexpectedly")
            kind, value = pickle.loads(message)
            if kind == _ERROR:
                raise value
        except BaseException:
            self.close()
            raise
        if kind == _DONE:
            self.close()
            raise StopIteration
        return value

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._child.is_alive():  # the consumer stopped early, or the child is on its way out
            self._child.terminate()
        self._child.join()
        while self._drain.is_alive():  # it may wait to hand over an item nobody will take
            with suppress(queue.Empty):
                self._messages.get(timeout=0.05)
        self._drain.join()
        self._receiver.close()


def _drain(receiver: Connection, messages: queue.Queue[bytes | None]) -> None:
    try:
        while True:
            messages.put(receiver.recv_bytes())
    except (EOFError, OSError):
        messages.put(None)


def _start_method() -> str:
    forkable = sys.platform == "linux" and threading.active_count() == 1
    return "fork" if forkable else "spawn"


def _run(
    sender: Connection,
    receiver: Connection,
    produce: Callable[..., Iterator[Any]],
    args: tuple[Any, ...],
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    receiver.close()  # else a dead parent would leave a reader, and sends would block
    try:
        for item in produce(*args):
            sender.send((_ITEM, item))
        sender.send((_DONE, None))
    except BrokenPipeError:
        return  # the parent is gone or stopped reading: nobody to tell
    except Exception as error:
        try:
            sender.send((_ERROR, _portable(error)))
        except BrokenPipeError:
            return
    finally:
        sender.close()


def _portable(error: Exception) -> Exception:
    """``error`` if it survives pickling, else one that says the same."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        if not isinstance(error, CrmError):
            return RuntimeError(str(error))
        copy = CrmError(str(error))
        copy.exit_code = error.exit_code
        return copy
    return error
