"""Number and time formatting of KIS REST fields (shared/kis-protocol.md §3.2).

Integers without separators, signed changes with a leading ``-`` and no ``+``, rates with 2
decimals, averages with 4, some rates with 8; times ``HHMMSS``, dates ``YYYYMMDD``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

_Q = {n: Decimal(1).scaleb(-n) for n in range(9)}


def num(value: int) -> str:
    return str(int(value))


def dec(value: Decimal | int | float, places: int = 2) -> str:
    """``value`` rounded half-up to ``places`` decimals (``"0.00"`` style, ``-`` when negative)."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    q = d.quantize(_Q[places], rounding=ROUND_HALF_UP)
    if q == 0:
        q = q.copy_abs()
    return format(q, "f")


def ratio(part: int | Decimal, whole: int | Decimal, places: int = 2, scale: int = 100) -> str:
    """``part / whole * scale`` formatted with ``places`` decimals; ``0`` when ``whole`` is 0."""
    if not whole:
        return dec(0, places)
    return dec(Decimal(part) * scale / Decimal(whole), places)


def change_sign(price: int, base: int, upper: int = 0, lower: int = 0) -> str:
    """prdy_vrss_sign: 1 상한, 2 상승, 3 보합, 4 하한, 5 하락."""
    if upper and price >= upper:
        return "1"
    if lower and price > 0 and price <= lower:
        return "4"
    if price > base:
        return "2"
    if price < base:
        return "5"
    return "3"


def hhmmss(ts: datetime) -> str:
    return ts.strftime("%H%M%S")


def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


__all__ = ["change_sign", "dec", "hhmmss", "num", "ratio", "ymd"]
