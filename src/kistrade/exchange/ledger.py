"""One account's books: cash (D+0/D+1/D+2) and reservations (in its base class
:class:`~kistrade.exchange.cash.AccountCash`), holdings, orders and fills, costs.

Usually driven by :class:`~kistrade.exchange.venue.Exchange`, which calls ``place`` / ``revise``
/ ``cancel`` before touching the engine and feeds engine events back through ``on_fill`` and
``on_cancelled``. Queries (for the KIS TRs): ``deposit`` (dnca_tot_amt), ``cash_d1``
(nxdy_excc_amt), ``cash_d2`` (prvs_rcdl_excc_amt), ``orderable_cash`` (ord_psbl_cash),
``holdings()``, ``buy_amount_today``/``sell_amount_today``, ``costs_today`` (thdt_tlex_amt),
``realized_pnl``, ``orders()``, ``open_orders()``, ``order(odno)``, ``buyable(price)``.

Rules (documented choices):

* Settlement T+2 (``AccountCash``): a fill's net cash lands in ``deposit`` when the second
  ``start_day`` after its trade day is called; orders spend ``cash_d2`` (``orderable_cash``).
* Reservations (``AccountCash``): a buy reserves ``v + commission(v)`` for what remains of it at
  its reserve price (the limit, or the upper limit for a market buy); a sell reserves its shares.
* Costs are per fill, each floored to the won: commission on every fill; sell tax on sells by
  trade date (the fee model maps it to the settlement date).
* ``purchase_amount`` (pchs_amt) is the sum of buy values without fees. A sell of ``q`` out of
  ``n`` shares keeps ``purchase_amount * (n - q) // n`` (floor) so the average barely moves and
  reaches exactly 0 when flat; realized P&L of the fill = value - cost removed - commission - tax.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.domain.types import KST, InstrumentKind, Market, OrderType, Side, Symbol
from kistrade.exchange.cash import AccountCash
from kistrade.exchange.events import Rejected, RejectReason
from kistrade.exchange.fees import FeeModel, FixedFeeModel
from kistrade.exchange.records import Holding, LedgerFill, OrderKind, OrderRecord

DEFAULT_ORG_NO = "00950"

_BUY = Side.BUY  # enum members as module globals: a class attribute look-up costs ~90 ns
_NEW = OrderKind.NEW
_MARKET = OrderType.MARKET
_LIMIT = OrderType.LIMIT


class Ledger(AccountCash):
    def __init__(
        self,
        account_id: str,
        cash: int,
        trade_date: date,
        *,
        fees: FeeModel | None = None,
        org_no: str = DEFAULT_ORG_NO,
        first_odno: int = 1,
    ) -> None:
        if cash < 0:
            raise InvalidInputError(f"initial cash {cash} of account {account_id} is negative")
        super().__init__(cash, fees if fees is not None else FixedFeeModel())
        self.account_id = account_id
        self.org_no = org_no
        self.trade_date = trade_date
        self._next_odno = first_odno
        self._orders: dict[str, OrderRecord] = {}
        self._live: dict[str, OrderRecord] = {}
        """The orders with something remaining (``open_orders`` without a scan of the day)."""
        self._holdings: dict[Symbol, Holding] = {}
        self.buy_amount_today = 0
        self.sell_amount_today = 0
        self.costs_today = 0
        self.buy_amount_prev_day = 0
        self.sell_amount_prev_day = 0
        self.costs_prev_day = 0
        self.realized_pnl = 0
        self.total_commission = 0
        self.total_tax = 0

    # --- holdings and orders -------------------------------------------------------------

    def holding(self, symbol: Symbol) -> Holding | None:
        return self._holdings.get(symbol)

    def holdings(self) -> list[Holding]:
        return list(self._holdings.values())

    def add_shares(
        self,
        symbol: Symbol,
        qty: int,
        purchase_amount: int,
        market: Market = Market.KOSPI,
        kind: InstrumentKind = InstrumentKind.STOCK,
    ) -> Holding:
        """Seed a position (account set-up), bought on earlier days."""
        if qty <= 0 or purchase_amount < 0:
            raise InvalidInputError(f"cannot add {qty} shares of {symbol} for {purchase_amount} won")
        h = self._holding(symbol, market, kind)
        h.qty += qty
        h.purchase_amount += purchase_amount
        return h

    def order(self, odno: str) -> OrderRecord | None:
        return self._orders.get(odno)

    def orders(self, trade_date: date | None = None) -> list[OrderRecord]:
        """Every order row (new, revise, cancel) in order-number order, optionally of one day."""
        return [o for o in self._orders.values() if trade_date is None or o.trade_date == trade_date]

    def open_orders(self) -> list[OrderRecord]:
        """Orders with a remaining quantity, in order-number order."""
        return list(self._live.values())

    def fills(self) -> Iterator[LedgerFill]:
        for order in self._orders.values():
            yield from order.fills

    # --- day roll ------------------------------------------------------------------------

    def start_day(self, trade_date: date) -> None:
        """Begin a new trading day: settle T+2 flows, roll today's totals to previous day."""
        if trade_date <= self.trade_date:
            raise InvalidInputError(f"new trade date {trade_date} is not after {self.trade_date}")
        if self.open_orders():
            raise StateError(f"account {self.account_id} still has open orders; expire them first")
        self.roll_cash()
        self.trade_date = trade_date
        self.buy_amount_prev_day, self.buy_amount_today = self.buy_amount_today, 0
        self.sell_amount_prev_day, self.sell_amount_today = self.sell_amount_today, 0
        self.costs_prev_day, self.costs_today = self.costs_today, 0
        for symbol, h in list(self._holdings.items()):
            h.bought_prev_day, h.bought_today = h.bought_today, 0
            h.sold_prev_day, h.sold_today = h.sold_today, 0
            if h.qty == 0 and h.sold_prev_day == 0:
                del self._holdings[symbol]

    # --- requests ------------------------------------------------------------------------

    def place(
        self,
        symbol: Symbol,
        side: Side,
        qty: int,
        price: int | None,
        *,
        reserve_price: int,
        ts: datetime,
        market: Market = Market.KOSPI,
        kind: InstrumentKind = InstrumentKind.STOCK,
    ) -> OrderRecord | Rejected:
        """Check funds/shares, reserve them and open an order record with a new order number.

        ``reserve_price``: the limit price, or the day's upper limit for a market buy.
        """
        if qty <= 0:
            return self._reject(RejectReason.INVALID_QTY, f"quantity {qty} must be positive", ts, symbol)
        reserve = 0
        if side is _BUY:
            reserve = self.buy_reserve(reserve_price, qty, kind)
            orderable = self.orderable_cash
            if reserve > orderable:
                msg = f"buying {qty} {symbol} needs {reserve} won; orderable cash is {orderable}"
                return self._reject(RejectReason.INSUFFICIENT_CASH, msg, ts, symbol)
        else:
            reserve_price = 0  # a sell reserves shares
            h = self._holdings.get(symbol)
            have = h.orderable if h is not None else 0
            if qty > have:
                msg = f"selling {qty} {symbol} but only {have} shares are orderable"
                return self._reject(RejectReason.INSUFFICIENT_SHARES, msg, ts, symbol)
        record = self._new_record(
            _NEW,
            "",
            symbol,
            side,
            qty,
            price=price,
            ts=ts,
            market=market,
            instrument_kind=kind,
            reserve_price=reserve_price,
            remaining=qty,
        )
        self._live[record.odno] = record
        self._reserve(record, reserve)
        return record

    def revise(
        self, odno: str, price: int | None, reserve_price: int, ts: datetime, qty: int | None = None
    ) -> OrderRecord | Rejected:
        """Move ``qty`` (default all remaining) of an open order to a new order at ``price``."""
        original = self._open(odno, ts)
        if isinstance(original, Rejected):
            return original
        move = original.remaining if qty is None else qty
        bad = self._check_qty(original, move, "revise", ts)
        if bad is not None:
            return bad
        k = original.instrument_kind
        new_reserve = old_after = 0
        if original.side is Side.BUY:
            new_reserve = self.buy_reserve(reserve_price, move, k)
            old_after = self.buy_reserve(original.reserve_price, original.remaining - move, k)
            freed = original.reserved_cash - old_after
            if new_reserve > self.orderable_cash + freed:
                avail = self.orderable_cash + freed
                msg = f"revising order {odno} needs {new_reserve} won; orderable is {avail}"
                return self._reject(RejectReason.INSUFFICIENT_CASH, msg, ts, original.symbol, odno)
        new = self._derived(OrderKind.REVISE, original, move, price, ts)
        original.remaining -= move
        original.revised_qty += move
        new.remaining = move
        self._left(original)
        self._live[new.odno] = new
        if original.side is Side.BUY:
            new.reserve_price = reserve_price
            self._set_reserved(original, old_after if original.remaining else 0)
            self._reserve(new, new_reserve)
        return new

    def cancel(self, odno: str, ts: datetime, qty: int | None = None) -> OrderRecord | Rejected:
        """Record a cancel request for ``qty`` (default all remaining) of an open order.

        The original is updated when the engine's ``Cancelled`` event arrives (``on_cancelled``).
        """
        original = self._open(odno, ts)
        if isinstance(original, Rejected):
            return original
        take = original.remaining if qty is None else qty
        bad = self._check_qty(original, take, "cancel", ts)
        if bad is not None:
            return bad
        rec = self._derived(OrderKind.CANCEL, original, take, original.price or None, ts)
        rec.cancelled_qty = take
        return rec

    # --- engine events -------------------------------------------------------------------

    def on_fill(self, odno: str, price: int, qty: int, ts: datetime) -> LedgerFill:
        order = self._orders.get(odno)
        if order is None or qty > order.remaining:
            raise StateError(
                f"fill of {qty} for order {odno} that is not open for that much in {self.account_id}"
            )
        value = price * qty
        kind = order.instrument_kind
        commission = self.fees.commission(value, kind)
        symbol = order.symbol
        h = self._holdings.get(symbol)
        if h is None:
            h = self._holdings[symbol] = Holding(symbol=symbol, market=order.market, kind=kind)
        side = order.side
        if side is _BUY:
            tax = realized = 0
            flow = -(value + commission)
            self.buy_amount_today += value
            h.book_buy(qty, value)
        else:
            tax = self.fees.sell_tax(value, ts.astimezone(KST).date(), order.market, kind)
            flow = value - commission - tax
            self.sell_amount_today += value
            realized = value - h.book_sell(qty) - commission - tax
            self.realized_pnl += realized
        self.book_flow(flow, buy=side is _BUY)
        self.costs_today += commission + tax
        self.total_commission += commission
        self.total_tax += tax
        order.remaining -= qty
        if not order.remaining:  # _left
            self._live.pop(odno, None)
        order.filled_qty += qty
        order.filled_value += value
        order.commission += commission
        order.tax += tax
        if side is _BUY:
            self._rereserve(order)
        fill = LedgerFill(odno, symbol, side, price, qty, ts, commission, tax, realized)
        order.fills.append(fill)
        return fill

    def on_cancelled(self, odno: str, qty: int) -> OrderRecord:
        """The engine cancelled/expired ``qty`` of order ``odno``: release its reservation."""
        order = self._orders.get(odno)
        if order is None or qty > order.remaining:
            raise StateError(
                f"cancel of {qty} for order {odno} that is not open for that much in {self.account_id}"
            )
        order.remaining -= qty
        self._left(order)
        order.cancelled_qty += qty
        if order.side is Side.BUY:
            self._rereserve(order)
        else:
            self._holdings[order.symbol].reserved -= qty
        return order

    # --- internals -----------------------------------------------------------------------

    def _reject(
        self,
        reason: RejectReason,
        message: str,
        ts: datetime,
        symbol: Symbol | None = None,
        odno: str | None = None,
    ) -> Rejected:
        return Rejected(reason, message, self.account_id, ts, symbol, odno)

    def _open(self, odno: str, ts: datetime) -> OrderRecord | Rejected:
        order = self._orders.get(odno)
        if order is None or order.kind is OrderKind.CANCEL:
            return self._reject(
                RejectReason.UNKNOWN_ORDER, f"no order {odno} in account {self.account_id}", ts, odno=odno
            )
        if order.remaining == 0:
            msg = f"order {odno} has nothing left to revise or cancel ({order.state})"
            return self._reject(RejectReason.ORDER_DONE, msg, ts, order.symbol, odno)
        return order

    def _check_qty(self, original: OrderRecord, qty: int, what: str, ts: datetime) -> Rejected | None:
        if qty <= 0:
            msg = f"{what} quantity {qty} must be positive"
            return self._reject(RejectReason.INVALID_QTY, msg, ts, original.symbol, original.odno)
        if qty > original.remaining:
            msg = f"cannot {what} {qty} of order {original.odno}: only {original.remaining} remain"
            return self._reject(RejectReason.QTY_ABOVE_REMAINING, msg, ts, original.symbol, original.odno)
        return None

    def _derived(
        self, kind: OrderKind, original: OrderRecord, qty: int, price: int | None, ts: datetime
    ) -> OrderRecord:
        return self._new_record(
            kind,
            original.odno,
            original.symbol,
            original.side,
            qty,
            price=price,
            ts=ts,
            market=original.market,
            instrument_kind=original.instrument_kind,
        )

    def _holding(self, symbol: Symbol, market: Market, kind: InstrumentKind) -> Holding:
        h = self._holdings.get(symbol)
        if h is None:
            h = self._holdings[symbol] = Holding(symbol=symbol, market=market, kind=kind)
        return h

    def _new_record(
        self,
        kind: OrderKind,
        orgn: str,
        symbol: Symbol,
        side: Side,
        qty: int,
        *,
        price: int | None,
        ts: datetime,
        market: Market,
        instrument_kind: InstrumentKind,
        reserve_price: int = 0,
        remaining: int = 0,
    ) -> OrderRecord:
        """A new order row with the next order number (registered in the day's orders)."""
        n = self._next_odno
        self._next_odno = n + 1
        odno = str(n).zfill(10)  # f"{n:010d}", cheaper
        self._orders[odno] = record = OrderRecord(
            odno,
            self.org_no,
            orgn,
            kind,
            symbol,
            side,
            _MARKET if price is None else _LIMIT,
            qty,
            price or 0,
            ts,
            self.trade_date,
            market,
            instrument_kind,
            reserve_price,
            remaining,
        )
        return record

    def _left(self, order: OrderRecord) -> None:
        """After ``order.remaining`` went down: drop it from the open orders at 0."""
        if not order.remaining:
            self._live.pop(order.odno, None)

    def _reserve(self, record: OrderRecord, cash: int) -> None:
        if record.side is Side.BUY:
            self._set_reserved(record, cash)
        else:
            self._holdings[record.symbol].reserved += record.remaining
