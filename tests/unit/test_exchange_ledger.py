"""Ledger through the Exchange venue: costs, reservations, average price, cancel/revise, rejections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.sessions import Phase
from kistrade.domain.types import KST, InstrumentKind, Market, Side, Symbol
from kistrade.exchange.events import MARKET_OWNER, Accepted, Rejected, RejectReason, Replaced
from kistrade.exchange.fees import FixedFeeModel, KrxFeeModel
from kistrade.exchange.ledger import Ledger
from kistrade.exchange.records import OrderKind, OrderState
from kistrade.exchange.venue import Exchange

SYM = Symbol("005930")
ACC = "12345678-01"
DAY = date(2026, 3, 3)
TS = datetime(2026, 3, 3, 10, 0, tzinfo=KST)
PRE = datetime(2026, 3, 3, 8, 45, tzinfo=KST)


def make(cash: int = 10_000_000, phase: Phase = Phase.CONTINUOUS) -> tuple[Exchange, Ledger]:
    ex = Exchange(fees=FixedFeeModel())  # 0.0140527% commission, 0.20% sell tax (2026)
    ex.engine.list_symbol(SYM, base_price=72_000)  # limits 50,400 .. 93,600
    ledger = ex.open_account(ACC, cash=cash, trade_date=DAY)
    ex.set_phase(phase, PRE if phase is Phase.PRE_OPEN_AUCTION else TS)
    return ex, ledger


def accepted_odno(events: Sequence[object]) -> str:
    first = events[0]
    assert isinstance(first, Accepted), first
    return first.order_id


def test_buy_then_sell_costs_hand_computed() -> None:
    ex, led = make()
    ex.place(MARKET_OWNER, SYM, Side.SELL, 10, 71_800, ts=TS)
    odno = accepted_odno(ex.place(ACC, SYM, Side.BUY, 10, 71_800, ts=TS))
    assert odno == "0000000001"
    order = led.order(odno)
    assert order is not None and order.state is OrderState.FILLED and order.org_no == "00950"
    # commission floor(718,000 x 0.000140527) = floor(100.898...) = 100
    assert (order.commission, order.tax, led.costs_today) == (100, 0, 100)
    assert (led.deposit, led.cash_d1, led.cash_d2) == (10_000_000, 9_281_900, 9_281_900)
    assert led.buy_amount_today == 718_000 and led.reserved_cash == 0
    h = led.holding(SYM)
    assert h is not None and (h.qty, h.orderable, h.purchase_amount, h.avg_price) == (
        10,
        10,
        718_000,
        Decimal("71800.0000"),
    )

    ex.place(MARKET_OWNER, SYM, Side.BUY, 10, 72_000, ts=TS)
    sell = accepted_odno(ex.place(ACC, SYM, Side.SELL, 10, 72_000, ts=TS))
    s = led.order(sell)
    # commission floor(720,000 x 0.000140527) = 101; tax floor(720,000 x 0.0020) = 1,440
    assert s is not None and (s.commission, s.tax) == (101, 1_440)
    assert led.costs_today == 100 + 101 + 1_440
    assert led.cash_d2 == 10_000_000 - 718_100 + 720_000 - 1_541
    assert led.cash_d1 == 9_281_900  # today's net is an inflow now: it waits for D+2
    assert led.realized_pnl == 720_000 - 718_000 - 101 - 1_440
    assert h.qty == 0 and h.purchase_amount == 0


def test_average_price_after_buy_buy_sell() -> None:
    ex, led = make()
    ex.place(MARKET_OWNER, SYM, Side.SELL, 10, 71_800, ts=TS)
    ex.place(ACC, SYM, Side.BUY, 10, 71_800, ts=TS)
    ex.place(MARKET_OWNER, SYM, Side.SELL, 5, 72_300, ts=TS)
    ex.place(ACC, SYM, Side.BUY, 5, 72_300, ts=TS)
    h = led.holding(SYM)
    assert h is not None and (h.qty, h.purchase_amount) == (15, 1_079_500)
    assert h.avg_price == Decimal("71966.6667")
    ex.place(MARKET_OWNER, SYM, Side.BUY, 4, 73_000, ts=TS)
    ex.place(ACC, SYM, Side.SELL, 4, 73_000, ts=TS)
    # kept = 1,079,500 x 11 // 15 = 791,633; removed 287,867
    assert (h.qty, h.purchase_amount, h.avg_price) == (11, 791_633, Decimal("71966.6364"))
    # 292,000 - 287,867 - floor(292,000 x 0.000140527)=41 - floor(292,000 x 0.002)=584
    assert led.realized_pnl == 3_508


def test_market_buy_reserves_upper_limit_then_releases() -> None:
    ex, led = make(phase=Phase.PRE_OPEN_AUCTION)
    odno = accepted_odno(ex.place(ACC, SYM, Side.BUY, 10, None, ts=PRE))
    # 10 x 93,600 = 936,000 + floor(936,000 x 0.000140527) = 131
    assert led.reserved_cash == 936_131
    assert led.orderable_cash == 10_000_000 - 936_131
    order = led.order(odno)
    assert order is not None and order.price == 0 and order.reserve_price == 93_600
    ex.place(MARKET_OWNER, SYM, Side.SELL, 10, 72_000, ts=PRE)
    ex.set_phase(Phase.CONTINUOUS, TS)
    assert led.reserved_cash == 0
    assert led.cash_d2 == 10_000_000 - 720_000 - 101
    assert order.state is OrderState.FILLED and order.avg_fill_price == 72_000


def test_market_buy_rejected_when_upper_limit_is_unaffordable() -> None:
    ex, led = make(cash=900_000)
    ex.place(MARKET_OWNER, SYM, Side.SELL, 10, 72_000, ts=TS)
    [rej] = ex.place(ACC, SYM, Side.BUY, 10, None, ts=TS)  # 720,101 at market but 936,131 reserved
    assert isinstance(rej, Rejected) and rej.reason is RejectReason.INSUFFICIENT_CASH
    assert led.orders() == [] and led.reserved_cash == 0


def test_market_remainder_releases_reservation() -> None:
    ex, led = make()
    ex.place(MARKET_OWNER, SYM, Side.SELL, 3, 72_000, ts=TS)
    odno = accepted_odno(ex.place(ACC, SYM, Side.BUY, 10, None, ts=TS))
    order = led.order(odno)
    assert order is not None and (order.filled_qty, order.cancelled_qty, order.remaining) == (3, 7, 0)
    assert led.reserved_cash == 0 and order.state is OrderState.CANCELLED


def test_rejections_by_reason() -> None:
    ex, led = make(cash=1_000_000)
    led.add_shares(SYM, 5, 350_000)
    cases = [
        (ex.place(ACC, SYM, Side.BUY, 14, 72_000, ts=TS), RejectReason.INSUFFICIENT_CASH),
        (ex.place(ACC, SYM, Side.SELL, 6, 72_000, ts=TS), RejectReason.INSUFFICIENT_SHARES),
        (ex.place(ACC, SYM, Side.BUY, 0, 72_000, ts=TS), RejectReason.INVALID_QTY),
        (ex.place(ACC, SYM, Side.BUY, 1, 72_010, ts=TS), RejectReason.OFF_TICK),
        (ex.place(ACC, Symbol("000660"), Side.BUY, 1, 72_000, ts=TS), RejectReason.UNKNOWN_SYMBOL),
        (ex.cancel(ACC, "0000000099", TS), RejectReason.UNKNOWN_ORDER),
        (ex.revise(ACC, "0000000099", TS, price=72_000), RejectReason.UNKNOWN_ORDER),
    ]
    for events, reason in cases:
        assert len(events) == 1 and isinstance(events[0], Rejected) and events[0].reason is reason, events
    assert isinstance(ex.place(ACC, SYM, Side.BUY, 13, 72_000, ts=TS)[0], Accepted)  # 936,131 fits
    sell = accepted_odno(ex.place(ACC, SYM, Side.SELL, 3, 75_000, ts=TS))
    [rej] = ex.place(ACC, SYM, Side.SELL, 3, 75_000, ts=TS)  # only 2 left unreserved
    assert isinstance(rej, Rejected) and rej.reason is RejectReason.INSUFFICIENT_SHARES
    [rej] = ex.cancel(ACC, sell, TS, qty=4)
    assert isinstance(rej, Rejected) and rej.reason is RejectReason.QTY_ABOVE_REMAINING
    [rej] = ex.revise(ACC, sell, TS, price=75_100, qty=4)
    assert isinstance(rej, Rejected) and rej.reason is RejectReason.QTY_ABOVE_REMAINING
    ex.set_phase(Phase.AFTER_HOURS, TS)
    [rej] = ex.place(ACC, SYM, Side.BUY, 1, 72_000, ts=TS)
    assert isinstance(rej, Rejected) and rej.reason is RejectReason.MARKET_CLOSED


def test_cancel_partial_then_all() -> None:
    ex, led = make()
    odno = accepted_odno(ex.place(ACC, SYM, Side.BUY, 10, 70_000, ts=TS))
    assert led.reserved_cash == 700_000 + 98  # floor(98.37)
    ex.cancel(ACC, odno, TS, qty=4)
    original = led.order(odno)
    assert original is not None and (original.remaining, original.cancelled_qty) == (6, 4)
    assert led.reserved_cash == 420_000 + 59  # floor(59.02)
    cancel_row = led.orders()[-1]
    assert (cancel_row.odno, cancel_row.orgn_odno, cancel_row.kind, cancel_row.qty) == (
        "0000000002",
        odno,
        OrderKind.CANCEL,
        4,
    )
    ex.cancel(ACC, odno, TS)
    assert original.state is OrderState.CANCELLED and led.reserved_cash == 0
    assert ex.engine.order(odno) is None
    [rej] = ex.cancel(ACC, odno, TS)
    assert isinstance(rej, Rejected) and rej.reason is RejectReason.ORDER_DONE


def test_filled_order_cannot_be_revised_or_cancelled() -> None:
    ex, _ = make()
    ex.place(MARKET_OWNER, SYM, Side.SELL, 1, 72_000, ts=TS)
    odno = accepted_odno(ex.place(ACC, SYM, Side.BUY, 1, 72_000, ts=TS))
    for events in (ex.cancel(ACC, odno, TS), ex.revise(ACC, odno, TS, price=72_100)):
        assert isinstance(events[0], Rejected) and events[0].reason is RejectReason.ORDER_DONE


def test_revise_price_new_odno_reserve_and_fill() -> None:
    ex, led = make(cash=800_000)
    odno = accepted_odno(ex.place(ACC, SYM, Side.BUY, 10, 70_000, ts=TS))
    ex.place(MARKET_OWNER, SYM, Side.SELL, 10, 71_000, ts=TS)
    [rej] = ex.revise(ACC, odno, TS, price=80_000)  # 800,112 > 800,000
    assert isinstance(rej, Rejected) and rej.reason is RejectReason.INSUFFICIENT_CASH
    events = ex.revise(ACC, odno, TS, price=71_000)
    replaced = events[0]
    assert isinstance(replaced, Replaced) and replaced.new_id == "0000000002"
    new = led.order(replaced.new_id)
    old = led.order(odno)
    assert new is not None and old is not None
    assert (new.kind, new.orgn_odno, new.qty, new.price) == (OrderKind.REVISE, odno, 10, 71_000)
    assert old.state is OrderState.REPLACED and old.revised_qty == 10
    assert new.state is OrderState.FILLED and led.reserved_cash == 0
    assert led.cash_d2 == 800_000 - 710_000 - 99


def test_partial_revise_keeps_rest_at_old_price() -> None:
    ex, led = make()
    odno = accepted_odno(ex.place(ACC, SYM, Side.BUY, 10, 70_000, ts=TS))
    [replaced] = ex.revise(ACC, odno, TS, price=70_500, qty=4)
    assert isinstance(replaced, Replaced) and replaced.old_remaining == 6
    old = led.order(odno)
    assert old is not None and old.remaining == 6 and old.state is OrderState.OPEN
    # 420,000 + 59 for the 6 left, 282,000 + 39 for the 4 moved
    assert led.reserved_cash == 420_059 + 282_039
    assert [(lv.price, lv.qty) for lv in ex.engine.depth(SYM).bids] == [(70_500, 4), (70_000, 6)]


def test_buyable_quantities() -> None:
    ex, led = make()
    assert ex.buyable(ACC, SYM, 72_000) == (10_000_000, 138)  # 10,000,000 / 72,010.1179 = 138.87
    assert ex.buyable(ACC, SYM, None) == (10_000_000, 106)  # upper limit 93,600: 106.82
    led2 = Ledger("x", 9_281_899, DAY, fees=FixedFeeModel())
    assert led2.buyable(71_900) == (9_281_899, 129)  # the §4.10 example
    cash, qty = led.buyable(72_000)
    assert led.buy_reserve(72_000, qty) <= cash < led.buy_reserve(72_000, qty + 1)


def test_settlement_t_plus_2_and_day_roll() -> None:
    ex, led = make()
    ex.place(MARKET_OWNER, SYM, Side.SELL, 10, 71_800, ts=TS)
    ex.place(ACC, SYM, Side.BUY, 10, 71_800, ts=TS)
    ex.set_phase(Phase.CLOSED, TS)
    ex.start_day(date(2026, 3, 4))
    assert (led.deposit, led.cash_d1, led.cash_d2) == (10_000_000, 9_281_900, 9_281_900)
    assert (led.buy_amount_today, led.buy_amount_prev_day, led.costs_prev_day) == (0, 718_000, 100)
    ex.start_day(date(2026, 3, 5))
    assert (led.deposit, led.cash_d1, led.cash_d2) == (9_281_900, 9_281_900, 9_281_900)


def test_krx_fee_model_uses_settlement_date_for_tax() -> None:
    # a stand-in for the KRX calendar (building it takes seconds): 2025-12-30 settles 2026-01-02
    settle = {date(2025, 12, 30): date(2026, 1, 2), date(2025, 12, 26): date(2025, 12, 30)}
    fees = KrxFeeModel(settlement=settle.__getitem__)
    assert fees.commission(718_000) == 100
    assert fees.commission(1_000_000, InstrumentKind.ETF) == 146  # 0.0146527%
    assert fees.sell_tax(1_000_000, date(2025, 12, 30)) == 2_000  # settles in 2026: 0.20%
    assert fees.sell_tax(1_000_000, date(2025, 12, 26)) == 1_500  # settles in 2025: 0.15%
    assert fees.sell_tax(1_000_000, date(2025, 12, 30), kind=InstrumentKind.ETF) == 0
    assert fees.sell_tax(1_000_000, date(2025, 12, 30), market=Market.KONEX) == 1_000


def test_crowd_revise_that_trades_is_booked_and_day_end_expires() -> None:
    ex, led = make()
    odno = accepted_odno(ex.place(ACC, SYM, Side.BUY, 5, 71_000, ts=TS))
    crowd = accepted_odno(ex.place(MARKET_OWNER, SYM, Side.SELL, 3, 72_000, ts=TS))
    events = ex.revise(MARKET_OWNER, crowd, TS, price=71_000)
    assert isinstance(events[0], Replaced)
    order = led.order(odno)
    assert order is not None and (order.filled_qty, order.remaining) == (3, 2)
    assert led.reserved_cash == 142_000 + 19  # floor(142,000 x 0.000140527) = 19
    ex.set_phase(Phase.AFTER_HOURS, TS)
    assert order.state is OrderState.CANCELLED and order.cancelled_qty == 2
    assert led.reserved_cash == 0 and led.open_orders() == []


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10**12), st.integers(1, 4))
def test_order_numbers_are_ten_digit_and_engine_ids_nine(first: int, n: int) -> None:
    """ODNOs count up from ``first_odno`` zero-padded to 10 digits; engine ids are 'E' + 9."""
    ex = Exchange(fees=FixedFeeModel())
    ex.engine.list_symbol(SYM, base_price=72_000)
    ledger = ex.open_account(ACC, cash=10**12, trade_date=DAY, first_odno=first)
    ex.set_phase(Phase.CONTINUOUS, TS)
    got = [accepted_odno(ex.place(ACC, SYM, Side.BUY, 1, 72_000, ts=TS)) for _ in range(n)]
    assert got == [f"{first + k:010d}" for k in range(n)]
    assert [o.odno for o in ledger.orders()] == got
    assert [ex.engine.next_order_id() for _ in range(2)] == ["E000000001", "E000000002"]
