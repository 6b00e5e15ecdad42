"""An account's cash by settlement date (T+2) and the cash its open buys reserve: the base
class of :class:`~kistrade.exchange.ledger.Ledger`.

* A fill's net cash (``book_flow``) lands in ``deposit`` when the second day roll (``roll_cash``)
  after its trade day is called; ``cash_d2`` adds every unsettled flow; ``cash_d1`` adds earlier
  days' flows and subtracts today's buys (value + commission) but not today's sale proceeds (as
  in the §4.9 example, where a buy today already lowers ``nxdy_excc_amt``).
* Orders spend ``cash_d2`` (KIS lets unsettled sale proceeds be reused): ``orderable_cash =
  cash_d2 - reserved_cash``, the reservations of the open buys.
* A buy reserves ``v + commission(v)`` with ``v = reserve_price * remaining`` (``buy_reserve``;
  the limit price, or the upper limit for a market buy); after each fill the reservation is
  recomputed for what remains (``_rereserve``), and it is zero once the order is done.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import InstrumentKind
from kistrade.exchange.fees import FeeModel
from kistrade.exchange.records import OrderRecord


class AccountCash:
    def __init__(self, cash: int, fees: FeeModel) -> None:
        self.fees = fees
        self.deposit = cash
        """``dnca_tot_amt``: settled cash."""
        self.reserved_cash = 0
        self._day = 0  # trade day index (day rolls so far)
        self._flows: dict[int, int] = {}  # day index -> net unsettled cash
        self._unsettled = 0  # sum(self._flows.values()), kept as they change
        self._spent_today = 0  # today's buy outflows (value + commission)

    @property
    def cash_d1(self) -> int:
        """``nxdy_excc_amt``."""
        earlier = sum(v for d, v in self._flows.items() if d < self._day)
        return self.deposit + earlier - self._spent_today

    @property
    def cash_d2(self) -> int:
        """``prvs_rcdl_excc_amt``: the deposit plus every unsettled flow."""
        return self.deposit + self._unsettled

    @property
    def orderable_cash(self) -> int:
        """``ord_psbl_cash``."""
        return self.deposit + self._unsettled - self.reserved_cash

    def buy_reserve(self, price: int, qty: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
        value = price * qty
        return value + self.fees.commission(value, kind)

    def buyable(self, price: int, kind: InstrumentKind = InstrumentKind.STOCK) -> tuple[int, int]:
        """``(orderable cash, max qty)`` at ``price``: floor(cash / (price * (1 + rate)))."""
        if price <= 0:
            raise InvalidInputError(f"price {price} must be positive to compute a buyable quantity")
        cash = self.orderable_cash
        per_share = Decimal(price) * (1 + self.fees.commission_rate(kind))
        qty = int((Decimal(max(cash, 0)) / per_share).to_integral_value(rounding=ROUND_FLOOR))
        while qty > 0 and self.buy_reserve(price, qty, kind) > cash:  # guard a rate/rounding mismatch
            qty -= 1
        return cash, qty

    def book_flow(self, flow: int, *, buy: bool) -> None:
        """Today's net cash of a fill: ``-(value + commission)`` for a buy, ``value - commission
        - tax`` for a sale."""
        flows, day = self._flows, self._day
        flows[day] = flows.get(day, 0) + flow
        self._unsettled += flow
        if buy:
            self._spent_today -= flow

    def roll_cash(self) -> None:
        """A new trade day: the flows of two days ago and earlier settle into the deposit."""
        self._day += 1
        self._spent_today = 0
        for day in [d for d in self._flows if d <= self._day - 2]:
            settled = self._flows.pop(day)
            self.deposit += settled
            self._unsettled -= settled

    def _set_reserved(self, record: OrderRecord, cash: int) -> None:
        """``record`` (a buy) now reserves ``cash``."""
        self.reserved_cash += cash - record.reserved_cash
        record.reserved_cash = cash

    def _rereserve(self, order: OrderRecord) -> None:
        """A buy's reservation for what remains of it: zero once it is done."""
        remaining = order.remaining
        cash = self.buy_reserve(order.reserve_price, remaining, order.instrument_kind) if remaining else 0
        self._set_reserved(order, cash)
