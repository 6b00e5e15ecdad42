"""``RiskGate``'s daily-loss floor (the highest equity at which the rule fires) is the rule's own
edge: equal to a search with ``Portfolio.return_pct`` from scratch, for any start equity
(including none, and past the search's range) and any rate; ``check_daily_loss`` halts at
the floor and not one won above it, and a kept floor follows a new start equity or new limits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kistrade.domain.sessions import Phase
from kistrade.domain.types import KST
from kistrade.engine.events import TradingState
from kistrade.engine.market import MarketState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk import RiskGate
from kistrade.engine.risk_band import TOP, first_true
from kistrade.engine.switch import RiskLimits

TS = datetime(2025, 3, 4, 10, 0, tzinfo=KST)

rates = st.one_of(
    st.decimals(min_value=Decimal("-99.99"), max_value=Decimal("-0.01"), places=2),
    st.decimals(min_value=Decimal("-99.9"), max_value=Decimal("-1e-30"), places=32),  # > 28 digits
    st.sampled_from([Decimal("-3"), Decimal("-0.5"), Decimal("-33.333333333333333333333333333")]),
)
starts = st.one_of(st.integers(-(10**6), 10**12), st.integers(10**17, 10**19), st.integers(10**24, 10**32))


def gate(limits: RiskLimits, start: int) -> RiskGate:
    g = RiskGate(limits, Portfolio(0), MarketState(), phase_at=lambda ts: Phase.CONTINUOUS)
    g.start_day(TS.date(), start)
    return g


def searched(pf: Portfolio, limit: Decimal) -> int:
    """The floor found with the rule alone, from a guess that knows nothing."""
    return first_true(lambda e: pf.return_pct(e) > limit, 0) - 1


@settings(max_examples=400, deadline=None)
@given(start=starts, limit=rates)
@example(start=0, limit=Decimal("-3"))
@example(start=-5, limit=Decimal("-3"))
@example(start=10**30 + 7, limit=Decimal("-33.333333333333333333333333333"))
def test_floor_is_the_rules_edge(start: int, limit: Decimal) -> None:
    g = gate(RiskLimits(daily_loss_pct=limit), start)
    pf = g.portfolio
    floor = g._loss_floor(start)
    assert floor == searched(pf, limit)
    if start > 0 and floor < TOP:  # else the search's range ends first
        assert pf.return_pct(floor) <= limit < pf.return_pct(floor + 1)


@settings(max_examples=150, deadline=None)
@given(start=st.integers(1, 10**12), limit=rates, above=st.booleans())
def test_check_daily_loss_halts_at_the_floor_and_not_above(start: int, limit: Decimal, above: bool) -> None:
    g = gate(RiskLimits(daily_loss_pct=limit), start)
    pf = g.portfolio
    floor = g._loss_floor(start)
    pf.deposit(floor + above)  # cash only: the equity is the cash
    assert pf.equity == floor + above
    change = g.check_daily_loss(TS)
    assert (change is None) is above
    assert g.state is (TradingState.ACTIVE if above else TradingState.HALTED)


def test_the_kept_floor_follows_the_start_equity_and_the_limits() -> None:
    g = gate(RiskLimits(daily_loss_pct=Decimal("-3")), 1_000_000)
    assert g._loss_floor(1_000_000) == 970_000
    g.start_day(TS.date(), 2_000_000)
    assert g._loss_floor(2_000_000) == 1_940_000
    g.limits = RiskLimits(daily_loss_pct=Decimal("-10"))
    assert g._loss_floor(2_000_000) == 1_800_000
    g.portfolio.deposit(1_800_001)
    assert g.check_daily_loss(TS) is None
    g.portfolio.deposit(-1)
    assert g.check_daily_loss(TS) is not None
