"""Argument checks shared by the batch and streaming indicators: each error names the bad thing."""

from __future__ import annotations

from kistrade.domain.errors import InvalidInputError

RSI_MIN_PERIOD = 2
SMA_MIN_PERIOD = 1
EMA_MIN_PERIOD = 1


def check_period(name: str, period: object, minimum: int) -> int:
    """Return ``period`` if it is an ``int`` (not a bool) of at least ``minimum``; else raise."""
    if isinstance(period, bool) or not isinstance(period, int):
        raise InvalidInputError(f"{name} period must be an int, got {period!r}")
    if period < minimum:
        raise InvalidInputError(f"{name} period must be >= {minimum}, got {period}")
    return period


def bad_value(name: str, value: object) -> InvalidInputError:
    """The error for a value a streaming indicator refuses (NaN, inf, not a number)."""
    return InvalidInputError(f"{name}: input value {value!r} is not a finite number")
