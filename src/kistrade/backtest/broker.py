"""The simulated broker: the :class:`~kistrade.exchange.Exchange` venue with one account, and the
translation of its events into the engine's broker events (what KIS notices become live).

Bar mode fills through a synthetic opening auction at the bar's open: the symbol is listed with
the fill price as its base (reference) price, the account's market order and an opposite crowd
market order of the same size enter the PRE_OPEN_AUCTION, and the switch to CONTINUOUS uncrosses
them at the reference price. For a market order into an empty book (every ``rsi`` fill) the
venue does that in one call, ``Exchange.cross_market``, with the same events, order ids, ledger
books and stats (tests/unit/test_backtest_broker_cross.py); limit orders go through the phases.
Tick mode (:meth:`SimBroker.place`) sends the order into the continuous book the runner rebuilt
from the recorded book: it fills level by level and a market order's unfilled rest is cancelled
(partial fill).

The venue account is funded with the backtest cash plus ``FUNDING_MARGIN``: the ledger
reserves a market buy at the day's upper limit (as KIS does) while the engine sizes it at the
fill price; the engine's Portfolio is the book of record and ``ledger cash - margin ==
portfolio cash`` is checked in tests.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from kistrade.backtest.config import BacktestConfig, FillCosts
from kistrade.domain.sessions import Phase
from kistrade.domain.ticks import tick_size
from kistrade.domain.types import InstrumentKind, Market, Side, Symbol
from kistrade.engine.events import (
    BrokerEvent,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderSent,
    SubmitOrder,
)
from kistrade.exchange import (
    AUCTION_PHASES,
    MARKET_OWNER,
    Accepted,
    Cancelled,
    CancelReason,
    Event,
    Exchange,
    Fill,
    Rejected,
)

_BUY, _SELL = Side.BUY, Side.SELL  # enum members as module globals: cheaper on the fill path
_CONTINUOUS = Phase.CONTINUOUS
_EXPIRED = CancelReason.EXPIRED

ACCOUNT = "BACKTEST-01"
FUNDING_MARGIN = 10**15
"""Extra venue cash (a credit line) so the ledger's upper-limit reservation never refuses."""


class CostFees:
    """The exchange FeeModel backed by the backtest's costs (so ledger and engine agree)."""

    def __init__(self, costs: FillCosts) -> None:
        self._costs = costs

    def commission_rate(self, kind: InstrumentKind = InstrumentKind.STOCK) -> Decimal:
        return self._costs.config.commission_rate

    def commission(self, value: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
        return self._costs.commission(value)

    def sell_tax(
        self,
        value: int,
        trade_date: date,
        market: Market = Market.KOSPI,
        kind: InstrumentKind = InstrumentKind.STOCK,
    ) -> int:
        return self._costs.tax(value, trade_date)


class SimBroker:
    def __init__(
        self, symbol: Symbol, config: BacktestConfig, costs: FillCosts, day: date, base: int
    ) -> None:
        self.symbol = symbol
        self.config = config
        self.costs = costs
        self.margin = FUNDING_MARGIN
        self.exchange = Exchange(fees=CostFees(costs))
        self.ledger = self.exchange.open_account(ACCOUNT, config.cash + self.margin, day)
        self.day = day
        self._cid: dict[str, str] = {}
        self._fills = 0
        self.relist(base)

    def relist(self, base: int) -> None:
        """(Re-)list the symbol for the day with ``base`` as its reference price."""
        cfg = self.config
        self.exchange.engine.list_symbol(self.symbol, base, market=cfg.market, kind=cfg.kind, on=self.day)

    def new_day(self, day: date, ts: datetime) -> list[BrokerEvent]:
        """Close the previous day (resting orders expire) and roll the ledger."""
        out = self.translate(self.exchange.set_phase(Phase.CLOSED, ts))
        self.day = day
        self.exchange.start_day(day)
        return out

    def set_phase(self, phase: Phase, ts: datetime) -> list[BrokerEvent]:
        return self.translate(self.exchange.set_phase(phase, ts))

    def slipped(self, price: int, side: Side) -> int:
        n = self.config.slippage_ticks
        if n == 0:
            return price
        step = tick_size(price, self.config.kind, on=self.day, market=self.config.market)
        return price + n * step if side is _BUY else max(price - n * step, 1)

    def auction(self, cmd: SubmitOrder, price: int, ts: datetime) -> list[BrokerEvent]:
        """Fill ``cmd`` in a synthetic opening auction at ``price`` (plus slippage). A market order
        into an empty book takes the venue's one-call cross (``Exchange.cross_market``: the same
        events and books as the phase-by-phase auction, which everything else goes through)."""
        ex = self.exchange
        engine = ex.engine
        if (
            cmd.limit_price is None
            and engine.phase not in AUCTION_PHASES
            and not len(engine.book(cmd.symbol))
        ):
            self.relist(self.slipped(price, cmd.side))
            out = self._crossed(cmd, ex.cross_market(ACCOUNT, cmd.symbol, cmd.side, cmd.qty, ts=ts), ts)
            if engine.phase is not _CONTINUOUS:  # as the phased auction leaves it (no events)
                ex.set_phase(_CONTINUOUS, ts)
            return out
        return self.phased_auction(cmd, price, ts)

    def phased_auction(self, cmd: SubmitOrder, price: int, ts: datetime) -> list[BrokerEvent]:
        """``auction`` through the venue's phases: PRE_OPEN_AUCTION, the order and the crowd's,
        then CONTINUOUS (the uncross)."""
        ex = self.exchange
        self.relist(self.slipped(price, cmd.side))
        ex.set_phase(Phase.PRE_OPEN_AUCTION, ts)
        out = self.place(cmd, ts)
        if any(isinstance(e, OrderAccepted) for e in out):
            crowd = Side.SELL if cmd.side is Side.BUY else Side.BUY
            ex.place(MARKET_OWNER, cmd.symbol, crowd, cmd.qty, None, ts=ts)
        out.extend(self.translate(ex.set_phase(Phase.CONTINUOUS, ts)))
        return out

    def place(self, cmd: SubmitOrder, ts: datetime) -> list[BrokerEvent]:
        """Send ``cmd`` to the venue in its current phase."""
        return self._sent(
            cmd, self.exchange.place(ACCOUNT, cmd.symbol, cmd.side, cmd.qty, cmd.limit_price, ts=ts), ts
        )

    def _sent(self, cmd: SubmitOrder, events: list[Event], ts: datetime) -> list[BrokerEvent]:
        """The broker events of a venue order entry: sent, accepted or rejected, then the rest."""
        first = events[0]
        cid = cmd.client_order_id
        out: list[BrokerEvent] = [OrderSent(cid, ts)]
        if type(first) is Accepted:
            self._cid[first.order_id] = cid
            out.append(OrderAccepted(ts, first.order_id, self.ledger.org_no, cid))
        elif type(first) is Rejected:
            out.append(OrderRejected(ts, first.message, client_order_id=cid))
        self._translate(events, 1, out)
        return out

    def _crossed(self, cmd: SubmitOrder, events: list[Event], ts: datetime) -> list[BrokerEvent]:
        """``_sent`` of an ``Exchange.cross_market``: once accepted, a cross's events are fixed
        (the account's Accepted, the crowd's, one Fill of the account's whole order, the
        AuctionUncross), so its broker events are sent, accepted and that one fill."""
        first = events[0]
        if type(first) is not Accepted:
            return self._sent(cmd, events, ts)  # refused
        odno, cid = first.order_id, cmd.client_order_id
        self._cid[odno] = cid
        fill = events[2]
        assert type(fill) is Fill  # the fixed shape above
        accepted = OrderAccepted(ts, odno, self.ledger.org_no, cid)
        return [OrderSent(cid, ts), accepted, self._filled(fill, odno, first.side, cid)]

    def cancel(self, client_order_id: str, ts: datetime) -> list[BrokerEvent]:
        odno = next((o for o, c in self._cid.items() if c == client_order_id), None)
        if odno is None:
            return []
        return self.translate(self.exchange.cancel(ACCOUNT, odno, ts))

    def translate(self, events: list[Event]) -> list[BrokerEvent]:
        out: list[BrokerEvent] = []
        self._translate(events, 0, out)
        return out

    def _translate(self, events: list[Event], start: int, out: list[BrokerEvent]) -> None:
        """Append the broker events of ``events[start:]`` (the account's fills, cancels and
        expiries) to ``out``. Venue events are final classes: dispatch on the exact type."""
        for k in range(start, len(events)):
            ev = events[k]
            if type(ev) is Fill:
                if ev.buy_owner == ACCOUNT:
                    out.append(self._filled(ev, ev.buy_id, _BUY, self._cid.get(ev.buy_id)))
                if ev.sell_owner == ACCOUNT:
                    out.append(self._filled(ev, ev.sell_id, _SELL, self._cid.get(ev.sell_id)))
            elif type(ev) is Cancelled and ev.owner == ACCOUNT:
                cid = self._cid.get(ev.order_id)
                if ev.reason is _EXPIRED:
                    out.append(OrderExpired(ev.ts, cid, ev.order_id))
                else:
                    out.append(OrderCancelled(ev.ts, cid, ev.order_id, str(ev.reason)))

    def _filled(self, ev: Fill, order_id: str, side: Side, cid: str | None) -> OrderFilled:
        """The account's leg ``order_id`` (client order ``cid``) of fill ``ev`` as an
        OrderFilled with its costs."""
        self._fills += 1
        value = ev.price * ev.qty
        costs = self.costs
        fee = costs.commission(value)
        tax = 0 if side is _BUY else costs.tax(value, self.day)
        fill_id = f"{order_id}-{self._fills}"
        return OrderFilled(ev.ts, fill_id, ev.qty, ev.price, cid, order_id, fee, tax)

    @property
    def ledger_cash(self) -> int:
        """The account's D+2 cash minus the funding margin (equals the engine's cash)."""
        return self.ledger.cash_d2 - self.margin
