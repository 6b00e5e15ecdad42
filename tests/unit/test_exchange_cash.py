"""The ledger's cash by settlement date (AccountCash) against a from-scratch model: every flow
kept per day, the balances summed anew on every check."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.types import KST, OrderType, Side, Symbol
from kistrade.exchange.cash import AccountCash
from kistrade.exchange.fees import FixedFeeModel
from kistrade.exchange.records import OrderKind, OrderRecord

# ("flow", amount, is a buy) | ("roll",) | ("reserve", cash)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("flow"), st.integers(-(10**9), 10**9), st.booleans()),
        st.tuples(st.just("roll")),
        st.tuples(st.just("reserve"), st.integers(0, 10**8)),
    ),
    max_size=60,
)


def _record() -> OrderRecord:
    """A buy whose reservation the cash book sets."""
    return OrderRecord(
        odno="0000000001",
        org_no="00950",
        orgn_odno="",
        kind=OrderKind.NEW,
        symbol=Symbol("005930"),
        side=Side.BUY,
        order_type=OrderType.MARKET,
        qty=1,
        price=0,
        ts=datetime(2026, 3, 3, 9, 0, tzinfo=KST),
        trade_date=date(2026, 3, 3),
    )


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**12), steps)
def test_balances_equal_the_model(start: int, plan: list[tuple[object, ...]]) -> None:
    cash = AccountCash(start, FixedFeeModel())
    record = _record()
    deposit, day, reserved = start, 0, 0
    flows: list[tuple[int, int, bool]] = []  # (day, flow, buy), never settled in place
    for step in plan:
        if step[0] == "flow":
            _, flow, buy = step
            assert isinstance(flow, int) and isinstance(buy, bool)
            cash.book_flow(flow, buy=buy)
            flows.append((day, flow, buy))
        elif step[0] == "roll":
            cash.roll_cash()
            day += 1
            deposit = start + sum(f for d, f, _ in flows if d <= day - 2)
        else:
            reserved = step[1]  # type: ignore[assignment]
            cash._set_reserved(record, reserved)
        unsettled = sum(f for d, f, _ in flows if d > day - 2)
        spent_today = -sum(f for d, f, buy in flows if d == day and buy)
        earlier = sum(f for d, f, _ in flows if day - 2 < d < day)
        assert cash.deposit == deposit
        assert cash.cash_d2 == deposit + unsettled
        assert cash.cash_d1 == deposit + earlier - spent_today
        assert cash.reserved_cash == record.reserved_cash == reserved
        assert cash.orderable_cash == deposit + unsettled - reserved
