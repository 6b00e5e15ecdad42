"""The venue: one matching engine plus the ledgers of the accounts trading on it.

This is what the simulator and the backtester call. Every mutating call returns the engine's
``list[Event]``; fills and cancels that touch an account are booked in its ledger before the
call returns. Order ids of account orders are the ledger's 10-digit order numbers (ODNO);
synthetic participants (owner ``MARKET_OWNER``) get engine ids and have no ledger.

    ex = Exchange()                                  # or Exchange(fees=FixedFeeModel())
    ex.engine.list_symbol(Symbol("005930"), 72_000)
    ex.open_account("12345678-01", cash=10_000_000, trade_date=date(2026, 3, 2))
    ex.set_phase(Phase.CONTINUOUS, ts)
    events = ex.place("12345678-01", sym, Side.BUY, 10, 71_800, ts=ts)   # price None = market
    ex.place(MARKET_OWNER, sym, Side.SELL, 10, 71_800, ts=ts)         # the crowd
    ex.revise(account, odno, ts, price=71_900, qty=None); ex.cancel(account, odno, ts, qty=None)
    ex.cross_market(account, sym, Side.BUY, 10, ts=ts)  # an opening-auction cross at the reference
    ex.buyable(account, sym, price_or_None) -> (orderable cash, qty)

The first event of ``place`` is ``Accepted`` (its ``order_id`` is the ODNO) or ``Rejected``; of
``revise`` it is ``Replaced`` (``new_id`` is the new ODNO) or ``Rejected``; of ``cancel`` it is
``Cancelled`` or ``Rejected`` (the cancel's own order row is ``ledger.orders()[-1]``).

Always go through this class (not ``engine.submit``) for crowd orders too, so that fills against
account orders reach the ledgers. A new day: ``set_phase(Phase.CLOSED)`` (expires what rests),
``engine.list_symbol(symbol, base_price=previous_close)`` per symbol, ``start_day(date)``.
"""

from __future__ import annotations

from datetime import date, datetime

from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.domain.sessions import Phase
from kistrade.domain.types import Side, Symbol
from kistrade.exchange.engine import MatchingEngine
from kistrade.exchange.events import MARKET_OWNER, Cancelled, Event, Fill, Rejected
from kistrade.exchange.fees import FeeModel, KrxFeeModel
from kistrade.exchange.ledger import DEFAULT_ORG_NO, Ledger
from kistrade.exchange.records import OrderRecord


class Exchange:
    def __init__(self, engine: MatchingEngine | None = None, fees: FeeModel | None = None) -> None:
        self.engine = engine if engine is not None else MatchingEngine()
        self.fees: FeeModel = fees if fees is not None else KrxFeeModel()
        self._ledgers: dict[str, Ledger] = {}

    # --- accounts ------------------------------------------------------------------------

    def open_account(
        self,
        account_id: str,
        cash: int,
        trade_date: date,
        *,
        org_no: str = DEFAULT_ORG_NO,
        first_odno: int = 1,
    ) -> Ledger:
        if account_id == MARKET_OWNER or account_id in self._ledgers:
            raise InvalidInputError(f"account id {account_id!r} is reserved or already open")
        ledger = Ledger(account_id, cash, trade_date, fees=self.fees, org_no=org_no, first_odno=first_odno)
        self._ledgers[account_id] = ledger
        return ledger

    def ledger(self, account_id: str) -> Ledger:
        ledger = self._ledgers.get(account_id)
        if ledger is None:
            raise InvalidInputError(f"unknown account {account_id!r}")
        return ledger

    def accounts(self) -> list[str]:
        return list(self._ledgers)

    def start_day(self, trade_date: date) -> None:
        """Roll every ledger to ``trade_date`` (list the day's symbols on the engine too)."""
        for ledger in self._ledgers.values():
            ledger.start_day(trade_date)

    def buyable(self, account_id: str, symbol: Symbol, price: int | None) -> tuple[int, int]:
        """``(orderable cash, max qty)``; a market order (``None``) is priced at the upper limit."""
        ledger = self.ledger(account_id)
        kind = self.engine.instrument(symbol).kind
        return ledger.buyable(price if price is not None else self.engine.limits(symbol).upper, kind)

    # --- orders --------------------------------------------------------------------------

    def place(
        self, owner: str, symbol: Symbol, side: Side, qty: int, price: int | None, *, ts: datetime
    ) -> list[Event]:
        ledger = self._ledgers.get(owner)
        if ledger is None:
            if owner != MARKET_OWNER:
                raise InvalidInputError(f"unknown account {owner!r}")
            return self._book(self.engine.submit(owner, symbol, side, qty, price, ts=ts))
        record = self._open(ledger, symbol, side, qty, price, ts=ts, need_open=True)
        if isinstance(record, Rejected):
            return [record]
        return self._book(self.engine.submit(owner, symbol, side, qty, price, ts=ts, order_id=record.odno))

    def cross_market(self, owner: str, symbol: Symbol, side: Side, qty: int, *, ts: datetime) -> list[Event]:
        """An account's market order crossed in an opening auction against an equal crowd market
        order at the reference price (``MatchingEngine.cross_market``: the book must be empty);
        the ledger reserves and books it as for ``place``. First event Accepted or Rejected."""
        ledger = self.ledger(owner)
        record = self._open(ledger, symbol, side, qty, None, ts=ts, need_open=False)
        if isinstance(record, Rejected):
            return [record]
        odno = record.odno
        events = self.engine.cross_market(owner, symbol, side, qty, ts=ts, order_id=odno, crowd=MARKET_OWNER)
        # The events are fixed (Accepted, the crowd's Accepted, one Fill, AuctionUncross): of
        # them ``_book`` books only the Fill's account leg (the crowd has no ledger).
        fill = events[2]
        assert type(fill) is Fill
        ledger.on_fill(odno, fill.price, fill.qty, fill.ts)
        return events

    def _open(
        self,
        ledger: Ledger,
        symbol: Symbol,
        side: Side,
        qty: int,
        price: int | None,
        *,
        ts: datetime,
        need_open: bool,
    ) -> OrderRecord | Rejected:
        """The engine's entry checks, then the ledger's order (funds or shares reserved; a market
        buy at the day's upper limit)."""
        engine = self.engine
        problem = engine.validate(symbol, qty, price, need_open=need_open)
        if problem is not None:
            return Rejected(problem[0], problem[1], ledger.account_id, ts, symbol)
        listing = engine.listing(symbol)
        inst = listing.instrument
        reserve_price = price if price is not None else listing.stats.limits.upper
        return ledger.place(
            symbol, side, qty, price, reserve_price=reserve_price, ts=ts, market=inst.market, kind=inst.kind
        )

    def revise(
        self, owner: str, odno: str, ts: datetime, price: int | None, qty: int | None = None
    ) -> list[Event]:
        """Move ``qty`` (default all remaining) of order ``odno`` to a new order at ``price``."""
        if owner == MARKET_OWNER:
            return self._book(self.engine.revise(odno, ts, price, qty))
        ledger = self.ledger(owner)
        record = ledger.order(odno)
        if record is not None and record.remaining > 0:
            problem = self.engine.validate(record.symbol, qty or record.remaining, price)
            if problem is not None:
                return [Rejected(problem[0], problem[1], owner, ts, record.symbol, odno)]
        reserve_price = 0
        if record is not None and price is None:
            reserve_price = self.engine.limits(record.symbol).upper
        new = ledger.revise(odno, price, price if price is not None else reserve_price, ts, qty)
        if isinstance(new, Rejected):
            return [new]
        return self._book(self.engine.revise(odno, ts, price, new.qty, new_order_id=new.odno))

    def cancel(self, owner: str, odno: str, ts: datetime, qty: int | None = None) -> list[Event]:
        """Cancel ``qty`` (default all remaining) of order ``odno``."""
        if owner == MARKET_OWNER:
            return self._book(self.engine.cancel(odno, ts, qty))
        request = self.ledger(owner).cancel(odno, ts, qty)
        if isinstance(request, Rejected):
            return [request]
        events = self.engine.cancel(odno, ts, request.qty)
        if isinstance(events[0], Rejected):
            raise StateError(f"order {odno} is open in the ledger but not in the book: {events[0].message}")
        return self._book(events)

    def set_phase(self, phase: Phase, ts: datetime) -> list[Event]:
        return self._book(self.engine.set_phase(phase, ts))

    # --- booking -------------------------------------------------------------------------

    def _book(self, events: list[Event]) -> list[Event]:
        for event in events:
            if type(event) is Fill:  # events are final classes: dispatch on the exact type
                self._book_fill(event)
            elif type(event) is Cancelled:
                ledger = self._ledgers.get(event.owner)
                if ledger is not None:
                    ledger.on_cancelled(event.order_id, event.qty)
            elif type(event) is Rejected and event.owner in self._ledgers and event.order_id:
                raise StateError(f"engine refused a request the ledger accepted: {event.message}")
        return events

    def _book_fill(self, fill: Fill) -> None:
        """Book both legs of ``fill`` (buy, then sell) in their accounts' ledgers."""
        ledgers = self._ledgers
        ledger = ledgers.get(fill.buy_owner)
        if ledger is not None:
            ledger.on_fill(fill.buy_id, fill.price, fill.qty, fill.ts)
        ledger = ledgers.get(fill.sell_owner)
        if ledger is not None:
            ledger.on_fill(fill.sell_id, fill.price, fill.qty, fill.ts)
