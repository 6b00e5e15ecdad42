"""Indicators: batch RSI/SMA/EMA through TA-Lib and streaming versions with the same numbers.

The batch functions load TA-Lib (and with it pandas) on first use only: the live bot needs just
the streaming ones, and importing TA-Lib costs ~150 MB of resident memory.
"""

from __future__ import annotations

from typing import Any

from kistrade.indicators.streaming import EmaStream, RsiStream, SmaStream

_BATCH = ("ema", "ema_lookback", "rsi", "rsi_lookback", "sma", "sma_lookback")


def __getattr__(name: str) -> Any:
    if name in _BATCH:
        from kistrade.indicators import batch

        return getattr(batch, name)
    raise AttributeError(f"module 'kistrade.indicators' has no attribute {name!r}")


__all__ = [
    "EmaStream",
    "RsiStream",
    "SmaStream",
    "ema",
    "ema_lookback",
    "rsi",
    "rsi_lookback",
    "sma",
    "sma_lookback",
]
