"""Strategy registry: a name ("rsi", "rsi_orderbook") -> its parameter type and factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kistrade.domain.errors import InvalidInputError
from kistrade.strategy.base import Strategy
from kistrade.strategy.params import RsiOrderbookParams, RsiParams
from kistrade.strategy.rsi import RsiStrategy
from kistrade.strategy.rsi_orderbook import RsiOrderbookStrategy


@dataclass(frozen=True, slots=True)
class StrategySpec:
    name: str
    params_type: type[Any]
    factory: Callable[[Any], Strategy]
    summary: str


def _rsi(params: Any) -> Strategy:
    return RsiStrategy(params)


def _rsi_orderbook(params: Any) -> Strategy:
    return RsiOrderbookStrategy(params)


_REGISTRY: dict[str, StrategySpec] = {
    spec.name: spec
    for spec in (
        StrategySpec(
            "rsi", RsiParams, _rsi, "plain RSI reference: buy < oversold when flat, sell > overbought"
        ),
        StrategySpec(
            "rsi_orderbook",
            RsiOrderbookParams,
            _rsi_orderbook,
            "RSI entries confirmed by spread, book imbalance and trade flow; book-driven exits",
        ),
    )
}


def strategy_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get_spec(name: str) -> StrategySpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(_REGISTRY)
        raise InvalidInputError(f"unknown strategy {name!r} (known: {known})") from None


def create_strategy(name: str, params: object | None = None) -> Strategy:
    """A new strategy by name, with its default parameters or ``params`` of its parameter type."""
    spec = get_spec(name)
    if params is None:
        params = spec.params_type()
    elif not isinstance(params, spec.params_type):
        raise InvalidInputError(
            f"strategy {name!r} takes {spec.params_type.__name__}, got {type(params).__name__}"
        )
    return spec.factory(params)
