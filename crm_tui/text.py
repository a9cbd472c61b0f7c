"""Unicode folding for sorting and searching (Persian, Arabic, accented, CJK text).

Stored values are never changed by these functions: they only build sort keys and the
text the search index sees, so that "chloe" finds "Chloé", "علی" (Arabic yeh) finds
"علی" (Persian yeh), "0912" finds "۰۹۱۲", and "小明" finds "王小明".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from crm_tui.display import digits

# Arabic code points that Persian writes with its own letters, Arabic-Indic and Persian
# digits, tatweel (a stretching stroke with no meaning) and ZWNJ/ZWJ (joining controls).
_FOLD_TABLE = str.maketrans(
    {
        "\u064a": "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
        "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
        "\u0643": "\u06a9",  # ARABIC LETTER KAF -> KEHEH
        "\u0629": "\u0647",  # TEH MARBUTA -> HEH
        "\u0640": None,  # TATWEEL
        "\u200c": " ",  # ZWNJ separates the parts of a Persian word
        "\u200d": None,  # ZWJ
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
    }
)

# Once marks are dropped, the letters a keyboard types instead: for Latin letters that Unicode
# gives no decomposition (as ICU's Latin-ASCII transliteration does), and for the letters a
# hamza sat on ("ئ" leaves an Arabic yeh, written as the Persian one like every other yeh;
# "ۀ" leaves an Arabic ae, which Persian writes as heh).
_TYPED_LETTERS = str.maketrans(
    {
        "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d",
        "ħ": "h", "Ħ": "h", "ŧ": "t", "Ŧ": "t", "ı": "i", "æ": "ae", "Æ": "ae",
        "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th",
        "\u064a": "\u06cc", "\u06d5": "\u0647", "\u06c1": "\u0647",
    }
)  # fmt: skip

# Scripts written without spaces between words: each character becomes its own token so
# that any run of characters can be found (indexed as single characters, queried as a phrase).
_CJK = (
    "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
)
_CJK_CHAR = re.compile(f"([{_CJK}])")
_TOKEN = re.compile(r"[^\W_]+")  # letters and digits: what FTS5's unicode61 keeps
# What no stored text keeps: C0 controls but tab and newline (NUL among them: PostgreSQL
# refuses it), DEL, the C1 controls, and the bidi embeddings, overrides and isolates, which
# reorder what a reader sees ("Trojan Source"). Marks (LRM, RLM, ALM) stay: Persian text uses them.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")


# The folding functions are pure and bulk imports meet the same values again and again
# (organizations, cities, tags, statuses), so they remember recent answers.
_remember = functools.lru_cache(maxsize=16_384)


@_remember
def fold(value: str) -> str:
    """A case-, width- and script-variant-insensitive form of ``value``."""
    if value.isascii():
        return value.lower()
    folded = unicodedata.normalize("NFKC", value).translate(_FOLD_TABLE)
    return folded.casefold()


@functools.cache
def _marks() -> dict[int, None]:
    """A translate table deleting every combining mark of the Basic Multilingual Plane."""
    return {cp: None for cp in range(0x300, 0x10000) if unicodedata.combining(chr(cp))}


def _without_marks(value: str) -> str:
    """Drop accents, hamzas and Arabic vowel marks (nobody types them when searching), and
    write "ł", "ø", "ı"… as the letters typed instead ("lucja" finds "Łucja", which sorts
    among the L's)."""
    if value.isascii():
        return value
    decomposed = unicodedata.normalize("NFKD", value).translate(_marks())
    return unicodedata.normalize("NFC", decomposed).translate(_TYPED_LETTERS)


@_remember
def sort_key(value: str) -> str:
    """The stored key lists sort by: folded, marks removed, spaces squeezed."""
    return " ".join(_without_marks(fold(value)).split())


@_remember
def _searchable(value: str) -> str:
    """Folded, marks dropped, CJK split into characters: what a query is matched as."""
    if value.isascii():
        return value.lower()
    return _CJK_CHAR.sub(r" \1 ", _without_marks(fold(value)))


@_remember
def index_text(value: str) -> str:
    """What the full-text index stores for ``value``.

    A Persian word written with a zero-width non-joiner ("پیش‌نویس") is indexed as its parts,
    which a query typed the same way finds, and once more joined ("پیشنویس"), as people
    also type it without the non-joiner."""
    text = _searchable(value)
    if "\u200c" not in value:
        return text
    joined = [_searchable(word.replace("\u200c", "")) for word in value.split() if "\u200c" in word]
    return " ".join([text, *joined])


def query_terms(query: str) -> list[list[str]]:
    """Split a user's query into terms; a term is the list of tokens that must be adjacent.

    "sara@ahm" is one term of two tokens (a phrase), "小明" one term of two characters.
    """
    terms = []
    for word in query.split():
        tokens = _TOKEN.findall(_searchable(word))
        if tokens:
            terms.append(tokens)
    return terms


def words(indexed: str) -> str:
    """The letters-and-digits words of an ``index_text`` value, one space apart."""
    return " ".join(_TOKEN.findall(indexed))


def strip_control(value: str) -> str:
    """The one cleaning rule for text on its way in (forms, options, every import): control
    characters and bidi overrides dropped, line breaks written as newlines."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


# The one escaping rule for text on its way out to a terminal: a control character becomes
# a visible picture (so a hostile value is seen, never obeyed), bidi overrides are dropped.
_PICTURES: dict[int, str | None] = {
    code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)
}
_PICTURES[0x7F] = "\u2421"
_PICTURES.update(dict.fromkeys(range(0x80, 0xA0), "\ufffd"))
_PICTURES.update(dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)], None))
_SINGLE_LINE = {**_PICTURES, 0x0A: " \u21b5 ", 0x09: " "}
_UNSAFE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{BIDI_CONTROLS}]")


def for_terminal(value: str | None, *, single_line: bool = False) -> str:
    """``value`` safe to write to a terminal: no control byte, no bidi override. With
    ``single_line``, newlines show as "↵" and tabs as spaces, so a value cannot fake a line."""
    if not value:
        return ""
    if single_line:
        return value.translate(_SINGLE_LINE)
    return value.translate(_PICTURES) if _UNSAFE.search(value) else value


def clean_line(value: str) -> str:
    """``strip_control`` for a value of one line (a name, a tag): line breaks and runs of
    spaces become one space, ends stripped."""
    return " ".join(strip_control(value).split())


# Fields whose text may span lines; every other field is one line (a name, a title, a tag).
MULTILINE_FIELDS = frozenset({"notes", "body", "description", "address", "steps"})


def clean_field(name: str, value: str) -> str:
    """The cleaning rule for the field called ``name``: ``strip_control``, and one line
    unless the field may span lines."""
    return strip_control(value) if name in MULTILINE_FIELDS else clean_line(value)


def unique_folded(values: Iterable[str]) -> list[str]:
    """``values`` cleaned to one line each, blanks and repeats dropped: a repeat is a value
    that folds the same as an earlier one ("Café" with a combining accent, "³" and "3")."""
    kept: dict[str, str] = {}
    for value in values:
        text = clean_line(value)
        if text:
            kept.setdefault(fold(text), text)
    return list(kept.values())


def full_name(first: str, last: str) -> str:
    """The name shown for a contact given only a first and a last name."""
    return " ".join(part for part in (first, last) if part)


def initials(name: str) -> str:
    parts = [part for part in name.split() if part]
    return "".join(part[0] for part in parts[:3]).upper()


def plural(count: int, word: str, words: str | None = None, *, grouped: bool = False) -> str:
    """ "1 contact", "2 contacts"; ``grouped`` writes "1,234" (the screens do, the CLI's
    lines stay plain for scripts that read them)."""
    number = digits(f"{count:,}" if grouped else str(count))
    return f"{number} {word if count == 1 else (words or word + 's')}"
