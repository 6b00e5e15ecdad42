"""Strategies: synchronous hooks that turn bars, trades and books into signals and order intents."""

from kistrade.strategy.base import Strategy, StrategyContext, held_qty
from kistrade.strategy.params import OrderbookParams, OrderbookWeights, RsiOrderbookParams, RsiParams
from kistrade.strategy.registry import StrategySpec, create_strategy, get_spec, strategy_names
from kistrade.strategy.rsi import RsiStrategy
from kistrade.strategy.rsi_orderbook import RsiOrderbookStrategy

__all__ = [
    "OrderbookParams",
    "OrderbookWeights",
    "RsiOrderbookParams",
    "RsiOrderbookStrategy",
    "RsiParams",
    "RsiStrategy",
    "Strategy",
    "StrategyContext",
    "StrategySpec",
    "create_strategy",
    "get_spec",
    "held_qty",
    "strategy_names",
]
