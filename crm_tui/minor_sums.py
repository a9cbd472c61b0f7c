"""Sums of money in SQL, as two sums of 32-bit halves of each value in minor units: no
number of deals overflows them (SQLite's integers are 64-bit and its ``sum`` fails past
them; values reach 10**18 minor units). The reports, a timeline's totals and the
dashboard's rollups (whose triggers store the same halves) add them up this way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func

HALF = 2**32


def minor_sums(value: Any, times: Any = None) -> list[Any]:
    """``value`` (times ``times``, a percent) summed as two halves that no count of 64-bit
    values overflows; split before the product, which would overflow first."""
    high, low = value // HALF, value % HALF
    if times is not None:
        high, low = high * times, low * times
    return [func.sum(high), func.sum(low)]


def minor_total(high: int | None, low: int | None) -> int:
    """The amount two such sums make."""
    return int(high or 0) * HALF + int(low or 0)
