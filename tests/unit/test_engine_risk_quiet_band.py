"""``RiskGate.quiet_band`` is exact to the won: at its edges the daily loss rule or a stop-loss /
take-profit exit fires (``check_daily_loss`` / ``exit_intents``), one won inside they do not."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.sessions import Phase
from kistrade.domain.types import KST, Side, Symbol
from kistrade.engine.events import TradingState
from kistrade.engine.market import MarketState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk import RiskGate
from kistrade.engine.switch import RiskLimits

SYM = Symbol("005930")
TS = datetime(2025, 3, 4, 10, 0, tzinfo=KST)


def gate(cash: int, limits: RiskLimits) -> RiskGate:
    return RiskGate(limits, Portfolio(cash), MarketState(), phase_at=lambda ts: Phase.CONTINUOUS)


def fires_at(g: RiskGate, close: int) -> bool:
    """Whether ``Kernel.on_bar`` at ``close`` makes a rule fire (on a copy of the state)."""
    pf = g.portfolio
    h = pf.holding(SYM)
    saved_price = h.last_price if h is not None else None
    saved_state = g.switch.snapshot()
    try:
        if h is not None:
            pf.mark(SYM, close)
        if g.check_daily_loss(TS) is not None:
            return True
        return g.exits_allowed(TS) and exit_rule(g, close)
    finally:
        if h is not None:
            h.last_price = saved_price
        g.switch = type(g.switch)(restore=saved_state)


def exit_rule(g: RiskGate, price: int) -> bool:
    """The stop-loss / take-profit rule written out (the reference for ``exit_intents``)."""
    h = g.portfolio.holding(SYM)
    if h is None or h.qty <= 0 or h.purchase_amount <= 0 or g.portfolio.sellable_qty(SYM) <= 0:
        return False
    change = (Decimal(price) * h.qty - h.purchase_amount) * 100 / Decimal(h.purchase_amount)
    return change <= g.limits.stop_loss_pct or change >= g.limits.take_profit_pct


@settings(max_examples=300, deadline=None)
@given(
    cash=st.integers(1_000_000, 50_000_000),
    price=st.integers(1_000, 500_000),
    spent=st.floats(0.05, 0.99),
    mark=st.floats(0.8, 1.2),
    stop=st.decimals("-30", "-0.01", places=2),
    take=st.decimals("0.01", "40", places=2),
    loss=st.decimals("-30", "-0.01", places=2),
    halted=st.booleans(),
)
def test_band_edges_are_exact(
    cash: int,
    price: int,
    spent: float,
    mark: float,
    stop: Decimal,
    take: Decimal,
    loss: Decimal,
    halted: bool,
) -> None:
    limits = RiskLimits(stop_loss_pct=stop, take_profit_pct=take, daily_loss_pct=loss)
    g = gate(cash, limits)
    g.roll_day(TS)
    qty = max(1, int(cash * spent) // price)
    g.portfolio.apply_fill(SYM, Side.BUY, qty, price, commission=qty * price // 7_000)
    g.portfolio.mark(SYM, max(1, int(price * mark)))
    if halted:
        g.set_state(TradingState.HALTED, "test", "test", TS)
    band = g.quiet_band(SYM, TS)
    if band is None:
        assert all(fires_at(g, c) for c in (1, price // 2, price, price * 2, price * 100))
        return
    lo, hi = band
    assert not fires_at(g, lo + 1) and not fires_at(g, hi - 1)
    if lo >= 1:
        assert fires_at(g, lo)
    if hi < 2**62:
        assert fires_at(g, hi)
    if halted:
        assert (lo, hi) == (0, 2**62)


@settings(max_examples=100, deadline=None)
@given(
    cash=st.integers(0, 10_000_000),
    start=st.integers(0, 20_000_000),
    loss=st.decimals("-99", "-0.01", places=2),
)
def test_flat_band_is_everything_or_nothing(cash: int, start: int, loss: Decimal) -> None:
    g = gate(cash, RiskLimits(daily_loss_pct=loss))
    g.roll_day(TS)
    g.portfolio.day_start_equity = start
    band = g.quiet_band(SYM, TS)
    fires = g.check_daily_loss(TS) is not None
    assert (band is None) == fires
    if band is not None:
        assert band == (0, 2**62)


@settings(max_examples=200, deadline=None)
@given(
    price=st.integers(1_000, 500_000),
    qty=st.integers(1, 5_000),
    at=st.lists(st.floats(0.5, 1.5), min_size=1, max_size=20),
    stop=st.decimals("-30", "-0.01", places=2),
    take=st.decimals("0.01", "40", places=2),
)
def test_exit_intents_follow_the_rule_at_every_price(
    price: int, qty: int, at: list[float], stop: Decimal, take: Decimal
) -> None:
    g = gate(10**12, RiskLimits(stop_loss_pct=stop, take_profit_pct=take))
    g.portfolio.apply_fill(SYM, Side.BUY, qty, price)
    for f in at:
        p = max(1, int(price * f))
        for q in (p - 1, p, p + 1):
            assert bool(g.exit_intents(SYM, max(q, 1))) == exit_rule(g, max(q, 1))
