"""MarketHub: the simulated KRX market shared by the REST handlers, the WebSocket server and /sim.

One exchange book per symbol (kistrade.exchange), traded by a seeded synthetic crowd (or a
replay source) and by the user accounts. Everything here is synchronous except
``start``/``stop``; listeners are called synchronously from inside the hub and must be short.

Conventions:
int won / int shares / tz-aware KST sim time; ``account_no`` = CANO + ACNT_PRDT_CD (10 digits, a
``-`` is removed); ``odno`` 10 digits, ``org_no`` 5 (constructor: "06010" real, "00950" paper);
the hub reports domain ``RejectReason``s, the REST layer maps them to KIS codes.

Public API (stable; value types in market_types.py, re-exported here):
  MarketHub(symbols, clock: SessionClock, source: MarketSource | None = None, seed=0, calendar=None,
            *, org_no="06010", pump_interval=0.02, crowd_params: CrowdParams | None = None)
  await start() / await stop()            the pump task: advance_to(clock.now()) every pump_interval
  advance_to(sim_now)                     run crowds, sweeps, phase changes and auctions up to sim_now
  clock -> SessionClock; now() -> datetime; phase() -> Phase; trading_date() -> date
  clock_info() -> {origin, wall_origin, speed, now, phase, mode, trading_date}   (GET /sim/clock)
  instruments -> dict[Symbol, InstrumentInfo]; has_symbol(s); ensure_symbol(s) -> InstrumentInfo
  snapshot(s) -> QuoteSnapshot (KeyError naming an unlisted symbol)
  daily_bars(s, start, end) -> list[MarketBar] (history + today's running bar, oldest first)
  minute_bars(s, until=None) -> list[MarketBar] (today, HH:MM:00 labels, oldest first)
  open_account(account_no, hts_id, cash, name="") -> Ledger; ledger(a); account_hts_id(a); accounts()
  submit_order(account_no, symbol, side, order_type, qty, price) -> OrderResult
  revise_order(account_no, orig_odno, qty | None, price, order_type=LIMIT) -> OrderResult
  cancel_order(account_no, orig_odno, qty=None) -> OrderResult (odno = the cancel row's number)
  add_listener(fn) / remove_listener(fn): TradePrint | BookUpdate | OrderNotice, synchronously
  push_path(symbol, prices, seconds=60.0); burst(symbol, n) -> prints made
  exchange -> kistrade.exchange.venue.Exchange (read-only use: engine.limits(symbol), ...)

Changes after the 14:15 UTC interface draft:
CHANGED (14:20 UTC): ``Phase`` and ``RejectReason`` are the core's enums
  (``kistrade.domain.sessions.Phase``: PRE_OPEN_AUCTION, CONTINUOUS, CLOSING_AUCTION, AFTER_HOURS,
  CLOSED; ``kistrade.exchange.events.RejectReason``: OUTSIDE_LIMITS, ORDER_DONE,
  QTY_ABOVE_REMAINING, ...), re-exported here. An unknown account raises KeyError (validate
  CANO first: OPSQ2000) instead of a rejection.
CHANGED (14:25 UTC): bars are ``MarketBar`` (+ value/cum_value), ``source`` a catalog.MarketSource
  (SyntheticSource, replay.ReplaySource), keyword ``crowd_params``; ``OrderNotice.account_name``;
  each account gets its own ODNO range (the engine's order ids are global).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from loguru import logger

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.sessions import Phase
from kistrade.domain.types import OrderType, Side, Symbol
from kistrade.exchange.events import (
    AUCTION_PHASES,
    ORDER_PHASES,
    Accepted,
    Cancelled,
    Event,
    Rejected,
    RejectReason,
    Replaced,
)
from kistrade.exchange.ledger import Ledger
from kistrade.exchange.venue import Exchange
from kistrade.kis.simulator.catalog import MarketSource, SyntheticSource
from kistrade.kis.simulator.market_notices import account_notices, dress
from kistrade.kis.simulator.market_run import SymbolRunner, hhmmss
from kistrade.kis.simulator.market_types import (
    BookUpdate,
    DayStats,
    InstrumentInfo,
    Level,
    Listener,
    MarketBar,
    MarketEvent,
    NoticeKind,
    OrderNotice,
    OrderResult,
    QuoteSnapshot,
    TradePrint,
    normalize_account,
)
from kistrade.kis.simulator.replay import IntradayPath, Knot
from kistrade.kis.simulator.sessionclock import SessionClock
from kistrade.kis.simulator.synthetic import CrowdParams

__all__ = [
    "BookUpdate",
    "DayStats",
    "InstrumentInfo",
    "Level",
    "Listener",
    "MarketBar",
    "MarketEvent",
    "MarketHub",
    "NoticeKind",
    "OrderNotice",
    "OrderResult",
    "Phase",
    "QuoteSnapshot",
    "RejectReason",
    "TradePrint",
]


class MarketHub:
    """The simulated market. See the module docstring for conventions."""

    def __init__(
        self,
        symbols: Sequence[Symbol],
        clock: SessionClock,
        source: MarketSource | None = None,
        seed: int = 0,
        calendar: object | None = None,
        *,
        org_no: str = "06010",
        pump_interval: float = 0.02,
        crowd_params: CrowdParams | None = None,
    ) -> None:
        del calendar  # the session clock carries the calendar
        self._clock = clock
        self.source: MarketSource = source if source is not None else SyntheticSource(seed)
        self.seed = seed
        self.org_no = org_no
        self.pump_interval = pump_interval
        self.crowd_params = crowd_params or CrowdParams()
        self.exchange = Exchange()
        self._listeners: list[Listener] = []
        self._accounts: dict[str, tuple[str, str]] = {}  # account -> (hts id, name)
        self._runners: dict[Symbol, SymbolRunner] = {}
        self._task: asyncio.Task[None] | None = None
        self.uncross_phase = Phase.CONTINUOUS
        self._now = clock.now()
        self._day = clock.trading_date_at(self._now)
        phase = clock.phase_at(self._now)
        # open the day in continuous trading (no print), then move to the launch phase
        self.exchange.set_phase(Phase.CONTINUOUS, ts=self._now)
        for symbol in symbols:
            self.ensure_symbol(symbol)
        if phase is not Phase.CONTINUOUS:
            self._transition(self._now, phase)

    # lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._pump(), name="sim-market-pump")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _pump(self) -> None:
        """Catch up with the clock in slices, yielding after ~50 ms of work (a lagging market at
        an extreme ``--speed`` falls behind instead of freezing the event loop)."""
        chunk = timedelta(seconds=max(1.0, self._clock.speed * self.pump_interval))
        while True:
            target = self._clock.now()
            budget = time.monotonic() + 0.05
            try:
                while self._now < target and time.monotonic() < budget:
                    self.advance_to(min(target, self._now + chunk))
            except Exception:  # the pump must survive a bad step; the error is logged
                logger.exception("simulated market step failed")
            await asyncio.sleep(self.pump_interval)

    def advance_to(self, sim_now: datetime) -> None:
        while self._now < sim_now:
            boundary = self._clock.next_boundary(self._now)
            until = min(sim_now, boundary)
            for runner in self._runners.values():
                runner.run_until(until)
            self._now = until
            if until == boundary:
                self._transition(boundary, self._clock.phase_at(boundary))

    def _sync(self) -> datetime:
        self.advance_to(self._clock.now())
        return self._now

    def _transition(self, at: datetime, phase: Phase) -> None:
        old = self.exchange.engine.phase
        if phase is old:
            return
        day = self._clock.trading_date_at(at)
        if phase in ORDER_PHASES and day != self._day:
            self._roll_day(day)
        if old in AUCTION_PHASES:
            for runner in self._runners.values():
                runner.pin_auction(at, old)
        self.uncross_phase = old  # auction prints carry the auction they come from
        self.process_events(self.exchange.set_phase(phase, ts=at))
        for runner in self._runners.values():
            runner.on_phase(at, phase)
            runner.flush()

    def _roll_day(self, day: date) -> None:
        self._day = day
        for runner in self._runners.values():
            runner.roll_day(day, self.source.day_target(runner.symbol, day))
        for account in self.exchange.accounts():
            if self.exchange.ledger(account).trade_date < day:
                self.exchange.ledger(account).start_day(day)

    # reference data and quotes ------------------------------------------------------------
    @property
    def clock(self) -> SessionClock:
        return self._clock

    @property
    def instruments(self) -> dict[Symbol, InstrumentInfo]:
        return {s: r.info for s, r in self._runners.items()}

    def has_symbol(self, symbol: Symbol) -> bool:
        return symbol in self._runners

    def ensure_symbol(self, symbol: Symbol) -> InstrumentInfo:
        runner = self._runners.get(symbol)
        if runner is None:
            runner = SymbolRunner(self, symbol, self._day, self._now)
            self._runners[symbol] = runner
        return runner.info

    def _runner(self, symbol: Symbol) -> SymbolRunner:
        runner = self._runners.get(symbol)
        if runner is None:
            raise KeyError(f"symbol {symbol} is not listed on the simulator")
        return runner

    def snapshot(self, symbol: Symbol) -> QuoteSnapshot:
        return self._runner(symbol).snapshot(self._now)

    def daily_bars(self, symbol: Symbol, start: date, end: date) -> list[MarketBar]:
        return self._runner(symbol).tape.daily_bars(start, end)

    def minute_bars(self, symbol: Symbol, until: datetime | None = None) -> list[MarketBar]:
        return self._runner(symbol).tape.minute_bars(until)

    def phase(self) -> Phase:
        return self.exchange.engine.phase

    def now(self) -> datetime:
        return self._sync()

    def trading_date(self) -> date:
        return self._day

    def clock_info(self) -> dict[str, object]:
        info = self._clock.as_dict()
        info["trading_date"] = self._day.isoformat()
        return info

    # accounts and orders ------------------------------------------------------------------
    def open_account(self, account_no: str, hts_id: str, cash: int, name: str = "") -> Ledger:
        acct = normalize_account(account_no)
        if acct in self._accounts:
            return self.exchange.ledger(acct)
        # engine order ids are global: give each account its own ODNO range
        first = len(self._accounts) * 10_000_000 + 1
        self._accounts[acct] = (hts_id, name)
        return self.exchange.open_account(acct, cash, self._day, org_no=self.org_no, first_odno=first)

    def ledger(self, account_no: str) -> Ledger:
        return self.exchange.ledger(self._account(account_no))

    def account_hts_id(self, account_no: str) -> str:
        return self._accounts[self._account(account_no)][0]

    def accounts(self) -> list[str]:
        return list(self._accounts)

    def _account(self, account_no: str) -> str:
        acct = account_no.replace("-", "").strip()
        if acct not in self._accounts:
            raise KeyError(f"account {account_no!r} is not open on the simulator")
        return acct

    def submit_order(  # noqa: PLR0917 (the documented positional order)
        self,
        account_no: str,
        symbol: Symbol,
        side: Side,
        order_type: OrderType,
        qty: int,
        price: int,
    ) -> OrderResult:
        acct = self._account(account_no)
        now = self._sync()
        if symbol not in self._runners:
            return OrderResult(
                False, reason=RejectReason.UNKNOWN_SYMBOL, message=f"symbol {symbol} is not listed"
            )
        px = None if order_type is OrderType.MARKET else price
        events = self.exchange.place(acct, symbol, side, qty, px, ts=now)
        return self._answer(events, now, Accepted)

    def revise_order(
        self,
        account_no: str,
        orig_odno: str,
        qty: int | None,
        price: int,
        order_type: OrderType = OrderType.LIMIT,
    ) -> OrderResult:
        acct = self._account(account_no)
        now = self._sync()
        px = None if order_type is OrderType.MARKET else price
        events = self.exchange.revise(acct, orig_odno, ts=now, price=px, qty=qty)
        return self._answer(events, now, Replaced)

    def cancel_order(self, account_no: str, orig_odno: str, qty: int | None = None) -> OrderResult:
        acct = self._account(account_no)
        now = self._sync()
        events = self.exchange.cancel(acct, orig_odno, ts=now, qty=qty)
        cancel_odno = ""
        if events and isinstance(events[0], Cancelled):
            cancel_odno = self.exchange.ledger(acct).orders()[-1].odno
        return self._answer(events, now, Cancelled, cancel_odno)

    def _answer(self, events: list[Event], now: datetime, ok: type, cancel_odno: str = "") -> OrderResult:
        first = events[0] if events else None
        if not isinstance(first, ok):
            self.process_events(events)
            if isinstance(first, Rejected):
                return OrderResult(False, reason=first.reason, message=first.message)
            return OrderResult(
                False, reason=RejectReason.UNKNOWN_ORDER, message="the exchange did not answer"
            )
        if isinstance(first, Accepted):
            odno = first.order_id
        elif isinstance(first, Replaced):
            odno = first.new_id
        else:
            odno = cancel_odno
        self.process_events(events, cancel_odno=cancel_odno)
        for runner in self._runners.values():
            runner.flush()
        return OrderResult(True, odno=odno, org_no=self.org_no, ord_time=hhmmss(now))

    # events -----------------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def emit(self, event: MarketEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # one bad listener must not stop the market
                logger.exception("market listener {} failed", listener)

    def process_events(self, events: list[Event], cancel_odno: str = "") -> None:
        """Feed exchange events to the symbols' tapes and turn account events into notices."""
        for event in events:
            symbol = getattr(event, "symbol", None)
            runner = self._runners.get(symbol) if symbol is not None else None
            if runner is not None:
                runner.on_event(event)
            for acct, notice in account_notices(event, self._ledger_or_none, cancel_odno):
                hts_id, name = self._accounts[acct]
                info = self._runners.get(notice.symbol)
                self.emit(dress(notice, acct, hts_id, name, info.info.name if info else notice.symbol))

    def _ledger_or_none(self, owner: str) -> Ledger | None:
        return self.exchange.ledger(owner) if owner in self._accounts else None

    # control (/sim/market) ----------------------------------------------------------------
    def push_path(self, symbol: Symbol, prices: Sequence[int], seconds: float = 60.0) -> None:
        runner = self._runner(symbol)
        if not prices:
            raise InvalidInputError("push_path needs at least one price")
        now = self._sync()
        step = seconds / len(prices)
        kind = runner.info.kind
        knots = [Knot(now + timedelta(seconds=step * (i + 1)), p, True) for i, p in enumerate(prices)]
        runner.push(IntradayPath([Knot(now, runner.tape.stats.last, False), *knots], kind))

    def burst(self, symbol: Symbol, n: int) -> int:
        runner = self._runner(symbol)
        now = self._sync()
        return runner.burst(now, n)
