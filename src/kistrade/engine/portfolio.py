"""Cash, positions and P&L, updated from fills (costs included), marked at last prices.

Average price as KIS computes it (``pchs_avg_pric``): a holding carries ``purchase_amount``
(``pchs_amt``, the sum of buy values WITHOUT fees); ``avg_price = purchase_amount / qty`` to 4
decimals. A sell of ``q`` out of ``n`` shares keeps ``purchase_amount * (n - q) // n`` (floor), so
the average barely moves and the amount is exactly 0 when flat. This is the same rule as
``kistrade.exchange.records.Holding`` (the simulator's ledger); tests check they agree.

Cash is one number (no D+2 split): buys take ``value + commission``, sells give
``value - commission - tax``. Realized P&L of a sell fill = value - purchase cost removed -
commission - tax (buy commissions are not in the cost basis, as in KIS's pchs_amt; they show in
``total_commission``).

Invariant (tested as a property): ``cash + cost_basis + total_commission + total_tax -
gross_realized == initial cash + deposits`` with ``gross_realized`` = sum of (sell value - cost
removed).

Reservations: open buy orders reserve cash (``reserve_cash``), open sell orders reserve shares
(``reserve_shares``); ``available_cash`` and ``sellable_qty`` subtract them. Besides the
reservation of each order, per-symbol totals (and the cash total) are kept up to date by the same
three methods that change reservations (``reserve_cash``, ``reserve_shares``, ``release``), so
the risk gate's queries on every intent are dictionary reads, not scans of the open orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kistrade.domain.errors import InvalidInputError, StateError
from kistrade.domain.types import Position, Side, Symbol

AVG_QUANTUM = Decimal("0.0001")

# read on every fill and intent, as module globals: on Python 3.11 ``Side.BUY`` goes through
# ``EnumType.__getattr__`` (~80 ns a read against ~10 ns for a global)
_BUY, _SELL = Side.BUY, Side.SELL


@dataclass(slots=True)
class Holding:
    """One symbol's position. ``purchase_amount`` is KIS ``pchs_amt`` (no fees)."""

    symbol: Symbol
    qty: int = 0
    purchase_amount: int = 0
    last_price: int | None = None
    realized_pnl: int = 0

    @property
    def avg_price(self) -> Decimal:
        """``pchs_avg_pric`` = purchase_amount / qty to 4 decimals (0 when flat)."""
        if not self.qty:
            return Decimal(0)
        return (Decimal(self.purchase_amount) / self.qty).quantize(AVG_QUANTUM)

    @property
    def market_value(self) -> int:
        """qty x last price; at cost when no price is known yet."""
        if self.last_price is None:
            return self.purchase_amount
        return self.qty * self.last_price

    @property
    def unrealized_pnl(self) -> int:
        return self.market_value - self.purchase_amount

    def to_position(self) -> Position:
        return Position(symbol=self.symbol, qty=self.qty, avg_price=self.avg_price)


def sell_cost_removed(purchase_amount: int, qty_held: int, qty_sold: int) -> int:
    """The purchase amount a sell of ``qty_sold`` of ``qty_held`` takes out (KIS proportional rule)."""
    if not 0 < qty_sold <= qty_held:
        raise InvalidInputError(f"cannot sell {qty_sold} of {qty_held} shares")
    kept = purchase_amount * (qty_held - qty_sold) // qty_held
    return purchase_amount - kept


class Portfolio:
    def __init__(self, cash: int) -> None:
        if cash < 0:
            raise InvalidInputError(f"initial cash {cash} is negative")
        self.cash = cash
        self.contributed = cash
        """Initial cash plus deposits minus withdrawals (for the conservation check)."""
        self._holdings: dict[Symbol, Holding] = {}
        self._cash_reservations: dict[str, tuple[Symbol, int]] = {}
        self._share_reservations: dict[str, tuple[Symbol, int]] = {}
        self._cash_by_symbol: dict[Symbol, int] = {}
        """Sum of ``_cash_reservations`` per symbol (only symbols with a reservation: every one is > 0)."""
        self._shares_by_symbol: dict[Symbol, int] = {}
        """Sum of ``_share_reservations`` per symbol (likewise)."""
        self._reserved_cash = 0
        self.total_commission = 0
        self.total_tax = 0
        self.realized_pnl = 0
        self.gross_realized = 0
        self.day_start_equity: int = cash

    # --- queries ---------------------------------------------------------------------------

    def holding(self, symbol: Symbol) -> Holding | None:
        return self._holdings.get(symbol)

    def holdings(self) -> list[Holding]:
        """Every non-flat holding."""
        return [h for h in self._holdings.values() if h.qty]

    def positions(self) -> list[Position]:
        return [h.to_position() for h in self.holdings()]

    def qty(self, symbol: Symbol) -> int:
        h = self._holdings.get(symbol)
        return h.qty if h is not None else 0

    def last_price(self, symbol: Symbol) -> int | None:
        h = self._holdings.get(symbol)
        return h.last_price if h is not None else None

    @property
    def cost_basis(self) -> int:
        return sum(h.purchase_amount for h in self._holdings.values())

    @property
    def market_value(self) -> int:
        """Holdings marked at their last prices (at cost when never marked): ``equity - cash``."""
        return self.equity - self.cash

    @property
    def unrealized_pnl(self) -> int:
        return sum(h.unrealized_pnl for h in self._holdings.values())

    @property
    def equity(self) -> int:
        """Cash + holdings marked at their last prices (at cost when never marked)."""
        total = self.cash
        for h in self._holdings.values():  # Holding.market_value, inlined (every bar reads it)
            price = h.last_price
            total += h.purchase_amount if price is None else h.qty * price
        return total

    @property
    def reserved_cash(self) -> int:
        return self._reserved_cash

    @property
    def available_cash(self) -> int:
        return self.cash - self._reserved_cash

    def reserved_shares(self, symbol: Symbol) -> int:
        return self._shares_by_symbol.get(symbol, 0)

    def sellable_qty(self, symbol: Symbol) -> int:
        """``qty(symbol) - reserved_shares(symbol)`` (read for every exit)."""
        h = self._holdings.get(symbol)
        return (h.qty if h is not None else 0) - self._shares_by_symbol.get(symbol, 0)

    @property
    def daily_pnl(self) -> int:
        return self.equity - self.day_start_equity

    @property
    def daily_return_pct(self) -> Decimal:
        """Equity change since the day started, in percent (0 when the day started at 0)."""
        return self.return_pct(self.equity)

    def return_pct(self, equity: int) -> Decimal:
        """``daily_return_pct`` if the equity were ``equity`` (monotone in ``equity``)."""
        if self.day_start_equity <= 0:
            return Decimal(0)
        return Decimal(equity - self.day_start_equity) * 100 / Decimal(self.day_start_equity)

    # --- updates ---------------------------------------------------------------------------

    def mark(self, symbol: Symbol, price: int) -> None:
        """Record the last traded price of ``symbol`` (for equity and stop rules)."""
        if price <= 0:
            raise InvalidInputError(f"mark price {price} for {symbol} must be positive")
        h = self._holdings.get(symbol)  # ``_holding``, inlined (every signal bar and fill marks)
        if h is None:
            h = self._holding(symbol)
        h.last_price = price

    def start_day(self) -> int:
        """Set the day's start equity (for the daily loss rule) from the current marks; return it."""
        self.day_start_equity = self.equity
        return self.day_start_equity

    def deposit(self, amount: int) -> None:
        """Cash in (> 0) or out (< 0) that is not trading."""
        if self.cash + amount < 0:
            raise InvalidInputError(f"withdrawal of {-amount} exceeds cash {self.cash}")
        self.cash += amount
        self.contributed += amount

    def seed_holding(self, symbol: Symbol, qty: int, purchase_amount: int) -> None:
        """Set a holding from the broker's balance (start-up); it counts as contributed capital."""
        if qty < 0 or purchase_amount < 0:
            raise InvalidInputError(f"holding {symbol}: qty {qty} and amount {purchase_amount} must be >= 0")
        h = self._holding(symbol)
        self.contributed += purchase_amount - h.purchase_amount
        h.qty, h.purchase_amount = qty, purchase_amount

    def apply_fill(
        self, symbol: Symbol, side: Side, qty: int, price: int, *, commission: int = 0, tax: int = 0
    ) -> int:
        """Book one fill; return its realized P&L (0 for buys). Selling more than held is an error."""
        if qty <= 0 or price <= 0 or commission < 0 or tax < 0:
            raise InvalidInputError(
                f"fill {symbol} {side} qty {qty} price {price} commission {commission} tax {tax} is invalid"
            )
        h = self._holdings.get(symbol)
        if h is None:
            h = self._holding(symbol)
        if side is _SELL and qty > h.qty:
            raise StateError(f"selling {qty} {symbol} but only {h.qty} are held (no short selling)")
        value = qty * price
        self.total_commission += commission
        self.total_tax += tax
        if side is _BUY:
            self.cash -= value + commission
            h.qty += qty
            h.purchase_amount += value
            return 0
        removed = sell_cost_removed(h.purchase_amount, h.qty, qty)
        h.qty -= qty
        h.purchase_amount -= removed
        self.cash += value - commission - tax
        gross = value - removed
        realized = gross - commission - tax
        self.gross_realized += gross
        self.realized_pnl += realized
        h.realized_pnl += realized
        return realized

    # --- reservations ----------------------------------------------------------------------

    def reserved_cash_symbol(self, symbol: Symbol) -> int:
        """Cash held by open buy orders of ``symbol``."""
        return self._cash_by_symbol.get(symbol, 0)

    def has_reservation(self, symbol: Symbol, side: Side) -> bool:
        """Whether an open order of ``symbol`` on ``side`` holds cash (buy) or shares (sell)."""
        return symbol in (self._cash_by_symbol if side is _BUY else self._shares_by_symbol)

    def symbols_with_open_buys(self) -> set[Symbol]:
        return set(self._cash_by_symbol)

    def count_in_use(self) -> int:
        """How many symbols have shares held or an open buy (what ``max_open_positions`` counts)."""
        buying = self._cash_by_symbol
        n = len(buying)
        for s, h in self._holdings.items():
            if h.qty and s not in buying:
                n += 1
        return n

    def reserve_cash(self, key: str, symbol: Symbol, amount: int) -> None:
        """Hold ``amount`` won for open buy order ``key`` (replaces its previous reservation)."""
        if amount < 0:
            raise InvalidInputError(f"reservation {key}: amount {amount} is negative")
        self._reserved_cash += _put(self._cash_reservations, self._cash_by_symbol, key, symbol, amount)

    def reserve_shares(self, key: str, symbol: Symbol, qty: int) -> None:
        """Hold ``qty`` shares for open sell order ``key`` (replaces its previous reservation)."""
        if qty < 0:
            raise InvalidInputError(f"reservation {key}: qty {qty} is negative")
        _put(self._share_reservations, self._shares_by_symbol, key, symbol, qty)

    def release(self, key: str) -> None:
        self._reserved_cash -= _take(self._cash_reservations, self._cash_by_symbol, key)
        _take(self._share_reservations, self._shares_by_symbol, key)

    def _holding(self, symbol: Symbol) -> Holding:
        h = self._holdings.get(symbol)
        if h is None:
            h = self._holdings[symbol] = Holding(symbol)
        return h


def _take(book: dict[str, tuple[Symbol, int]], totals: dict[Symbol, int], key: str) -> int:
    """Remove ``key``'s reservation from ``book`` and its symbol's total; return its amount (0: none)."""
    held = book.pop(key, None)
    if held is None:
        return 0
    symbol, amount = held
    left = totals[symbol] - amount
    if left:
        totals[symbol] = left
    else:
        del totals[symbol]
    return amount


def _put(
    book: dict[str, tuple[Symbol, int]], totals: dict[Symbol, int], key: str, symbol: Symbol, amount: int
) -> int:
    """Set ``key``'s reservation to ``amount`` of ``symbol`` (0: none), keeping the per-symbol
    totals; return the change of the overall total."""
    old = book.get(key)
    if old is None:
        if amount:
            book[key] = (symbol, amount)
            totals[symbol] = totals.get(symbol, 0) + amount
        return amount
    if old[1] == amount and old[0] == symbol:  # unchanged (an order re-reserved after an ack)
        return 0
    taken = _take(book, totals, key)
    return _put(book, totals, key, symbol, amount) - taken
