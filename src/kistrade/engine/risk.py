"""The risk gate: every intent passes ``RiskGate.check`` and nothing else reaches the router.

``check(intent, ts)`` returns an :class:`ApprovedOrder` (sized, priced, with the cash to reserve)
or an :class:`~kistrade.engine.events.IntentDenied` with the rule and a reason. Rules, in order:

1. purpose: entries buy (no short selling), exits (EXIT, STOP_LOSS, TAKE_PROFIT, FLATTEN) sell;
2. trading state: ACTIVE anything; REDUCING exits only; HALTED only FLATTEN;
3. session (phase at ``ts``): entries only in CONTINUOUS (none from the 15:20 closing auction);
   exits in PRE_OPEN_AUCTION, CONTINUOUS and CLOSING_AUCTION; nothing when CLOSED/AFTER_HOURS;
4. frequency, strategy intents only (ENTRY, EXIT): max orders per day, per-symbol cooldown.
   Protective exits (STOP_LOSS, TAKE_PROFIT, FLATTEN) are never held back by them;
5. price: a LIMIT intent without a price is priced at the touch (best ask / best bid, else the
   last price); a limit price must be on the tick grid and inside the day's limits (when the base
   price is known). A market buy reserves cash at the upper limit (as KIS does), else the last price;
6. quantity (``risk_sizing``): exits sell at most what is held and not already being sold (qty
   None: all of it);
   entries are sized down to the room under ``max_position_pct`` of equity (position at the
   reference price plus open buys of the symbol), to the cash available (commission included),
   to ``max_volume_participation_pct`` of the recent bar volume, and, for marketable orders, to
   the visible book depth at the limit or better; denied when any of these leaves 0. A new symbol
   beyond ``max_open_positions`` is denied. Exits are not cut by volume (never trap a position).

``exit_intents(symbol, price)`` gives the automatic stop-loss / take-profit exits;
``check_daily_loss(ts)`` switches to HALTED when the day's loss reaches ``daily_loss_pct`` and
``flatten_intents()`` lists the FLATTEN exits (the kernel uses them only if ``flatten_on_halt``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from kistrade.domain.costs import CostModel, rate_ratio
from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.sessions import Phase, to_kst
from kistrade.domain.ticks import is_valid_tick
from kistrade.domain.types import KST, OrderType, Side, Symbol
from kistrade.engine.events import IntentDenied, RiskRule, StateChanged, TradingState
from kistrade.engine.market import MarketState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk_band import TOP, change_pct, exit_band, first_true
from kistrade.engine.risk_sizing import ApprovedOrder, EntrySizer, Refusal, size_exit
from kistrade.engine.switch import RiskLimits, TradingSwitch

EXIT_PURPOSES = frozenset(
    {IntentPurpose.EXIT, IntentPurpose.STOP_LOSS, IntentPurpose.TAKE_PROFIT, IntentPurpose.FLATTEN}
)
PROTECTIVE_PURPOSES = frozenset({IntentPurpose.STOP_LOSS, IntentPurpose.TAKE_PROFIT, IntentPurpose.FLATTEN})
_EXIT_PHASES = frozenset({Phase.PRE_OPEN_AUCTION, Phase.CONTINUOUS, Phase.CLOSING_AUCTION})
DAILY_LOSS_SOURCE = "rule:daily_loss"

# Enum members the gate reads for every intent, as module globals: on Python 3.11 ``Side.BUY``
# goes through ``EnumType.__getattr__`` (~80 ns a read against ~10 ns for a global).
_BUY, _SELL, _LIMIT, _FLATTEN = Side.BUY, Side.SELL, OrderType.LIMIT, IntentPurpose.FLATTEN
_ACTIVE, _REDUCING, _HALTED = TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED
_CONTINUOUS = Phase.CONTINUOUS

PhaseFn = Callable[[datetime], Phase]


def _calendar_phase(ts: datetime) -> Phase:
    from kistrade.domain.calendar import default_calendar

    return default_calendar().phase_at(ts)


class RiskGate:
    def __init__(
        self,
        limits: RiskLimits,
        portfolio: Portfolio,
        market: MarketState,
        *,
        switch: TradingSwitch | None = None,
        costs: CostModel | None = None,
        phase_at: PhaseFn | None = None,
    ) -> None:
        self.limits = limits
        self.portfolio = portfolio
        self.market = market
        self.switch = switch or TradingSwitch()
        self.costs = costs or CostModel()
        self._phase_at = phase_at or _calendar_phase
        self._day: date | None = None
        self._floor_start: int | None = None
        self._floor_limits: RiskLimits | None = None
        self._rolled_at: datetime | None = None
        self._floor_value = 0
        self._exit_key: tuple[int, int, RiskLimits] | None = None
        self._exit_value = (0, TOP)
        self.orders_today = 0
        self._last_order: dict[Symbol, datetime] = {}
        self._entries = EntrySizer(portfolio, market, self.costs)

    # --- state -----------------------------------------------------------------------------

    @property
    def state(self) -> TradingState:
        return self.switch.state

    def set_state(self, state: TradingState, reason: str, source: str, ts: datetime) -> StateChanged | None:
        """The one way to move the switch (rules and commands alike)."""
        return self.switch.set_state(state, reason, source, ts)

    def start_day(self, day: date, start_equity: int | None = None) -> None:
        """New trading day: reset the order count and cooldowns; the day's start equity is
        ``start_equity`` (after a restart: the stored or broker value) or the current equity."""
        self._day = day
        self._rolled_at = None
        self.orders_today = 0
        self._last_order.clear()
        if start_equity is None:
            self.portfolio.start_day()
        else:
            self.portfolio.day_start_equity = start_equity

    @property
    def day(self) -> date | None:
        return self._day

    def roll_day(self, ts: datetime) -> None:
        """Call ``start_day`` when ``ts`` is on a later KST date than the current day."""
        if ts is self._rolled_at:  # the same moment as the last call (the kernel's ``now``)
            return
        day = (ts if ts.tzinfo is KST else to_kst(ts)).date()
        if self._day is None or day > self._day:
            self.start_day(day)
        self._rolled_at = ts

    # --- automatic exits and the daily loss rule -------------------------------------------

    def exit_intents(self, symbol: Symbol, price: int) -> list[OrderIntent]:
        """STOP_LOSS / TAKE_PROFIT market exits for ``symbol`` at ``price`` (none while one is working)."""
        h = self.portfolio.holding(symbol)
        if h is None or h.qty <= 0 or h.purchase_amount <= 0 or self.portfolio.sellable_qty(symbol) <= 0:
            return []
        stop_at, take_at = self._exit_band(h.qty, h.purchase_amount)
        if stop_at < price < take_at:  # the rule below gives nothing (same formula, in won)
            return []
        change = change_pct(price, h.qty, h.purchase_amount)
        if change <= self.limits.stop_loss_pct:
            purpose, why = (
                IntentPurpose.STOP_LOSS,
                f"stop-loss: {change:.2f}% <= {self.limits.stop_loss_pct}%",
            )
        elif change >= self.limits.take_profit_pct:
            purpose, why = (
                IntentPurpose.TAKE_PROFIT,
                f"take-profit: {change:.2f}% >= {self.limits.take_profit_pct}%",
            )
        else:
            return []
        return [OrderIntent(symbol, Side.SELL, purpose, tags=(why,))]

    def exits_allowed(self, ts: datetime) -> bool:
        """Whether an automatic stop/take-profit exit could pass now (not HALTED, an exit phase)."""
        return self.switch.state is not _HALTED and self._phase_at(ts) in _EXIT_PHASES

    def check_daily_loss(self, ts: datetime) -> StateChanged | None:
        """HALTED when equity fell ``daily_loss_pct`` or more since the day started."""
        self.roll_day(ts)
        if self.switch.state is _HALTED:
            return None
        pf = self.portfolio
        equity = pf.equity
        if equity > self._loss_floor(pf.day_start_equity):  # the rule in won (see ``_loss_floor``)
            return None
        ret = pf.return_pct(equity)
        if ret > self.limits.daily_loss_pct:
            return None
        reason = f"daily loss {ret:.2f}% reached the limit {self.limits.daily_loss_pct}%"
        return self.set_state(TradingState.HALTED, reason, DAILY_LOSS_SOURCE, ts)

    def _loss_floor(self, day_start_equity: int) -> int:
        """The highest equity at which the daily loss rule fires (``Portfolio.return_pct(e) <=
        daily_loss_pct``), found with that very Decimal rule once per start equity: the rule is
        monotone in the equity, so comparing equities in won is the same test. The edge in exact
        arithmetic, ``floor(start × (100 + pct) / 100)``, is the answer when the rule fires there
        and not one won above (as it does unless Decimal's 28 digits round across the edge);
        otherwise the rule is searched from it."""
        if day_start_equity != self._floor_start or self.limits is not self._floor_limits:
            limit = self.limits.daily_loss_pct
            ret = self.portfolio.return_pct
            num, den = rate_ratio(limit)
            guess = day_start_equity * (100 * den + num) // (100 * den)
            if -TOP <= guess < TOP and ret(guess) <= limit < ret(guess + 1):
                self._floor_value = guess
            else:
                self._floor_value = first_true(lambda e: ret(e) > limit, guess) - 1
            self._floor_start, self._floor_limits = day_start_equity, self.limits
        return self._floor_value

    def quiet_band(self, symbol: Symbol, ts: datetime, exits: bool | None = None) -> tuple[int, int] | None:
        """Closes ``lo < c < hi`` of ``symbol`` at which ``Kernel.on_bar`` (mark at c, the daily
        loss rule, stop-loss / take-profit exits at c) makes no rule fire, with everything else
        as it is now and ``ts`` in the same gate day and phase; None when a rule fires at any close.
        Computed from the same Decimal rules as ``check_daily_loss`` and ``exit_intents`` (both
        monotone in the close). ``exits``: ``exits_allowed(ts)`` when the caller has it already."""
        pf = self.portfolio
        h = pf.holding(symbol)
        qty = h.qty if h is not None else 0
        lo, hi = 0, TOP
        if self.switch.state is not TradingState.HALTED:
            floor = self._loss_floor(pf.day_start_equity)
            if h is None or qty == 0:  # the close does not move the equity
                if pf.equity <= floor:
                    return None
            else:
                other = pf.equity - h.market_value
                lo = max(lo, (floor - other) // qty)  # other + qty * c > floor
        if (
            h is not None
            and qty > 0
            and h.purchase_amount > 0
            and pf.sellable_qty(symbol) > 0
            and (self.exits_allowed(ts) if exits is None else exits)
        ):
            stop_at, take_at = self._exit_band(qty, h.purchase_amount)
            lo = max(lo, stop_at)
            hi = min(hi, take_at)
        return (lo, hi) if lo + 1 < hi else None

    def _exit_band(self, qty: int, amount: int) -> tuple[int, int]:
        """``exit_band`` of a holding of ``qty`` shares bought for ``amount`` (kept for the last one)."""
        key = (qty, amount, self.limits)
        if self._exit_key != key:
            self._exit_key, self._exit_value = key, exit_band(qty, amount, self.limits)
        return self._exit_value

    def flatten_intents(self, reason: str = "flatten") -> list[OrderIntent]:
        """A FLATTEN market sell for every holding with shares not already being sold."""
        return [
            OrderIntent(h.symbol, Side.SELL, IntentPurpose.FLATTEN, tags=(reason,))
            for h in self.portfolio.holdings()
            if self.portfolio.sellable_qty(h.symbol) > 0
        ]

    # --- the gate --------------------------------------------------------------------------

    def check(self, intent: OrderIntent, ts: datetime) -> ApprovedOrder | IntentDenied:
        """Approve (sized and priced) or deny ``intent`` at time ``ts``. Approval counts an order."""
        self.roll_day(ts)
        result = self._check(intent, ts)
        if isinstance(result, Refusal):
            return IntentDenied(ts, intent, result.rule, f"{intent.symbol}: {result.reason}")
        self.orders_today += 1
        self._last_order[intent.symbol] = ts
        return result

    def _check(self, intent: OrderIntent, ts: datetime) -> ApprovedOrder | Refusal:
        purpose, side = intent.purpose, intent.side
        is_exit = purpose in EXIT_PURPOSES
        if is_exit:
            if side is not _SELL:
                return Refusal(RiskRule.PURPOSE, f"a {purpose.value} must sell")
        elif side is not _BUY:
            return Refusal(RiskRule.PURPOSE, "an entry must buy (short selling is not supported)")

        state = self.switch.state
        if state is not _ACTIVE:
            if state is _REDUCING and not is_exit:
                return Refusal(
                    RiskRule.TRADING_STATE, f"trading is REDUCING (exits only): {self.switch.reason}"
                )
            if state is _HALTED and purpose is not _FLATTEN:
                return Refusal(RiskRule.TRADING_STATE, f"trading is HALTED: {self.switch.reason}")

        phase = self._phase_at(ts)
        if not is_exit and phase is not _CONTINUOUS:
            return Refusal(RiskRule.SESSION, f"entries only in continuous trading; market is {phase.value}")
        if is_exit and phase not in _EXIT_PHASES:
            return Refusal(RiskRule.SESSION, f"market is {phase.value}")

        lim = self.limits
        if purpose not in PROTECTIVE_PURPOSES:
            if self.orders_today >= lim.max_orders_per_day:
                return Refusal(
                    RiskRule.MAX_ORDERS,
                    f"{self.orders_today} orders today (max {lim.max_orders_per_day})",
                )
            last = self._last_order.get(intent.symbol)
            if last is not None:
                waited = (ts - last).total_seconds()
                if waited < lim.symbol_cooldown_s:
                    return Refusal(
                        RiskRule.COOLDOWN,
                        f"last order {waited:.0f}s ago (cooldown {lim.symbol_cooldown_s}s)",
                    )

        priced = self._price(intent)
        if isinstance(priced, Refusal):
            return priced
        limit_price, ref_price, reserve_price = priced
        if is_exit:
            return size_exit(self.portfolio, intent, limit_price, reserve_price)
        return self._entries.size(
            lim,
            intent,
            limit_price=limit_price,
            ref_price=ref_price,
            reserve_price=reserve_price,
            day=self._day or date.min,
        )

    def _price(self, intent: OrderIntent) -> tuple[int | None, int, int] | Refusal:
        """The limit price (None: market), the reference price for sizing, the reserve price."""
        sym, m = intent.symbol, self.market
        last = m.get(sym).last_price
        limit_price = intent.limit_price
        if intent.order_type is _LIMIT and limit_price is None:
            limit_price = m.touch(sym, intent.side) or last
            if limit_price is None:
                return Refusal(RiskRule.NO_PRICE, "no touch or last price to price the limit order at")
        if limit_price is not None:
            problem = self.price_problem(sym, limit_price)
            if problem is not None:
                return problem
            return limit_price, limit_price, limit_price
        if last is None:
            return Refusal(RiskRule.NO_PRICE, "no last price to value the market order")
        if intent.side is not _BUY:
            return None, last, last
        limits = m.limits(sym)  # a market buy reserves at the upper limit, as KIS does
        return None, last, last if limits is None else limits.upper

    def price_problem(self, symbol: Symbol, price: int) -> Refusal | None:
        """Why ``price`` cannot be a limit price for ``symbol`` now (off the tick grid, outside the
        daily limits), or None when it can."""
        info = self.market.get(symbol)
        if not is_valid_tick(price, info.kind, market=info.market):
            return Refusal(RiskRule.PRICE_TICK, f"limit price {price} is not on the tick grid")
        limits = self.market.limits(symbol)
        if limits is not None and not limits.contains(price):
            return Refusal(
                RiskRule.PRICE_LIMIT,
                f"limit price {price} is outside the daily limits {limits.lower}-{limits.upper}",
            )
        return None
