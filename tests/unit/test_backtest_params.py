from __future__ import annotations

import pytest

from kistrade.backtest.params import build_params
from kistrade.backtest.sweep import parse_grid, points, windows
from kistrade.domain.errors import InvalidInputError


def test_set_reaches_nested_fields_with_their_types() -> None:
    p = build_params(
        "rsi_orderbook", ["rsi_period=10", "orderbook.min_score=0.6", "orderbook.weights.spread=0"]
    )
    assert p.rsi_period == 10 and p.orderbook.min_score == 0.6 and p.orderbook.weights.spread == 0.0


@pytest.mark.parametrize(
    ("item", "word"), [("nope=1", "nope"), ("rsi_period=x", "int"), ("novalue", "key=value")]
)
def test_bad_settings_name_the_problem(item: str, word: str) -> None:
    with pytest.raises(InvalidInputError, match=word):
        build_params("rsi", [item])


def test_grid_and_walk_forward_windows() -> None:
    grid = parse_grid(["rsi_period=10:14:2", "oversold=25,30"])
    assert list(points(grid))[:2] == [
        {"rsi_period": "10", "oversold": "25"},
        {"rsi_period": "10", "oversold": "30"},
    ]
    assert len(list(points(grid))) == 6
    assert windows(100, 1) == ((0, 100),)
    assert windows(100, 3) == ((25, 50), (50, 75), (75, 100))
