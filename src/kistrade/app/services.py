"""``TraderService``: the TradingService (app/views.py) over a running :class:`Trader`.

Reads come from the engine's memory (orders, portfolio, signals) and the store (fills, signals
of earlier runs); ``set_state`` moves the same switch the risk rules move and persists it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kistrade.app.trader import Trader
from kistrade.app.views import (
    DailyReport,
    FillView,
    OrderView,
    PnlView,
    PositionView,
    SignalView,
    StatusView,
    TradingService,
)
from kistrade.domain.calendar import default_calendar
from kistrade.domain.orders import Order
from kistrade.engine.events import TradingState
from kistrade.engine.kernel import Kernel

PCT = Decimal("0.01")


def _pct(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(PCT) if whole else Decimal(0)


def _order_view(o: Order) -> OrderView:
    created = o.created_at
    return OrderView(
        client_order_id=o.client_order_id,
        broker_order_id=o.broker_order_id or "",
        symbol=o.symbol,
        side=o.side.value,
        order_type=o.order_type.value,
        qty=o.qty,
        filled_qty=o.filled_qty,
        limit_price=o.limit_price,
        avg_fill_price=o.avg_fill_price if o.filled_qty else None,
        state=o.state.value,
        purpose=o.purpose.value,
        created_at=created,
        updated_at=o.updated_at or created,
        reason=o.reject_reason,
    )


class TraderService:
    def __init__(self, trader: Trader) -> None:
        self.trader = trader

    @property
    def mode(self) -> str:
        return self.trader.config.mode

    def _kernel(self) -> Kernel:
        if self.trader.kernel is None:
            raise RuntimeError("the trader is not running yet")
        return self.trader.kernel

    async def status(self) -> StatusView:
        k = self._kernel()
        now = self.trader.clock.now()
        snap = k.gate.switch.snapshot()
        p = k.portfolio
        last = self.trader.last_tick_at
        return StatusView(
            mode=self.mode,
            state=snap.state,
            state_reason=snap.reason,
            state_source=snap.source,
            now=now,
            phase=str(default_calendar().phase_at(now)),
            equity=p.equity,
            cash=p.cash,
            day_pnl=p.daily_pnl,
            day_pnl_pct=_pct(p.daily_pnl, p.day_start_equity),
            positions=sum(1 for h in p.holdings() if h.qty),
            open_orders=len(k.router.open_orders()),
            feed_connected=self.trader.feed.ws.connected,
            last_tick_age_s=None if last is None else (now - last).total_seconds(),
            started_at=self.trader.started_at,
            watchlist=tuple(self.trader.config.symbols),
        )

    async def positions(self) -> list[PositionView]:
        k = self._kernel()
        out: list[PositionView] = []
        limits = k.gate.limits
        for h in k.portfolio.holdings():
            if not h.qty:
                continue
            last = h.last_price or int(h.avg_price)
            avg = h.avg_price
            out.append(
                PositionView(
                    symbol=h.symbol,
                    name=h.symbol,
                    qty=h.qty,
                    avg_price=avg,
                    last_price=last,
                    value=h.market_value,
                    pnl=h.unrealized_pnl,
                    pnl_pct=_pct(h.unrealized_pnl, h.purchase_amount),
                    stop_loss_price=int(avg * (100 + limits.stop_loss_pct) / 100),
                    take_profit_price=int(avg * (100 + limits.take_profit_pct) / 100),
                )
            )
        return out

    async def orders(self, *, open_only: bool = False, limit: int = 100) -> list[OrderView]:
        k = self._kernel()
        orders = k.router.open_orders() if open_only else k.router.orders()
        orders.sort(key=lambda o: (o.created_at, o.client_order_id), reverse=True)
        return [_order_view(o) for o in orders[:limit]]

    async def fills(self, *, limit: int = 100) -> list[FillView]:
        rows = await self.trader.store.list_fills(last=limit)
        return [
            FillView(
                f.ts,
                f.client_order_id,
                f.broker_order_id,
                f.symbol,
                f.side.value,
                f.qty,
                f.price,
                f.commission,
                f.tax,
            )
            for f in reversed(rows[-limit:])
        ]

    async def signals(self, *, limit: int = 100) -> list[SignalView]:
        k = self._kernel()
        created = {(o.symbol, o.created_at) for o in k.router.orders()}
        sigs = list(k.signals)[-limit:]
        return [
            SignalView(
                s.ts,
                s.symbol,
                s.side.value,
                s.strength,
                "; ".join(s.reasons),
                s.strategy,
                (s.symbol, s.ts) in created,
            )
            for s in reversed(sigs)
        ]

    async def pnl(self) -> PnlView:
        k = self._kernel()
        p = k.portfolio
        return PnlView(
            day_start_equity=p.day_start_equity,
            equity=p.equity,
            realized=p.realized_pnl,
            unrealized=p.unrealized_pnl,
            commission=p.total_commission,
            tax=p.total_tax,
            day_pnl=p.daily_pnl,
            day_pnl_pct=_pct(p.daily_pnl, p.day_start_equity),
            daily_loss_limit_pct=k.gate.limits.daily_loss_pct,
        )

    async def set_state(self, state: TradingState, *, reason: str, source: str) -> StatusView:
        await self.trader.set_state(state, reason=reason, source=source)
        return await self.status()

    async def daily_report(self) -> DailyReport:
        k = self._kernel()
        pnl = await self.pnl()
        now: datetime = self.trader.clock.now()
        orders = k.router.orders()
        fills = sum(len(o.fills) for o in orders)
        counters = self.trader.io.counters if self.trader.io else None
        text = (
            f"[{self.mode.upper()}] {now:%Y-%m-%d} 일일 보고\n"
            f"주문 {len(orders)}건, 체결 {fills}건, "
            f"실현손익 {pnl.realized:,}원, 평가손익 {pnl.unrealized:,}원\n"
            f"수수료 {pnl.commission:,}원, 세금 {pnl.tax:,}원, 일간 {pnl.day_pnl:,}원 ({pnl.day_pnl_pct}%)"
        )
        return DailyReport(
            day=now.date().isoformat(),
            mode=self.mode,
            text=text,
            pnl=pnl,
            trades=len(orders),
            fills=fills,
            signals=len(k.signals),
            denials=len(k.denials),
            errors=counters.errors if counters else 0,
        )


def _conforms(service: TraderService) -> TradingService:
    """Static check (mypy): TraderService implements the TradingService Protocol."""
    return service


__all__ = ["TraderService"]
