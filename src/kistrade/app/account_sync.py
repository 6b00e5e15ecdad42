"""Local vs broker account: compare the engine's Portfolio with inquire-balance.

Cash is compared with the D+2 deposit (what the local single cash number models); holdings by
quantity and purchase amount (KIS ``pchs_amt``). ``adopt`` takes the broker's figures where they
differ, only when quantities agree and the money differs by no more than the fee rounding of
fills booked from reconciliation totals (per-execution rounding cannot be known locally).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kistrade.domain.broker import Balance
from kistrade.domain.orders import Order
from kistrade.domain.types import Symbol
from kistrade.engine.portfolio import Portfolio


@dataclass(frozen=True, slots=True)
class HoldingDiff:
    symbol: str
    local_qty: int
    broker_qty: int
    local_amount: int
    broker_amount: int


@dataclass(frozen=True, slots=True)
class AccountDiff:
    local_cash: int
    broker_cash: int
    holdings: tuple[HoldingDiff, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return self.local_cash == self.broker_cash and not self.holdings

    @property
    def qty_equal(self) -> bool:
        return all(h.local_qty == h.broker_qty for h in self.holdings)

    @property
    def won(self) -> int:
        """The total size of the difference in won (cash and purchase amounts)."""
        return abs(self.broker_cash - self.local_cash) + sum(
            abs(h.broker_amount - h.local_amount) for h in self.holdings
        )

    def explained_by(self, slack: int) -> bool:
        """Quantities agree and the money differs by at most ``slack`` won (fee rounding)."""
        return not self.empty and self.qty_equal and self.won <= slack

    def detail(self) -> dict[str, Any]:
        return {
            "local_cash": self.local_cash,
            "broker_cash": self.broker_cash,
            "holdings": [
                [h.symbol, h.local_qty, h.broker_qty, h.local_amount, h.broker_amount] for h in self.holdings
            ],
        }


def compare(portfolio: Portfolio, balance: Balance) -> AccountDiff:
    broker = {h.symbol: h for h in balance.holdings if h.qty}
    local = {h.symbol: h for h in portfolio.holdings() if h.qty}
    diffs: list[HoldingDiff] = []
    for sym in sorted(set(broker) | set(local)):
        b, h = broker.get(sym), local.get(sym)
        bq, ba = (b.qty, b.purchase_amount) if b is not None else (0, 0)
        lq, la = (h.qty, h.purchase_amount) if h is not None else (0, 0)
        if (bq, ba) != (lq, la):
            diffs.append(HoldingDiff(sym, lq, bq, la, ba))
    return AccountDiff(portfolio.cash, balance.cash_d2, tuple(diffs))


def rounding_slack(orders: Iterable[Order]) -> int:
    """How far fee rounding may take the local books from the broker's: fills booked from
    reconciliation totals (ids ``…:sync:…``) merge executions the broker charged one by one,
    and each execution floors commission and tax (and the sold cost) separately; an execution
    is at least one share, so 2 won (commission + tax) per caught-up share bounds it."""
    return 2 * sum(f.qty for o in orders for f in o.fills if ":sync:" in f.fill_id)


def adopt(portfolio: Portfolio, diff: AccountDiff) -> tuple[int, list[tuple[str, int]]]:
    """Set cash and the differing holdings' purchase amounts to the broker's figures (quantities
    must already agree); return the changes (cash delta, purchase-amount deltas) to persist."""
    cash_delta = diff.broker_cash - portfolio.cash
    portfolio.deposit(cash_delta)
    amounts: list[tuple[str, int]] = []
    for h in diff.holdings:
        portfolio.seed_holding(Symbol(h.symbol), h.broker_qty, h.broker_amount)
        amounts.append((h.symbol, h.broker_amount - h.local_amount))
    return cash_delta, amounts


__all__ = ["AccountDiff", "HoldingDiff", "adopt", "compare", "rounding_slack"]
