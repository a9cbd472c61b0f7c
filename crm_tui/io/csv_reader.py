"""Reading a CSV file the way people actually have them, one small step at a time:

bytes -> text (BOM, UTF-8, else a detector: cp1252 from Excel…) -> dialect (comma,
semicolon, tab) -> header (skipping a preamble such as LinkedIn's "Notes:" block) ->
records with the line each starts on. Malformed records become ``Problem``s with their
line number instead of stopping the read, so every bad row can be reported at once.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from crm_tui.errors import UsageError, ValidationError

MAX_FIELD = 16 * 1024 * 1024  # fields of 1 MB and more are real (pasted emails, notes)
DELIMITERS = ",;\t"
_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]

csv.field_size_limit(MAX_FIELD)

# Files people pick by mistake, whatever their name says.
_SAVE_AS_CSV = "save it as CSV (Excel: File > Save As > CSV UTF-8) and import that file"
_NOT_TEXT = [
    (
        b"PK\x03\x04",
        f"is a spreadsheet workbook (.xlsx, .ods or .numbers), not CSV: {_SAVE_AS_CSV}",
    ),
    (b"\xd0\xcf\x11\xe0", f"is an Excel 97-2003 workbook (.xls), not CSV: {_SAVE_AS_CSV}"),
    (b"%PDF", "is a PDF document: crm imports CSV, vCard (.vcf) and JSON files"),
]


HEAD_BYTES = 1 << 20  # what the encoding is detected from (and binary files refused by)
BLOCK = 1 << 20  # bytes decoded at a time
EXCERPT_CHARS = 60  # of a cell quoted in a message: a note can be a megabyte


def excerpt(value: str, limit: int = EXCERPT_CHARS) -> str:
    """``value`` on one line, cut to ``limit`` characters and "…" when longer: what an
    error message may quote of a cell."""
    if len(value) <= limit and "\n" not in value and "\r" not in value:
        return value
    head = " ".join(value[: limit * 4].split())
    if len(head) <= limit and len(value) <= limit * 4:
        return head
    return head[:limit].rstrip() + "…"


# A value quoted in a message as Python quotes it ('…' or "…", backslash escapes inside).
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'" + "|" + r'"(?:[^"\\\n]|\\.)*"')


def shorten_quoted(message: str, limit: int = EXCERPT_CHARS) -> str:
    """``message`` with every quoted value longer than ``limit`` cut to an excerpt (the
    checks quote what they refuse, whatever its size)."""

    def shortened(found: re.Match[str]) -> str:
        quoted = found[0]
        if len(quoted) <= limit + 2:
            return quoted
        return quoted[0] + excerpt(quoted[1:-1], limit) + quoted[0]

    return _QUOTED.sub(shortened, message) if len(message) > limit else message


@dataclass(frozen=True)
class Record:
    line: int
    cells: list[str]


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str
    cells: list[str]


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``data`` and the encoding used: given, from a BOM, UTF-8, or detected."""
    texts: dict[str, str] = {}  # each encoding tried, as it read

    def decodes(name: str) -> bool:
        try:
            texts[name] = data.decode(name)
        except UnicodeDecodeError:
            return False
        return True

    name, errors = _encoding(data[:HEAD_BYTES], encoding, decodes)
    return texts[name] if name in texts else data.decode(name, errors), name


def _encoding(head: bytes, encoding: str | None, decodes: Callable[[str], bool]) -> tuple[str, str]:
    """The encoding of a file that begins with ``head`` and how to decode it (its errors
    argument): given, from a BOM, UTF-8, or detected. ``decodes(name)``: whether the whole
    file reads as ``name``. A given encoding it does not read as is refused."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UsageError(f"--encoding {encoding!r}: no such encoding") from None
        return _checked(encoding, decodes)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return _checked(name, decodes)
    if (wide := _utf16_without_bom(head[:4096])) is not None and decodes(wide):
        return wide, "strict"
    if decodes("utf-8"):
        return "utf-8", "strict"
    name = _detected(head)
    if decodes(name):
        return name, "strict"
    return "cp1252", "replace"


def _checked(encoding: str, decodes: Callable[[str], bool]) -> tuple[str, str]:
    """``encoding``, which the file says it is in (an option, a BOM): refused if the file
    does not read as it."""
    if not decodes(encoding):
        raise ValidationError(f"cannot read the file as {encoding}")
    return encoding, "strict"


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 written without its byte order mark, told by where the NUL bytes of its ASCII
    letters fall (such text decodes as UTF-8 too, a NUL beside each letter)."""
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 4  # most of a CSV's characters are ASCII: commas, digits, @…
    if odd > half and even == 0:
        return "utf-16-le"
    if even > half and odd == 0:
        return "utf-16-be"
    return None


_CONTROL_BYTES = [bytes([code]) for code in (*range(9), *range(14, 32))]


def _mostly_control_bytes(sample: bytes) -> bool:
    """Binary, not text with a stray NUL or two (those rows are reported one by one)."""
    controls = sum(sample.count(byte) for byte in _CONTROL_BYTES)
    return controls > len(sample) // 20


def _refuse_what_is_not_text(data: bytes, name: str, encoding: str | None) -> None:
    for magic, what in _NOT_TEXT:
        if data.startswith(magic):
            raise ValidationError(f"{name} {what}")
    wide = any(data.startswith(bom) for bom, _ in _BOMS) or _utf16_without_bom(data[:4096])
    if not (encoding or wide) and _mostly_control_bytes(data[:65536]):
        raise ValidationError(
            f"{name} does not look like text: crm imports CSV, vCard (.vcf) and JSON files"
        )


def _detected(sample: bytes) -> str:
    """The detector's best guess, except that Excel's Western cp1252 wins a tie.

    Short files fit several single-byte code pages equally well ("Renée" is plausible in
    cp1250 too); cp1252 is by far the most common source of non-UTF-8 CSV files.
    """
    from charset_normalizer import from_bytes  # here: UTF-8 files (most) never need it

    results = from_bytes(sample)
    best = results.best()
    if best is None:
        return "cp1252"
    tied = [r.encoding for r in results if r.chaos <= best.chaos + 0.01]
    if "cp1252" in tied or (best.encoding in _LATIN_CODE_PAGES and _fits_cp1252(sample)):
        return "cp1252"
    return best.encoding


# Code pages for Latin-script languages that a detector confuses with cp1252 on short files.
_LATIN_CODE_PAGES = {
    "ascii",
    "latin_1",
    "iso8859_1",
    "iso8859_2",
    "iso8859_4",
    "iso8859_10",
    "iso8859_13",
    "iso8859_15",
    "cp1250",
    "cp1257",
    "cp775",
    "cp850",
    "cp852",
    "hp_roman8",
    "mac_roman",
}


def _fits_cp1252(sample: bytes) -> bool:
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(sample: str) -> str:
    """Comma, semicolon or tab: csv.Sniffer on the sample, else the most frequent one."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return max(DELIMITERS, key=first.count)


def _looks_like_header(cells: list[str], following: list[str] | None) -> bool:
    filled = [cell for cell in cells if cell.strip()]
    if len(filled) < 2:
        return False
    return following is None or len(following) >= len(filled) - 1


def _header_index(rows: list[list[str]]) -> int:
    """The index of the header among the first rows (0 unless a preamble comes first)."""
    for index, cells in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) else None
        if _looks_like_header(cells, following):
            return index
    return 0


@dataclass
class CsvSource:
    """A CSV file, its encoding, delimiter and header found; ``records()`` yields its rows
    after the header, read a block at a time (a large file is never held whole)."""

    name: str
    encoding: str
    delimiter: str
    header: list[str]
    header_line: int
    lines: int  # physical lines (quoted newlines too): near enough for a progress bar
    opener: Callable[[], TextIO]  # the file as text, from its start (after any BOM)
    _body_start: int  # the characters before the first record

    def records(self) -> Iterator[Record | Problem]:
        with self.opener() as stream:
            _skip(stream, self._body_start)
            yield from self._records(stream)

    def _records(self, stream: TextIO) -> Iterator[Record | Problem]:
        reader = csv.reader(stream, delimiter=self.delimiter, strict=True)
        width = len(self.header)
        line_before = self.header_line
        while True:
            start = line_before + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                reason = str(error)
                if "unexpected end of data" in reason or "EOF" in reason:
                    reason = "a quote is opened and never closed (the rest of the file is in it)"
                yield Problem(start, reason, [])
                return
            line_before = self.header_line + reader.line_num
            if not cells:
                continue  # an empty line
            extra = [cell for cell in cells[width:] if cell.strip()]
            if extra:
                message = f"has {len(cells)} cells where the header has {width}"
                yield Problem(start, message, cells)
                continue
            yield Record(start, (cells + [""] * width)[:width])


def _skip(stream: TextIO, characters: int) -> None:
    while characters > 0:
        read = len(stream.read(min(characters, BLOCK)))
        if not read:
            return
        characters -= read


def open_csv(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    name: str | None = None,
) -> CsvSource:
    """Find ``path``'s encoding, delimiter and header (reading the file once through, a block
    at a time); ``name``: what messages call the file (default: its path)."""
    name = name or str(path)

    def opener() -> BinaryIO:
        try:
            return path.open("rb")
        except OSError as error:
            raise ValidationError(f"cannot read {name}: {error.strerror}") from None

    return _source(opener, name, encoding, delimiter)


def parse_csv(
    data: bytes,
    *,
    name: str = "<data>",
    encoding: str | None = None,
    delimiter: str | None = None,
) -> CsvSource:
    return _source(lambda: io.BytesIO(data), name, encoding, delimiter)


def _source(
    opener: Callable[[], BinaryIO], name: str, encoding: str | None, delimiter: str | None
) -> CsvSource:
    with opener() as handle:
        head = handle.read(HEAD_BYTES)
    _refuse_what_is_not_text(head, name, encoding)
    passes: dict[str, _Pass | None] = {}

    def decodes(candidate: str) -> bool:
        passes[candidate] = _read_through(opener, candidate)
        return passes[candidate] is not None

    used, errors = _encoding(head, encoding, decodes)
    through = passes[used] if used in passes else _read_through(opener, used, errors)
    assert through is not None  # only an encoding that read the file through is used

    def text() -> TextIO:
        return io.TextIOWrapper(opener(), encoding=used, errors=errors, newline="")

    if not through.has_text:
        raise ValidationError(f"{name} is empty")
    with text() as stream:
        lead, chosen = _sniffed(stream, delimiter)
    with text() as stream:
        _skip(stream, lead)
        head_text, rows = _head(stream, chosen)
    header_at = _header_index(rows)
    lines_before, offset = _skip_rows(head_text, chosen, header_at)
    reader = csv.reader(io.StringIO(head_text[offset:]), delimiter=chosen)
    header = [cell.strip() for cell in next(reader)]
    body_start = lead + offset + _consumed(head_text[offset:], chosen)
    header_line = lines_before + reader.line_num
    return CsvSource(name, used, chosen, header, header_line, through.lines, text, body_start)


@dataclass
class _Pass:
    lines: int
    has_text: bool


def _read_through(
    opener: Callable[[], BinaryIO], encoding: str, errors: str = "strict"
) -> _Pass | None:
    """The file's lines and whether it has more than white space, read as ``encoding``;
    None if it does not read as that."""
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    lines, has_text = 1, False
    with opener() as handle:
        while True:
            block = handle.read(BLOCK)
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError:
                return None
            lines += text.count("\n")
            has_text = has_text or bool(text.replace("\ufeff", "").strip())
            if not block:
                return _Pass(lines, has_text)


def _sniffed(stream: TextIO, delimiter: str | None) -> tuple[int, str]:
    """How many BOM characters the text starts with, and its delimiter (given, or told from
    the first SNIFF_CHARS characters after them)."""
    lead = 0
    while (first := stream.read(1)) == "\ufeff":
        lead += 1
    text = first + stream.read(SNIFF_CHARS)
    return lead, delimiter or sniff_delimiter(_after_preamble(_whole_records(text, SNIFF_CHARS)))


def _head(stream: TextIO, delimiter: str) -> tuple[str, list[list[str]]]:
    """The first HEAD_ROWS records, read whole, and their text: a row cut at the end of a
    sample (a note of 64 KB, say) would look shorter than the header and make the header
    look like a preamble."""
    taken: list[str] = []

    def lines() -> Iterator[str]:
        for line in stream:
            taken.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    rows: list[list[str]] = []
    with contextlib.suppress(StopIteration, csv.Error):
        for _ in range(HEAD_ROWS):
            rows.append(next(reader))
    return "".join(taken), rows


SNIFF_CHARS = 64 * 1024  # what the delimiter is told from (csv.Sniffer is slow on more)
HEAD_ROWS = 12  # the rows a preamble and the header are looked for among


_QUOTE_OR_LINE_END = re.compile(r'["\n]')


def _whole_records(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, ending after the last whole record in them
    (a half record at the end of a sample confuses the sniffer); all of them when even the
    first record is longer."""
    if len(text) <= limit:
        return text
    sample = text[:limit]
    end, quoted = 0, False
    for found in _QUOTE_OR_LINE_END.finditer(sample):
        if found[0] == '"':
            quoted = not quoted
        elif not quoted:
            end = found.end()
    return sample[:end] if end else sample


def _after_preamble(sample: str) -> str:
    """The sample from the first line with two or more cells (a preamble confuses sniffing)."""
    lines = sample.splitlines(keepends=True)
    for index, line in enumerate(lines[:20]):
        if any(line.count(d) >= 1 for d in DELIMITERS) and not line.startswith('"'):
            return "".join(lines[index:])
    return sample


def _skip_rows(text: str, delimiter: str, rows: int) -> tuple[int, int]:
    """(physical lines, characters) taken by the first ``rows`` CSV records of ``text``."""
    if rows == 0:
        return 0, 0
    consumed = _consumed(text, delimiter, rows)
    return text[:consumed].count("\n"), consumed


def _consumed(text: str, delimiter: str, rows: int = 1) -> int:
    """How many characters the first ``rows`` records take (quoted newlines included)."""
    position, quoted = 0, False
    remaining = rows
    length = len(text)
    while position < length:
        char = text[position]
        if char == '"':
            quoted = not quoted
        elif char == "\n" and not quoted:
            remaining -= 1
            if remaining == 0:
                return position + 1
        position += 1
    return length
