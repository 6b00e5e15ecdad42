"""Rule 6 of the risk gate: how many shares an intent may trade (see ``kistrade.engine.risk``).

Exits sell at most what is held and not already being sold. Entries are cut to the room under
``max_position_pct`` of equity, to the cash (commission included), to a share of the recent bar
volume and, when marketable, to the visible book depth; a cap of 0 denies the intent, and a new
symbol beyond ``max_open_positions`` is denied. The text of a cap is only made when it binds.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import msgspec

from kistrade.domain.costs import CostModel, rate_ratio
from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.types import OrderType, Side, Symbol
from kistrade.engine.events import RiskRule
from kistrade.engine.market import MarketState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.switch import RiskLimits

# read for every approved intent, as module globals: on Python 3.11 ``OrderType.LIMIT`` goes
# through ``EnumType.__getattr__`` (~80 ns a read against ~10 ns for a global)
_MARKET, _LIMIT, _BUY = OrderType.MARKET, OrderType.LIMIT, Side.BUY
_POSITION_LIMIT, _CASH = RiskRule.POSITION_LIMIT, RiskRule.CASH
_VOLUME, _BOOK_DEPTH = RiskRule.VOLUME, RiskRule.BOOK_DEPTH


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
    order_type = _MARKET if limit_price is None else _LIMIT
    return ApprovedOrder(
        intent.symbol, intent.side, qty, order_type, limit_price, intent.purpose, reserve_price, intent, notes
    )


def cash_qty(cash: int, price: int, costs: CostModel, day: date) -> int:
    """Largest qty whose value plus commission fits ``cash``."""
    if cash <= 0:
        return 0
    num, den = costs.commission_ratio
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


class EntrySizer:
    """Sizes entries against one portfolio, market state and cost model."""

    def __init__(self, portfolio: Portfolio, market: MarketState, costs: CostModel) -> None:
        self.portfolio = portfolio
        self.market = market
        self.costs = costs
        self._limits: RiskLimits | None = None
        self._position = self._volume = (0, 1)

    def _take_ratios(self, lim: RiskLimits) -> None:
        """The exact fractions of ``max_position_pct`` and of ``max_volume_participation_pct / 100``
        for ``lim``; ``size`` takes them again only when the limits object changes (it is frozen)."""
        self._position = rate_ratio(lim.max_position_pct)
        self._volume = rate_ratio(lim.max_volume_participation_pct / 100)
        self._limits = lim

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
        sym, pf, market = intent.symbol, self.portfolio, self.market
        open_buys = pf.reserved_cash_symbol(sym)
        held = pf.qty(sym)
        if held == 0 and open_buys == 0:
            in_use = pf.count_in_use()
            if in_use >= lim.max_open_positions:
                return Refusal(_POSITION_LIMIT, f"{in_use} positions open (max {lim.max_open_positions})")
        equity = pf.equity
        if lim is not self._limits:
            self._take_ratios(lim)
        (num, den), (vol_num, vol_den) = self._position, self._volume
        # (equity × pct / 100 - held × ref - open buys) / ref, floored: the shares the cap leaves
        room = (equity * num - 100 * den * (held * ref_price + open_buys)) // (100 * den * ref_price)
        # the caps in order, each (shares, rule, why); ``why`` is a format string and its values,
        # so that the text is only made when the cap binds
        cash = pf.available_cash
        caps: list[tuple[int, RiskRule, str, tuple[object, ...]]] = [
            (
                max(room, 0),
                _POSITION_LIMIT,
                "position limit {}% of equity {}",
                (lim.max_position_pct, equity),
            ),
            (cash_qty(cash, reserve_price, self.costs, day), _CASH, "cash {}", (cash,)),
        ]
        volume = market.recent_volume(sym)
        if volume is not None:
            caps.append(
                (
                    volume * vol_num // vol_den,  # floor_mul(volume, pct / 100)
                    _VOLUME,
                    "{}% of recent volume {}",
                    (lim.max_volume_participation_pct, volume),
                )
            )
        if market.get(sym).book is not None:  # else no touch and no depth
            touch = market.touch(sym, _BUY)
            marketable = limit_price is None or (touch is not None and limit_price >= touch)
            depth = market.depth(sym, _BUY, limit_price) if marketable else None
            if depth is not None:
                caps.append((depth, _BOOK_DEPTH, "visible ask depth {}", (depth,)))
        qty = intent.qty
        notes: list[str] = []
        for cap, rule, why, values in caps:
            if cap <= 0:
                return Refusal(rule, "no room: " + why.format(*values))
            if qty is None or cap < qty:
                if intent.qty is not None:
                    notes.append(f"qty cut to {cap} by {rule.value}: " + why.format(*values))
                qty = cap
        assert qty is not None
        return approved(intent, qty, limit_price, reserve_price, tuple(notes))
