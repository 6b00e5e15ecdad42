"""The `make demo` session end to end: simulator + KIS client over loopback sockets."""

from __future__ import annotations

from pathlib import Path

from kistrade.app.demo import run_demo
from kistrade.domain.types import Side


async def test_demo_buys_and_books_agree(tmp_path: Path) -> None:
    steps: list[str] = []
    events: list[object] = []
    result = await run_demo(
        ["005930", "000660"],
        seconds=6.0,
        speed=30.0,
        buy_qty=3,
        data_dir=tmp_path,
        on_event=events.append,
        on_step=steps.append,
    )
    assert result.trades > 0 and result.books > 0
    assert result.order is not None
    assert len(result.order.broker_order_id) == 10
    fills = result.fills
    assert sum(f.qty for f in fills) == 3
    assert all(f.side is Side.BUY and f.symbol == "005930" for f in fills)
    assert result.balance is not None
    held = {h.symbol: h.qty for h in result.balance.holdings}
    assert held.get("005930") == 3 == result.ledger_qty
    assert result.balance.cash_d2 == result.ledger_cash
    assert (tmp_path / "kis-tokens").is_dir()
