"""Indicators: batch RSI/SMA/EMA through TA-Lib and streaming versions with the same numbers."""

from kistrade.indicators.batch import ema, ema_lookback, rsi, rsi_lookback, sma, sma_lookback
from kistrade.indicators.streaming import EmaStream, RsiStream, SmaStream

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
