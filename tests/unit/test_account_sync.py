"""Local vs broker account: a difference is adopted only when fee rounding of caught-up fills
explains it (quantities equal, money within the slack)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from kistrade.app.account_sync import AccountDiff, HoldingDiff, adopt, compare, rounding_slack
from kistrade.domain.broker import Balance, Holding
from kistrade.domain.costs import commission
from kistrade.domain.intents import IntentPurpose
from kistrade.domain.orders import Order, OrderState
from kistrade.domain.types import OrderType, Side, Symbol
from kistrade.engine.portfolio import Portfolio

T0 = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
SYM = Symbol("005930")


def _balance(portfolio: Portfolio) -> Balance:
    held = tuple(
        Holding(h.symbol, "", h.qty, h.qty, Decimal(h.purchase_amount) / h.qty, h.purchase_amount, 0, 0, 0)
        for h in portfolio.holdings()
        if h.qty
    )
    cash = portfolio.cash
    return Balance(cash, cash, cash, held, 0, cash, cash, 0, 0, 0)


def _order(*fills: tuple[str, int, int]) -> Order:
    o = Order("c1", SYM, Side.BUY, OrderType.LIMIT, 100, 70_000, IntentPurpose.ENTRY, T0)
    o.state = OrderState.SUBMITTED
    for fid, qty, price in fills:
        o.apply_fill(fid, qty, price, T0)
    return o


def test_merging_two_executions_costs_one_won_more_than_the_broker_charged() -> None:
    # the broker floors commission per execution: 7 @ 70,100 and 3 @ 70,100
    broker = Portfolio(10_000_000)
    for qty in (7, 3):
        broker.apply_fill(SYM, Side.BUY, qty, 70_100, commission=commission(qty * 70_100))
    # locally the missed notices come back as one fill from the daily totals
    local = Portfolio(10_000_000)
    local.apply_fill(SYM, Side.BUY, 10, 70_100, commission=commission(10 * 70_100))
    assert broker.cash - local.cash == 1
    diff = compare(local, _balance(broker))
    assert diff.won == 1
    slack = rounding_slack([_order(("0000001:sync:10", 10, 70_100))])
    assert slack == 20 and diff.explained_by(slack)
    cash_delta, _ = adopt(local, diff)
    assert cash_delta == 1 and local.cash == broker.cash


def test_no_caught_up_fills_means_no_slack() -> None:
    assert rounding_slack([_order(("n1", 7, 70_100), ("n2", 3, 70_100))]) == 0
    diff = AccountDiff(9_298_998, 9_298_999)
    assert not diff.explained_by(0)


def test_quantity_differences_and_large_amounts_are_never_adopted() -> None:
    qty_off = AccountDiff(100, 100, (HoldingDiff("005930", 10, 9, 701_000, 630_900),))
    assert not qty_off.explained_by(10**9)
    money_off = AccountDiff(1_000, 1_050, (HoldingDiff("005930", 10, 10, 701_000, 701_001),))
    assert money_off.won == 51
    assert money_off.explained_by(51) and not money_off.explained_by(50)
    assert not AccountDiff(5, 5).explained_by(10)  # equal: nothing to adopt
