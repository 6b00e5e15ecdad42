"""Approved orders become :class:`~kistrade.domain.orders.Order` s; broker events drive them.

``OrderRouter`` owns the open orders. ``create`` makes an Order (NEW, with a client id) from an
:class:`~kistrade.engine.risk.ApprovedOrder`, reserves its cash (buys: value + commission at the
reserve price) or shares (sells), and returns the :class:`SubmitOrder` command. The I/O layer
writes the order to the store, sends it and reports back with broker events (``apply``):
OrderSent, OrderAccepted, OrderRejected, OrderFilled, OrderCancelled, CancelRefused,
OrderRevised, OrderExpired. Each returns a :class:`Step` of engine events (and commands: a cancel
asked for before the broker's ack is sent when the ack arrives).

Idempotency: a fill id applied before changes nothing (``DuplicateFill``); a repeated ack is
ignored; an event for an order the router does not know is reported (``UnknownOrderEvent``) and
one that contradicts the order (an overfill, a fill on a cancelled order) is reported
(``InvalidBrokerEvent``) without changing anything. Costs of a fill come from the event when the
broker gave them, else from the cost model (commission on every fill, sell tax on sells).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from kistrade.domain.costs import CostModel
from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.domain.orders import Order, OrderState, make_client_order_id
from kistrade.domain.types import InstrumentKind, Market, Side, Symbol
from kistrade.engine.events import (
    BrokerEvent,
    CancelOrder,
    CancelRefused,
    DuplicateFill,
    FillApplied,
    InvalidBrokerEvent,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderRevised,
    OrderSent,
    OrderUpdated,
    ReviseOrder,
    Step,
    SubmitOrder,
    UnknownOrderEvent,
)
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk_sizing import ApprovedOrder

# Enum members read on every order and broker event, as module globals: on Python 3.11
# ``Side.BUY`` goes through ``EnumType.__getattr__`` (~80 ns a read against ~10 ns for a global).
_BUY, _SELL = Side.BUY, Side.SELL
_NEW, _CANCEL_PENDING, _CANCELLED = OrderState.NEW, OrderState.CANCEL_PENDING, OrderState.CANCELLED
_REJECTED, _EXPIRED = OrderState.REJECTED, OrderState.EXPIRED


class ClientIdFactory:
    """``YYYYMMDD-NNNNNN-SUFFIX`` ids. The sequence restarts at 1 each trade date; ``suffix`` (random
    per process, chosen by the caller; fixed in backtests) keeps ids unique across restarts.
    After a restart pass ``start_seq`` = 1 + the highest sequence stored for today."""

    def __init__(self, suffix: str, start_seq: int = 1) -> None:
        make_client_order_id(date(2000, 1, 1), start_seq, suffix)  # validates both
        self.suffix = suffix
        self._day: date | None = None
        self._seq = start_seq
        self._prefix = ""  # YYYYMMDD of ``_day``, taken from its first (validated) id

    def next(self, day: date) -> str:
        seq = self._seq
        if day != self._day:
            if self._day is not None:
                seq = 1
            self._day = day
            cid = make_client_order_id(day, seq, self.suffix)
            self._prefix = cid[:8]
        elif seq > 999_999:
            cid = make_client_order_id(day, seq, self.suffix)  # raises: the day's ids ran out
        else:
            cid = f"{self._prefix}-{str(seq).zfill(6)}-{self.suffix}"  # zfill: faster than :06d
        self._seq = seq + 1
        return cid


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    market: Market = Market.KOSPI
    kind: InstrumentKind = InstrumentKind.STOCK


_DEFAULT_INSTRUMENT = InstrumentInfo()  # of a symbol not in ``OrderRouter.instruments``


class OrderRouter:
    def __init__(
        self,
        portfolio: Portfolio,
        ids: ClientIdFactory,
        *,
        costs: CostModel | None = None,
        instruments: dict[Symbol, InstrumentInfo] | None = None,
    ) -> None:
        self.portfolio = portfolio
        self.ids = ids
        self.costs = costs or CostModel()
        self.instruments = instruments if instruments is not None else {}
        self._orders: dict[str, Order] = {}
        self._open: dict[str, Order] = {}  # every open order (and closed ones not pruned yet)
        self._by_broker: dict[str, str] = {}
        self._reserve_price: dict[str, int] = {}
        self._cancel_wanted: dict[str, str] = {}

    # --- queries ---------------------------------------------------------------------------

    def order(self, client_order_id: str) -> Order | None:
        return self._orders.get(client_order_id)

    def by_broker_id(self, broker_order_id: str) -> Order | None:
        cid = self._by_broker.get(broker_order_id)
        return self._orders.get(cid) if cid is not None else None

    def orders(self) -> list[Order]:
        return list(self._orders.values())

    def open_orders(self, symbol: Symbol | None = None) -> list[Order]:
        """Open orders in creation order. Scans only the open-order index (orders join it when
        tracked and leave it when a change closes them: terminal states never reopen), so the
        cost does not grow with the day's order count."""
        return [o for o in self._open.values() if o.is_open and (symbol is None or o.symbol == symbol)]

    # --- creating and restoring ------------------------------------------------------------

    def create(self, approved: ApprovedOrder, ts: datetime) -> tuple[Order, SubmitOrder]:
        """A NEW order for ``approved`` (reservations made) and the command to send it."""
        cid = self.ids.next(ts.date())
        if cid in self._orders:
            raise StateError(f"client order id {cid} is already in use")
        symbol, side, order_type = approved.symbol, approved.side, approved.order_type
        qty, limit_price, purpose = approved.qty, approved.limit_price, approved.purpose
        order = Order(cid, symbol, side, order_type, qty, limit_price, purpose, ts)
        self._track(order, approved.reserve_price)
        return order, SubmitOrder(cid, symbol, side, order_type, qty, limit_price, purpose, ts)

    def restore(self, order: Order, reserve_price: int | None = None) -> None:
        """Track an order loaded from the store (recovery); reservations are rebuilt for what remains."""
        if order.client_order_id in self._orders:
            raise StateError(f"order {order.client_order_id} is already tracked")
        price = reserve_price or order.limit_price or 0
        if order.side is _BUY and order.is_open and price <= 0:
            raise InvalidInputError(f"open buy {order.client_order_id} needs a reserve price to restore")
        self._track(order, price)

    def _track(self, order: Order, reserve_price: int) -> None:
        self._orders[order.client_order_id] = order
        if order.is_open:
            self._open[order.client_order_id] = order
        self._reserve_price[order.client_order_id] = reserve_price
        if order.broker_order_id:
            self._by_broker[order.broker_order_id] = order.client_order_id
        for old in order.previous_broker_ids:
            self._by_broker[old] = order.client_order_id
        self._rereserve(order)

    # --- commands --------------------------------------------------------------------------

    def cancel(self, client_order_id: str, ts: datetime, reason: str = "") -> Step:
        """Cancel the remainder. NEW: cancelled at once (never sent). Not yet acknowledged: the
        cancel is sent when the ack arrives. Otherwise CANCEL_PENDING and a CancelOrder command."""
        order = self._need(client_order_id)
        step = Step()
        seen = len(order.history)
        if order.state is _NEW:
            order.request_cancel(ts, reason)
            self._after_change(order, seen, step)
        elif order.is_open and not order.broker_order_id:  # no ODNO yet: cancel on the ack
            self._cancel_wanted[client_order_id] = reason
        elif order.is_open and order.state is not _CANCEL_PENDING:
            order.request_cancel(ts, reason)
            self._after_change(order, seen, step)
            step.commands.append(self._cancel_cmd(order, ts, reason))
        return step

    def revise(self, client_order_id: str, new_limit_price: int, ts: datetime) -> ReviseOrder:
        """A command moving the remainder to ``new_limit_price`` (validate the price first)."""
        order = self._need(client_order_id)
        if not order.is_open or order.state is _CANCEL_PENDING or not order.broker_order_id:
            raise StateError(
                f"order {client_order_id} cannot be revised in state {order.state.value}"
                + ("" if order.broker_order_id else " (not acknowledged yet)")
            )
        return ReviseOrder(
            client_order_id,
            order.broker_order_id,
            order.broker_org_no,
            order.symbol,
            order.remaining_qty,
            new_limit_price,
            ts,
        )

    def _cancel_cmd(self, order: Order, ts: datetime, reason: str) -> CancelOrder:
        assert order.broker_order_id is not None
        return CancelOrder(
            order.client_order_id,
            order.broker_order_id,
            order.broker_org_no,
            order.symbol,
            order.qty - order.filled_qty,
            ts,
            reason,
        )

    # --- broker events ---------------------------------------------------------------------

    def apply(self, event: BrokerEvent) -> Step:
        """Apply one broker event to its order and the portfolio."""
        step = Step()
        self.apply_into(event, step)
        return step

    def apply_into(self, event: BrokerEvent, step: Step) -> FillApplied | None:
        """``apply``, adding to ``step`` (the kernel's); returns the FillApplied it added (an
        applied fill), else None."""
        ident = getattr(event, "client_order_id", None)  # the order, by our id or else the broker's
        if ident:
            order = self._orders.get(ident)
        else:
            ident = getattr(event, "broker_order_id", None)
            order = self.by_broker_id(ident) if ident else None
        if order is None:
            step.events.append(UnknownOrderEvent(event.ts, event, f"no order {ident} is tracked"))
            return None
        seen, filled = len(order.history), order.filled_qty
        try:
            applied = self._dispatch(order, event, step)
        except (StateError, InvalidInputError) as exc:
            step.events.append(InvalidBrokerEvent(event.ts, order.client_order_id, event, str(exc)))
            return None
        self._report_updates(order, seen, step)
        # an ack, a sent report or a refused cancel leaves what the order holds back as it was:
        # still open, the same remainder (an order's qty never changes: the same filled qty) at
        # the same reserve price (only a revise moves it); then the reservation stands
        if order.state.is_terminal or order.filled_qty != filled or isinstance(event, OrderRevised):
            self._rereserve(order)
        return applied

    def _dispatch(self, order: Order, event: BrokerEvent, step: Step) -> FillApplied | None:
        cid = order.client_order_id
        if isinstance(event, OrderSent):
            if order.state is _NEW:  # a repeated or late report changes nothing
                order.submit(event.ts)
        elif isinstance(event, OrderAccepted):
            if order.accept(event.ts, event.broker_order_id, event.org_no):
                self._by_broker[event.broker_order_id] = cid
                if cid in self._cancel_wanted and order.is_open:
                    reason = self._cancel_wanted.pop(cid)
                    order.request_cancel(event.ts, reason)
                    step.commands.append(self._cancel_cmd(order, event.ts, reason))
        elif isinstance(event, OrderFilled):
            return self._fill(order, event, step)
        elif isinstance(event, OrderRejected):
            if order.state is not _REJECTED:
                order.reject(event.ts, event.reason)
        elif isinstance(event, OrderCancelled):
            if order.state is not _CANCELLED:
                order.cancelled(event.ts, event.reason)
        elif isinstance(event, CancelRefused):
            order.cancel_refused(event.ts, event.reason)
        elif isinstance(event, OrderRevised):
            order.revised(event.ts, event.new_broker_order_id, event.new_limit_price)
            self._by_broker[event.new_broker_order_id] = cid
            if event.new_limit_price is not None and order.side is _BUY:
                self._reserve_price[cid] = event.new_limit_price
        elif isinstance(event, OrderExpired) and order.state is not _EXPIRED:
            order.expire(event.ts)
        return None

    def _fill(self, order: Order, event: OrderFilled, step: Step) -> FillApplied | None:
        cid = order.client_order_id
        if order.has_fill(event.fill_id):
            step.events.append(DuplicateFill(event.ts, cid, event.fill_id))
            return None
        if order.side is _SELL and event.qty > self.portfolio.qty(order.symbol):
            raise StateError(
                f"fill {event.fill_id} sells {event.qty} {order.symbol} but only "
                f"{self.portfolio.qty(order.symbol)} are held"
            )
        commission, tax = self._costs(order, event)
        order.apply_fill(event.fill_id, event.qty, event.price, event.ts, commission=commission, tax=tax)
        realized = self.portfolio.apply_fill(
            order.symbol, order.side, event.qty, event.price, commission=commission, tax=tax
        )
        applied = FillApplied(
            event.ts,
            cid,
            event.fill_id,
            order.symbol,
            order.side,
            event.qty,
            event.price,
            commission,
            tax,
            realized,
        )
        step.events.append(applied)
        return applied

    def _costs(self, order: Order, event: OrderFilled) -> tuple[int, int]:
        commission, tax = event.commission, event.tax
        if order.side is _BUY:
            if commission is None:
                commission = self.costs.buy_cost(event.qty * event.price, event.ts.date())
            return commission, tax or 0
        if commission is not None and tax is not None:  # the broker's (a backtest's venue gives both)
            return commission, tax
        info = self.instruments.get(order.symbol, _DEFAULT_INSTRUMENT)
        fee, due = self.costs.sell_costs(event.qty * event.price, event.ts.date(), info.market, info.kind)
        return fee if commission is None else commission, due if tax is None else tax

    def catch_up_fill(
        self, client_order_id: str, total_qty: int, total_value: int, ts: datetime
    ) -> list[OrderFilled]:
        """For reconciliation from REST totals (daily fills: filled qty and value of an order):
        the fills that bring the local order up to the broker's totals ([] when in sync).

        The missing value is booked exactly: with ``p = value // qty`` and ``r = value - p * qty``,
        ``r`` shares at ``p + 1`` and the rest at ``p`` (one fill when ``r`` is 0), so the
        purchase amount equals the broker's to the won. Ids are ``<odno or client id>:sync:<total
        qty>`` (``…:hi`` for the ``p + 1`` part), so replaying the same totals is a duplicate.
        Raises StateError when the local order has more filled than the broker reports."""
        order = self._need(client_order_id)
        missing_qty = total_qty - order.filled_qty
        if missing_qty < 0:
            raise StateError(
                f"order {client_order_id}: {order.filled_qty} filled locally "
                f"but the broker reports {total_qty}"
            )
        if missing_qty == 0:
            return []
        missing_value = total_value - order.filled_value
        low, high_qty = divmod(missing_value, missing_qty)
        key = f"{order.broker_order_id or client_order_id}:sync:{total_qty}"
        fills = []
        if missing_qty - high_qty:
            fills.append(OrderFilled(ts, key, missing_qty - high_qty, low, client_order_id=client_order_id))
        if high_qty:
            fills.append(OrderFilled(ts, f"{key}:hi", high_qty, low + 1, client_order_id=client_order_id))
        return fills

    # --- bookkeeping -----------------------------------------------------------------------

    def expire_open(self, ts: datetime, reason: str = "session ended") -> Step:
        """Expire every open order locally (backtests at the session end)."""
        step = Step()
        for order in self.open_orders():
            seen = len(order.history)
            if order.state is _NEW:
                order.request_cancel(ts, reason)
            else:
                order.expire(ts, reason)
            self._after_change(order, seen, step)
        return step

    def _after_change(self, order: Order, seen: int, step: Step) -> None:
        """``_report_updates``, then re-reserve."""
        self._report_updates(order, seen, step)
        self._rereserve(order)

    @staticmethod
    def _report_updates(order: Order, seen: int, step: Step) -> None:
        """One OrderUpdated per transition since ``seen`` (the history length before)."""
        history = order.history
        if len(history) > seen:
            cid, events = order.client_order_id, step.events
            for t in history[seen:]:
                events.append(OrderUpdated(t.ts, cid, t.from_state, t.to_state, t.reason))

    def _rereserve(self, order: Order) -> None:
        cid = order.client_order_id
        if order.state.is_terminal:
            self.portfolio.release(cid)
            self._cancel_wanted.pop(cid, None)
            self._open.pop(cid, None)
            return
        remaining = order.qty - order.filled_qty  # ``remaining_qty`` of an open order
        if order.side is _BUY:
            price = self._reserve_price[cid]
            value = price * remaining
            amount = value + self.costs.buy_cost(value, order.created_at.date())
            self.portfolio.reserve_cash(cid, order.symbol, amount)
        else:
            self.portfolio.reserve_shares(cid, order.symbol, remaining)

    def _need(self, client_order_id: str) -> Order:
        order = self._orders.get(client_order_id)
        if order is None:
            raise InvalidInputError(f"no order {client_order_id} is tracked")
        return order

    def known_fill_ids(self) -> Iterable[str]:
        for o in self._orders.values():
            for f in o.fills:
                yield f.fill_id
