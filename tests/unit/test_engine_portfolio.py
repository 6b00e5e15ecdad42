"""Portfolio accounting: hand-computed costs and P&L, KIS average price, reservations,
agreement with the exchange ledger, and a conservation property."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.costs import CostModel
from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.domain.types import KST, Side, Symbol
from kistrade.engine.portfolio import Portfolio, sell_cost_removed
from kistrade.exchange.fees import FixedFeeModel
from kistrade.exchange.ledger import Ledger

SYM = Symbol("005930")
DAY = date(2026, 3, 3)
TS = datetime(2026, 3, 3, 10, 0, tzinfo=KST)


def test_buys_and_sells_hand_computed() -> None:
    pf = Portfolio(10_000_000)
    # buy 10 @ 70,000: value 700,000, commission floor(700,000 x 0.000140527 = 98.37) = 98
    assert pf.apply_fill(SYM, Side.BUY, 10, 70_000, commission=98) == 0
    assert pf.cash == 9_299_902
    # buy 5 @ 71,000: value 355,000, commission floor(49.89) = 49
    pf.apply_fill(SYM, Side.BUY, 5, 71_000, commission=49)
    h = pf.holding(SYM)
    assert h is not None
    assert (h.qty, h.purchase_amount, h.avg_price) == (15, 1_055_000, Decimal("70333.3333"))
    assert pf.cash == 8_944_853
    # sell 4 @ 72,000: value 288,000, commission 40, tax 0.20% = 576
    # kept = 1,055,000 x 11 // 15 = 773,666, removed 281,334; realized 288,000 - 281,334 - 616 = 6,050
    assert pf.apply_fill(SYM, Side.SELL, 4, 72_000, commission=40, tax=576) == 6_050
    assert (h.qty, h.purchase_amount, h.avg_price) == (11, 773_666, Decimal("70333.2727"))
    assert pf.cash == 9_232_237
    pf.mark(SYM, 73_000)
    assert pf.market_value == 803_000
    assert pf.unrealized_pnl == 29_334
    assert pf.equity == 10_035_237
    # sell 11 @ 69,000: value 759,000, commission 106, tax 1,518; realized 759,000 - 773,666 - 1,624
    assert pf.apply_fill(SYM, Side.SELL, 11, 69_000, commission=106, tax=1_518) == -16_290
    assert (h.qty, h.purchase_amount, h.avg_price) == (0, 0, Decimal(0))
    assert pf.cash == 9_989_613
    assert pf.realized_pnl == 6_050 - 16_290
    assert (pf.total_commission, pf.total_tax) == (98 + 49 + 40 + 106, 576 + 1_518)
    # the buy commissions are the rest of the cash change
    assert pf.cash - 10_000_000 == pf.realized_pnl - 98 - 49
    assert pf.positions() == []


def test_sell_cost_removed_is_proportional_and_empties_when_flat() -> None:
    assert sell_cost_removed(1_000, 3, 1) == 1_000 - 1_000 * 2 // 3  # 334
    assert sell_cost_removed(1_000, 3, 3) == 1_000
    with pytest.raises(InvalidInputError):
        sell_cost_removed(1_000, 3, 4)


def test_selling_more_than_held_is_refused() -> None:
    pf = Portfolio(1_000_000)
    pf.apply_fill(SYM, Side.BUY, 2, 10_000)
    with pytest.raises(StateError, match="only 2"):
        pf.apply_fill(SYM, Side.SELL, 3, 10_000)
    assert pf.qty(SYM) == 2


def test_reservations_and_daily_return() -> None:
    pf = Portfolio(1_000_000)
    pf.reserve_cash("a", SYM, 300_000)
    pf.reserve_cash("b", Symbol("000660"), 100_000)
    assert pf.available_cash == 600_000
    assert pf.reserved_cash_symbol(SYM) == 300_000
    assert pf.symbols_with_open_buys() == {SYM, Symbol("000660")}
    pf.reserve_cash("a", SYM, 0)
    assert pf.available_cash == 900_000
    pf.release("b")
    assert pf.available_cash == 1_000_000
    pf.apply_fill(SYM, Side.BUY, 10, 10_000)
    pf.reserve_shares("s", SYM, 4)
    assert pf.sellable_qty(SYM) == 6
    pf.mark(SYM, 10_000)
    assert pf.start_day() == 1_000_000
    pf.mark(SYM, 7_000)  # -30,000 on 1,000,000
    assert pf.daily_pnl == -30_000
    assert pf.daily_return_pct == Decimal(-3)


def test_seeded_holding_and_deposit_count_as_contributed() -> None:
    pf = Portfolio(500_000)
    pf.seed_holding(SYM, 10, 700_000)
    pf.deposit(100_000)
    assert pf.contributed == 1_300_000
    assert pf.equity == 1_300_000  # never marked: at cost
    with pytest.raises(InvalidInputError, match="withdrawal"):
        pf.deposit(-10_000_000)


# --- agreement with the exchange ledger (the simulator's books) -------------------------------

fills = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(min_value=1, max_value=50),
        st.integers(min_value=100, max_value=2_000).map(lambda p: p * 50),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(fills)
def test_matches_the_exchange_ledger(seq: list[tuple[Side, int, int]]) -> None:
    fees = FixedFeeModel()  # commission 0.0140527%, sell tax 0.20%
    costs = CostModel(commission_rate=fees.rate, sell_tax_override=fees.tax_rate)
    cash = 10_000_000_000
    led = Ledger("acc", cash, DAY, fees=fees)
    pf = Portfolio(cash)
    for side, want, price in seq:
        qty = min(want, pf.qty(SYM)) if side is Side.SELL else want
        if qty == 0:
            continue
        rec = led.place(SYM, side, qty, price, reserve_price=price, ts=TS)
        lf = led.on_fill(rec.odno, price, qty, TS)  # type: ignore[union-attr]
        value = qty * price
        if side is Side.BUY:
            commission, tax = costs.buy_cost(value, DAY), 0
        else:
            commission, tax = costs.sell_costs(value, DAY)
        assert (commission, tax) == (lf.commission, lf.tax)
        realized = pf.apply_fill(SYM, side, qty, price, commission=commission, tax=tax)
        assert realized == lf.realized_pnl
        h, mine = led.holding(SYM), pf.holding(SYM)
        assert h is not None and mine is not None
        assert (mine.qty, mine.purchase_amount, mine.avg_price) == (h.qty, h.purchase_amount, h.avg_price)
    assert pf.cash == led.cash_d2
    assert pf.realized_pnl == led.realized_pnl
    assert (pf.total_commission, pf.total_tax) == (led.total_commission, led.total_tax)


# --- conservation property -----------------------------------------------------------------

costed_fills = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.sampled_from([SYM, Symbol("000660")]),
        st.integers(min_value=1, max_value=100),
        st.integers(min_value=1, max_value=500_000),
        st.integers(min_value=0, max_value=5_000),
        st.integers(min_value=0, max_value=5_000),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(costed_fills)
def test_cash_plus_cost_basis_is_conserved(seq: list[tuple[Side, Symbol, int, int, int, int]]) -> None:
    start = 10**12
    pf = Portfolio(start)
    sell_costs = 0
    for side, sym, qty, price, commission, tax in seq:
        if side is Side.SELL and qty > pf.qty(sym):
            with pytest.raises(StateError):
                pf.apply_fill(sym, side, qty, price, commission=commission, tax=tax)
            continue
        if side is Side.BUY:
            pf.apply_fill(sym, side, qty, price, commission=commission)
        else:
            pf.apply_fill(sym, side, qty, price, commission=commission, tax=tax)
            sell_costs += commission + tax
        assert all(h.qty >= 0 and h.purchase_amount >= 0 for h in pf.holdings())
        lhs = pf.cash + pf.cost_basis + pf.total_commission + pf.total_tax - pf.gross_realized
        assert lhs == start
        assert pf.realized_pnl == pf.gross_realized - sell_costs
        for h in pf.holdings():
            assert h.qty > 0
