"""Persistence of the trader's state: orders <-> store records, fills with their ids, the day's
portfolio baseline, and the trading switch.

The store's repositories cover orders, fills, events and the risk switch. Two reads they do not
offer are written here as minimal SQL over ``SqliteStore.db`` (reported to the store's owner):
the fills with their ``exec_id`` in insertion order (to rebuild orders and the portfolio
exactly), and the highest client-order sequence of a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kistrade.domain.intents import IntentPurpose
from kistrade.domain.orders import Order, OrderState
from kistrade.domain.types import Fill, Side, Symbol
from kistrade.engine.events import FillApplied, TradingState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.switch import SwitchSnapshot
from kistrade.store.codec import from_us
from kistrade.store.records import EventRecord, OrderRecord, RiskSwitch, kst_date
from kistrade.store.sqlite_store import SqliteStore

BASELINE_KIND = "trader.baseline"
ADJUST_KIND = "trader.adjust"
NO_BROKER_ID = "-"


@dataclass(frozen=True, slots=True)
class StoredFill:
    exec_id: str
    client_order_id: str
    broker_order_id: str
    symbol: Symbol
    side: Side
    qty: int
    price: int
    ts: datetime
    commission: int
    tax: int


def to_record(order: Order, reason: str = "") -> OrderRecord:
    updated = order.updated_at or order.created_at
    return OrderRecord(
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        qty=order.qty,
        price=order.limit_price,
        state=order.state.value,
        created_at=order.created_at,
        updated_at=updated,
        broker_order_id=order.broker_order_id,
        broker_org_no=order.broker_org_no,
        filled_qty=order.filled_qty,
        reason=reason or f"purpose={order.purpose.value}",
        trade_date=kst_date(order.created_at),  # created_at comes from the trader's Clock
    )


def _purpose(reason: str) -> IntentPurpose:
    for part in reason.split():
        if part.startswith("purpose="):
            try:
                return IntentPurpose(part.removeprefix("purpose="))
            except ValueError:
                break
    return IntentPurpose.ENTRY


def from_record(rec: OrderRecord, fills: list[StoredFill]) -> Order:
    """Rebuild an order: its fills (by id) re-applied, then the stored state where it is later."""
    order = Order(
        client_order_id=rec.client_order_id,
        symbol=rec.symbol,
        side=rec.side,
        order_type=rec.order_type,
        qty=rec.qty,
        limit_price=rec.price,
        purpose=_purpose(rec.reason),
        created_at=rec.created_at,
    )
    order.broker_order_id = rec.broker_order_id
    order.broker_org_no = rec.broker_org_no
    stored = OrderState(rec.state)
    if stored is not OrderState.NEW:
        order.state = OrderState.ACCEPTED if rec.broker_order_id else OrderState.SUBMITTED
    for f in fills:
        order.apply_fill(f.exec_id, f.qty, f.price, f.ts, commission=f.commission, tax=f.tax)
    if order.is_open and (stored.is_terminal or stored is OrderState.CANCEL_PENDING):
        order.state = stored
    order.updated_at = rec.updated_at
    return order


async def load_fills(store: SqliteStore) -> list[StoredFill]:
    """Every fill with its exec id, in the order it was recorded."""
    rows = await store.db.fetchall(
        "SELECT exec_id, client_order_id, broker_order_id, symbol, side, qty, price, ts, commission, tax "
        "FROM fills ORDER BY id"
    )
    return [
        StoredFill(
            r[0].partition("/")[2] or r[0],
            r[1],
            r[2],
            Symbol(r[3]),
            Side(r[4]),
            r[5],
            r[6],
            from_us(r[7]),
            r[8],
            r[9],
        )
        for r in rows
    ]


def exec_id(fill_id: str, ts: datetime) -> str:
    """The stored exec id: the fill's date, then the engine's fill id. Since schema 4 the store
    keys fills by (trade date, broker order id, exec id), so the date prefix is redundant; it is
    kept so that a fill recorded before the upgrade and seen again after it (a restart on the same
    day) still matches its stored id. ``load_fills`` strips it."""
    return f"{ts:%Y%m%d}/{fill_id}"


def fill_of(order: Order, ev: FillApplied) -> Fill:
    return Fill(
        order.client_order_id,
        order.broker_order_id or NO_BROKER_ID,
        order.symbol,
        order.side,
        ev.qty,
        ev.price,
        ev.ts,
        ev.commission,
        ev.tax,
    )


def max_sequence(records: list[OrderRecord], day: date) -> int:
    prefix = f"{day:%Y%m%d}-"
    seqs = [int(r.client_order_id.split("-")[1]) for r in records if r.client_order_id.startswith(prefix)]
    return max(seqs, default=0)


# --- the day's baseline: cash and holdings before the bot's first order of the day ------------


@dataclass(frozen=True, slots=True)
class Baseline:
    day: date
    cash: int
    holdings: tuple[tuple[str, int, int], ...]  # symbol, qty, purchase amount

    def portfolio(self) -> Portfolio:
        p = Portfolio(self.cash)
        for sym, qty, amount in self.holdings:
            if qty:
                p.seed_holding(Symbol(sym), qty, amount)
        return p

    def detail(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "cash": self.cash, "holdings": [list(h) for h in self.holdings]}


async def load_baseline(store: SqliteStore, day: date) -> Baseline | None:
    for ev in reversed(await store.list_events(BASELINE_KIND)):
        d = ev.detail
        if d.get("day") == day.isoformat():
            holdings = tuple((str(h[0]), int(h[1]), int(h[2])) for h in d.get("holdings", []))
            return Baseline(day, int(d["cash"]), holdings)
    return None


async def save_baseline(store: SqliteStore, baseline: Baseline, ts: datetime) -> None:
    await store.add_event(EventRecord(ts, BASELINE_KIND, baseline.detail()))


async def load_switch(store: SqliteStore) -> SwitchSnapshot | None:
    rec = await store.get_risk_state()
    if rec is None:
        return None
    return SwitchSnapshot(TradingState(rec.state.value), rec.reason, rec.source, rec.ts)


async def save_switch(
    store: SqliteStore, state: TradingState, reason: str, source: str, ts: datetime
) -> None:
    await store.set_risk_state(RiskSwitch(state.value), reason, ts, source=source)


# --- adjustments: broker figures adopted after a reconciliation (fee rounding) ---------------


async def save_adjustment(
    store: SqliteStore, day: date, ts: datetime, cash_delta: int, amounts: list[tuple[str, int]]
) -> None:
    """Store what adopting the broker's figures changed (cash delta, purchase-amount deltas), so
    a restart that rebuilds the books from the baseline and the fills applies it again."""
    detail = {"day": day.isoformat(), "cash": cash_delta, "amounts": [list(a) for a in amounts]}
    await store.add_event(EventRecord(ts, ADJUST_KIND, detail))


async def apply_adjustments(store: SqliteStore, day: date, portfolio: Portfolio) -> int:
    n = 0
    for ev in await store.list_events(ADJUST_KIND):
        d = ev.detail
        if d.get("day") != day.isoformat():
            continue
        portfolio.deposit(int(d["cash"]))
        for sym, delta in d.get("amounts", []):
            h = portfolio.holding(Symbol(sym))
            if h is not None and h.qty:
                portfolio.seed_holding(h.symbol, h.qty, h.purchase_amount + int(delta))
        n += 1
    return n
