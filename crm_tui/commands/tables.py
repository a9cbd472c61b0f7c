"""Tables and JSON arrays written as their rows are read, a page at a time.

A listing of 100k contacts must start at once (`crm contacts list --limit 0 | head`) and
cost about what an export of the same rows costs, so nothing waits for the last row: a
table's column widths come from its header and first page, and a JSON array is written
item by item. On a terminal a table fits the window and a cut cell ends in "…"; on a pipe
a cell is never cut (a wider one pushes the rest of its line along, still one line).
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, TypeAdapter
from rich.cells import cell_len, set_cell_size

from crm_tui import bidi
from crm_tui.commands.common import json_safe_bytes, one_line
from crm_tui.commands.terminal import write_escaped

GAP = "  "


def write_table(columns: Sequence[str], pages: Iterable[Sequence[Sequence[str]]]) -> int:
    """Write ``pages`` of rows under ``columns``; returns how many rows were written."""
    out = sys.stdout
    widths: list[int] | None = None
    count = 0
    for page in pages:
        cells = [[one_line(value) for value in row] for row in page]
        if widths is None:
            widths = _widths(columns, cells, out.isatty())
            out.write(_line(columns, widths, cut=True))
        cut = out.isatty()
        out.writelines(_line(row, widths, cut=cut) for row in cells)
        count += len(cells)
    if widths is None:  # no rows: the header alone says what would be listed
        out.write(_line(columns, [cell_len(c) for c in columns], cut=False))
    return count


def _widths(columns: Sequence[str], rows: list[list[str]], fit: bool) -> list[int]:
    widths = [
        max([cell_len(c), *(cell_len(row[i]) for row in rows)]) for i, c in enumerate(columns)
    ]
    if not fit:
        return widths
    room = shutil.get_terminal_size().columns - len(GAP) * (len(columns) - 1) - 1
    while sum(widths) > room and max(widths) > 6:
        widest = widths.index(max(widths))  # the widest column gives way first
        widths[widest] -= 1
    return widths


def _line(cells: Sequence[str], widths: Sequence[int], *, cut: bool) -> str:
    """One row; on a terminal (``cut``) each cell fits its column, laid out right to left
    where crm does that itself (``crm_tui.bidi``). A pipe gets every cell whole, in logical
    order: what scripts and files read."""
    if cut and bidi.laying_out():
        return GAP.join(bidi.cell(v, w) for v, w in zip(cells, widths, strict=True)).rstrip() + "\n"
    shown = []
    for value, width in zip(cells, widths, strict=True):
        size = cell_len(value)
        if size > width and cut:
            value = set_cell_size(value, width - 1) + "…"
        elif size < width:
            value += " " * (width - size)
        shown.append(value)
    return GAP.join(shown).rstrip() + "\n"


def write_json_array(pages: Iterable[Sequence[Any]]) -> int:
    """Write ``pages`` of items (read models or plain values) as one JSON array, a page at a
    time, in the layout ``print_json`` gives a whole list; returns how many were written."""
    count = 0
    for page in pages:
        if not page:
            continue
        data = _dump(page)  # b"[\n  {...},\n  {...}\n]": the items, already indented
        write_escaped((b"[\n" if count == 0 else b",\n") + json_safe_bytes(data[2:-2]))
        count += len(page)
    write_escaped(b"[]\n" if count == 0 else b"\n]\n")
    return count


def _dump(page: Sequence[Any]) -> bytes:
    """``page`` as UTF-8 JSON."""
    first = page[0]
    if isinstance(first, BaseModel):
        return _list_of(type(first)).dump_json(list(page), indent=2)
    return json.dumps(list(page), ensure_ascii=False, indent=2, allow_nan=False).encode()


@functools.cache
def _list_of(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    """One serializer call a page: per item, the calls cost as much as the writing."""
    return TypeAdapter(list[model])  # type: ignore[valid-type]
