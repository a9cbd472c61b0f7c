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

import io
import sys
from typing import Any, TextIO

from crm_tui.text import for_terminal

_CR = "\u240d"


def _guarded(text: str) -> str:
    """``for_terminal``, but for a CR that ends a line (CSV's CRLF), which stays."""
    guarded = for_terminal(text)
    return guarded.replace(_CR + "\n", "\r\n") if _CR in guarded else guarded


class GuardedStream(io.TextIOBase):
    """A text stream writing through ``for_terminal`` to ``raw``; everything else (encoding,
    ``isatty``, ``fileno``, ``flush``) is ``raw``'s."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw
        self._held_cr = False  # a CR that ended the last write: a line end if LF comes next

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # Click probes a stream with b"" to learn its kind
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if not text:
            return 0
        written = ("\r" if self._held_cr else "") + text
        self._held_cr = written.endswith("\r")
        self.raw.write(_guarded(written[:-1] if self._held_cr else written))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._held_cr:  # no LF came: the CR was the text's own
            self.raw.write(_CR)
            self._held_cr = False
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


def guard_output() -> None:
    """Wrap standard output and error in the guard (once; the app's own run does not)."""
    if not isinstance(sys.stdout, GuardedStream):
        sys.stdout = GuardedStream(sys.stdout)
    if not isinstance(sys.stderr, GuardedStream):
        sys.stderr = GuardedStream(sys.stderr)


def unguard_output() -> None:
    if isinstance(sys.stdout, GuardedStream):
        sys.stdout = sys.stdout.raw
    if isinstance(sys.stderr, GuardedStream):
        sys.stderr = sys.stderr.raw


def unguarded_stderr() -> TextIO:
    """The terminal beneath the guard, for the progress bar's cursor movements."""
    stream = sys.stderr
    return stream.raw if isinstance(stream, GuardedStream) else stream
