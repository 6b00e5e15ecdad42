"""Rule 6 of the risk gate: how many shares an intent may trade (see ``kistrade.engine.risk``).

Exits sell at most what is held and not already being sold. Entries are cut to the room under
``max_position_pct`` of equity, to the cash (commission included), to a share of the recent bar
volume and, when marketable, to the visible book depth; a cap of 0 denies the intent, and a new
symbol beyond ``max_open_positions`` is denied. The text of a cap is only made when it binds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import msgspec

from kistrade.domain.costs import CostModel, floor_mul, rate_ratio
from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.types import OrderType, Side, Symbol
from kistrade.engine.events import RiskRule
from kistrade.engine.market import MarketState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.switch import RiskLimits


class Refusal(NamedTuple):
    """Why the gate refuses an intent: the rule and the reason (``RiskGate.check`` makes the
    IntentDenied, naming the symbol)."""

    rule: RiskRule
    reason: str


class ApprovedOrder(msgspec.Struct, frozen=True, gc=False):
    """An intent the gate let through: what to send, and the cash a buy must reserve. A frozen
    Struct (made for every approved intent; see ``kistrade.domain.intents``)."""

    symbol: Symbol
    side: Side
    qty: int
    order_type: OrderType
    limit_price: int | None
    purpose: IntentPurpose
    reserve_price: int
    """Price the buy reservation is computed at (limit, upper limit, or last price)."""
    intent: OrderIntent
    notes: tuple[str, ...] = ()
    """Why the quantity was cut, if it was (one note per rule)."""


def approved(
    intent: OrderIntent, qty: int, limit_price: int | None, reserve_price: int, notes: tuple[str, ...]
) -> ApprovedOrder:
    order_type = OrderType.MARKET if limit_price is None else OrderType.LIMIT
    return ApprovedOrder(
        intent.symbol, intent.side, qty, order_type, limit_price, intent.purpose, reserve_price, intent, notes
    )


def cash_qty(cash: int, price: int, costs: CostModel, day: date) -> int:
    """Largest qty whose value plus commission fits ``cash``."""
    if cash <= 0:
        return 0
    num, den = rate_ratio(costs.commission_rate)
    qty = cash * den // (price * (den + num))  # cash / (price × (1 + commission)), floored
    while qty > 0 and qty * price + costs.buy_cost(qty * price, day) > cash:
        qty -= 1
    return qty


def size_exit(
    portfolio: Portfolio, intent: OrderIntent, limit_price: int | None, reserve_price: int
) -> ApprovedOrder | Refusal:
    sellable = portfolio.sellable_qty(intent.symbol)
    if sellable <= 0:
        held = portfolio.qty(intent.symbol)
        if held > 0:
            return Refusal(RiskRule.DUPLICATE_EXIT, f"all {held} shares are already in open sell orders")
        return Refusal(RiskRule.NO_POSITION, "no shares held to sell")
    qty = sellable if intent.qty is None else min(intent.qty, sellable)
    notes = () if intent.qty in (None, qty) else (f"sell cut from {intent.qty} to sellable {qty}",)
    return approved(intent, qty, limit_price, reserve_price, notes)


@dataclass(frozen=True, slots=True)
class EntrySizer:
    """Sizes entries against one portfolio, market state and cost model."""

    portfolio: Portfolio
    market: MarketState
    costs: CostModel

    def size(
        self,
        lim: RiskLimits,
        intent: OrderIntent,
        *,
        limit_price: int | None,
        ref_price: int,
        reserve_price: int,
        day: date,
    ) -> ApprovedOrder | Refusal:
        sym, pf = intent.symbol, self.portfolio
        open_buys = pf.reserved_cash_symbol(sym)
        held = pf.qty(sym)
        if held == 0 and open_buys == 0:
            in_use = pf.count_in_use()
            if in_use >= lim.max_open_positions:
                return Refusal(
                    RiskRule.POSITION_LIMIT, f"{in_use} positions open (max {lim.max_open_positions})"
                )
        equity = pf.equity
        # (equity × pct / 100 - held × ref - open buys) / ref, floored: the shares the cap leaves
        num, den = rate_ratio(lim.max_position_pct)
        room = (equity * num - 100 * den * (held * ref_price + open_buys)) // (100 * den * ref_price)
        caps: list[tuple[int, RiskRule, Callable[[], str]]] = [
            (
                max(room, 0),
                RiskRule.POSITION_LIMIT,
                lambda: f"position limit {lim.max_position_pct}% of equity {equity}",
            ),
            (
                cash_qty(pf.available_cash, reserve_price, self.costs, day),
                RiskRule.CASH,
                lambda: f"cash {pf.available_cash}",
            ),
        ]
        volume = self.market.recent_volume(sym)
        if volume is not None:
            caps.append(
                (
                    floor_mul(volume, lim.max_volume_participation_pct / 100),
                    RiskRule.VOLUME,
                    lambda: f"{lim.max_volume_participation_pct}% of recent volume {volume}",
                )
            )
        if self.market.get(sym).book is not None:  # else no touch and no depth
            touch = self.market.touch(sym, Side.BUY)
            marketable = limit_price is None or (touch is not None and limit_price >= touch)
            depth = self.market.depth(sym, Side.BUY, limit_price) if marketable else None
            if depth is not None:
                caps.append((depth, RiskRule.BOOK_DEPTH, lambda: f"visible ask depth {depth}"))
        qty = intent.qty
        notes: list[str] = []
        for cap, rule, why in caps:
            if cap <= 0:
                return Refusal(rule, f"no room: {why()}")
            if qty is None or cap < qty:
                if intent.qty is not None:
                    notes.append(f"qty cut to {cap} by {rule.value}: {why()}")
                qty = cap
        assert qty is not None
        return approved(intent, qty, limit_price, reserve_price, tuple(notes))
