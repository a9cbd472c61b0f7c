"""The guard between every byte ``crm`` writes and the terminal, a pipe or cron's mail.

Stored text is cleaned on its way in, but a shared database may hold rows written by older
versions or by other tools, and Click echoes what was typed in its usage errors. So rather
than trusting each print, standard output and error are wrapped once, at start, in a stream
that applies the one escaping rule (``crm_tui.text.for_terminal``) to everything written:
a control character arrives as a visible symbol, a bidi override not at all.

Line ends a data format needs pass: CSV's CRLF is written through the same guard (a CR
ending one write is held until the next shows whether a LF follows it). The
progress bar is the one writer of escape sequences (cursor movement); it writes to the
terminal beneath the guard, and only its own descriptions, which it passes through the rule.
"""

from __future__ import annotations

import codecs
import io
import re
import sys
from typing import Any, TextIO

from crm_tui.text import BIDI_CONTROLS, for_terminal

_CR = "\u240d"
# What the rule would change, CRLF aside: most writes (a CSV row, a table line) have none,
# and are written as they are.
_CHANGED = re.compile(f"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]|\r(?!\n)")


def _guarded(text: str) -> str:
    """``for_terminal``, but for a CR that ends a line (CSV's CRLF), which stays: the line
    ends are set apart first (a CR before a bidi control and a LF is no line end, though
    the control goes)."""
    if not _CHANGED.search(text):
        return text
    return "\r\n".join(for_terminal(part) for part in text.split("\r\n"))


class GuardedStream(io.TextIOBase):
    """A text stream writing through ``for_terminal`` to ``raw``; everything else (encoding,
    ``isatty``, ``fileno``, ``flush``) is ``raw``'s."""

    def __init__(self, raw: TextIO, *, buffer_size: int = 0) -> None:
        super().__init__()
        self.raw = raw
        # Writes are checked a buffer at a time: an export writes a row per call.
        self.buffer_size = buffer_size
        self._pending: list[str] = []
        self._pending_size = 0
        self._held_cr = False  # a CR that ended the last chunk: a line end if LF comes next

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # Click probes a stream with b"" to learn its kind
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._pending.append(text)
        self._pending_size += len(text)
        if self._pending_size > self.buffer_size:
            self._drain()
        return len(text)

    def _drain(self) -> None:
        if not self._pending_size:
            return
        chunk = ("\r" if self._held_cr else "") + "".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        self._held_cr = chunk.endswith("\r")
        self.raw.write(_guarded(chunk[:-1] if self._held_cr else chunk))

    def write_escaped(self, data: bytes) -> None:
        """Write UTF-8 ``data`` that its format has already escaped (see ``write_escaped``)."""
        self._drain_all()
        _write_utf8(self.raw, data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def _drain_all(self) -> None:
        """``_drain``, and a CR held for a LF that did not come: the CR was the text's own."""
        self._drain()
        if self._held_cr:
            self.raw.write(_CR)
            self._held_cr = False

    def flush(self) -> None:
        self._drain_all()
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.raw.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.raw.errors

    @property
    def buffer(self) -> Any:
        """Binary exports (vCard, iCalendar) write their bytes here: data formats written
        byte for byte, from text cleaned on its way in."""
        return self.raw.buffer


def write_escaped(data: bytes) -> None:
    """Write UTF-8 ``data`` to standard output past the guard's second look: JSON that
    ``json_safe`` escaped holds no character the rule would change (JSON escapes every C0
    control; ``json_safe`` DEL, C1 and bidi), and looking again costs a listing of 100k
    contacts as much as reading them."""
    stream = sys.stdout
    if isinstance(stream, GuardedStream):
        stream.write_escaped(data)
    else:
        _write_utf8(stream, data)


def _write_utf8(stream: TextIO, data: bytes) -> None:
    """Bytes straight to a UTF-8 stream's buffer (decoded only to be encoded again
    otherwise); text to any other."""
    encoding = getattr(stream, "encoding", None) or ""
    if encoding and hasattr(stream, "buffer") and codecs.lookup(encoding).name == "utf-8":
        stream.flush()
        stream.buffer.write(data)
    else:
        stream.write(data.decode())


def guard_output() -> None:
    """Wrap standard output and error in the guard (once; the app's own run does not)."""
    if not isinstance(sys.stdout, GuardedStream):
        # Buffered on a pipe or a file (what is printed is flushed by Click's echo);
        # a terminal sees each write at once.
        size = 0 if sys.stdout.isatty() else 1 << 16
        sys.stdout = GuardedStream(sys.stdout, buffer_size=size)
    if not isinstance(sys.stderr, GuardedStream):
        sys.stderr = GuardedStream(sys.stderr)


def unguard_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, GuardedStream):
            stream.flush()
    if isinstance(sys.stdout, GuardedStream):
        sys.stdout = sys.stdout.raw
    if isinstance(sys.stderr, GuardedStream):
        sys.stderr = sys.stderr.raw


def unguarded_stderr() -> TextIO:
    """The terminal beneath the guard, for the progress bar's cursor movements."""
    stream = sys.stderr
    return stream.raw if isinstance(stream, GuardedStream) else stream
