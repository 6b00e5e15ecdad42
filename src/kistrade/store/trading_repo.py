"""Trading-state repositories: orders, fills, positions, signals, account snapshots, risk switch."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import Fill, OrderType, Position, Side, Symbol
from kistrade.store.codec import from_us, to_us
from kistrade.store.db import Database
from kistrade.store.records import AccountSnapshot, OrderRecord, RiskStateRecord, RiskSwitch, SignalRecord

_SELECT_ORDERS = (
    "SELECT client_order_id, symbol, side, order_type, qty, price, state, created_at, updated_at, "
    "broker_order_id, broker_org_no, filled_qty, reason, trade_date FROM orders "
)
# trade_date is not updated on conflict: the order's fills are keyed by it.
_UPSERT_ORDER = (
    "INSERT INTO orders (client_order_id, symbol, side, order_type, qty, price, state, created_at, "
    "updated_at, broker_order_id, broker_org_no, filled_qty, reason, trade_date) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (client_order_id) DO UPDATE SET symbol = excluded.symbol, side = excluded.side, "
    "order_type = excluded.order_type, qty = excluded.qty, price = excluded.price, "
    "state = excluded.state, updated_at = excluded.updated_at, "
    "broker_order_id = excluded.broker_order_id, broker_org_no = excluded.broker_org_no, "
    "filled_qty = excluded.filled_qty, reason = excluded.reason"
)
# The fill's trade date is the one given, else its order's (a missing order leaves it NULL, which
# NOT NULL refuses like the foreign key would).
_INSERT_FILL = (
    "INSERT INTO fills (client_order_id, broker_order_id, symbol, side, qty, price, ts, commission, tax, "
    "exec_id, trade_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "COALESCE(?, (SELECT trade_date FROM orders WHERE client_order_id = ?))) "
    "ON CONFLICT (trade_date, broker_order_id, exec_id) DO NOTHING"
)
_SELECT_FILLS = (
    "SELECT client_order_id, broker_order_id, symbol, side, qty, price, ts, commission, tax FROM fills "
)
_UPSERT_POSITION = (
    "INSERT INTO positions (symbol, qty, avg_price) VALUES (?, ?, ?) "
    "ON CONFLICT (symbol) DO UPDATE SET qty = excluded.qty, avg_price = excluded.avg_price"
)
_FAR_PAST = -(2**62)
_FAR_FUTURE = 2**62


def _bounds(start: datetime | None, end: datetime | None) -> tuple[int, int]:
    return (_FAR_PAST if start is None else to_us(start), _FAR_FUTURE if end is None else to_us(end))


def _order(r: tuple[Any, ...]) -> OrderRecord:
    return OrderRecord(
        client_order_id=r[0],
        symbol=Symbol(r[1]),
        side=Side(r[2]),
        order_type=OrderType(r[3]),
        qty=r[4],
        price=r[5],
        state=r[6],
        created_at=from_us(r[7]),
        updated_at=from_us(r[8]),
        broker_order_id=r[9],
        broker_org_no=r[10],
        filled_qty=r[11],
        reason=r[12],
        trade_date=date.fromisoformat(r[13]),
    )


def _fill(r: tuple[Any, ...]) -> Fill:
    return Fill(r[0], r[1], Symbol(r[2]), Side(r[3]), r[4], r[5], from_us(r[6]), r[7], r[8])


class TradingRepo:
    db: Database

    # -- orders -------------------------------------------------------------------------------
    async def save_order(self, order: OrderRecord) -> None:
        """Insert or update an order by ``client_order_id`` (call before sending, and on every change)."""
        row = (
            order.client_order_id,
            order.symbol,
            order.side.value,
            order.order_type.value,
            order.qty,
            order.price,
            order.state,
            to_us(order.created_at),
            to_us(order.updated_at),
            order.broker_order_id,
            order.broker_org_no,
            order.filled_qty,
            order.reason,
            order.day.isoformat(),
        )
        await self.db.write(
            _UPSERT_ORDER,
            row,
        )

    async def get_order(self, client_order_id: str) -> OrderRecord | None:
        row = await self.db.fetchone(_SELECT_ORDERS + "WHERE client_order_id = ?", (client_order_id,))
        return None if row is None else _order(row)

    async def get_order_by_broker_id(
        self, broker_order_id: str, trade_date: date | None = None
    ) -> OrderRecord | None:
        """The order with this broker order id on ``trade_date`` (KIS order numbers restart every
        day); with None, the most recent trade date's order of that id."""
        if trade_date is None:
            row = await self.db.fetchone(
                _SELECT_ORDERS + "WHERE broker_order_id = ? ORDER BY trade_date DESC LIMIT 1",
                (broker_order_id,),
            )
        else:
            row = await self.db.fetchone(
                _SELECT_ORDERS + "WHERE broker_order_id = ? AND trade_date = ?",
                (broker_order_id, trade_date.isoformat()),
            )
        return None if row is None else _order(row)

    async def list_orders(self, states: Iterable[str] | None = None) -> list[OrderRecord]:
        """Orders (optionally only those in ``states``), oldest first."""
        wanted = None if states is None else sorted(set(states))
        if wanted is None:
            rows = await self.db.fetchall(_SELECT_ORDERS + "ORDER BY created_at, rowid")
        else:
            rows = await self.db.fetchall(
                _SELECT_ORDERS + "WHERE state IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid",  # noqa: S608
                (json.dumps(wanted),),
            )
        return [_order(r) for r in rows]

    # -- fills --------------------------------------------------------------------------------
    async def record_fill(self, fill: Fill, *, exec_id: str, trade_date: date | None = None) -> bool:
        """Record a fill once. ``exec_id`` identifies the execution within its broker order (e.g. the
        order's cumulative filled quantity after it); a fill is keyed by (trade date, broker order id,
        exec id), the trade date being ``trade_date`` or, when None, its order's. Returns False if
        that fill was already recorded. The order (``fill.client_order_id``) must exist: adopt
        unknown broker orders first."""
        if not exec_id:
            raise InvalidInputError(f"record_fill: empty exec_id for broker order {fill.broker_order_id!r}")
        try:
            changed = await self.db.write(
                _INSERT_FILL,
                (
                    fill.client_order_id,
                    fill.broker_order_id,
                    fill.symbol,
                    fill.side.value,
                    fill.qty,
                    fill.price,
                    to_us(fill.ts),
                    fill.commission,
                    fill.tax,
                    exec_id,
                    None if trade_date is None else trade_date.isoformat(),
                    fill.client_order_id,
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise InvalidInputError(
                f"fill {fill.broker_order_id}/{exec_id} refused: {exc} "
                f"(is order {fill.client_order_id!r} saved, and qty > 0?)"
            ) from exc
        return changed == 1

    async def list_fills(self, client_order_id: str | None = None, *, last: int | None = None) -> list[Fill]:
        """Fills in time order (of one order, or all); ``last``: only the newest ``last`` of all."""
        if last is not None:
            if client_order_id is not None or last < 0:
                raise InvalidInputError(f"list_fills: last={last} takes no order id and must be >= 0")
            rows = await self.db.fetchall(_SELECT_FILLS + "ORDER BY ts DESC, id DESC LIMIT ?", (last,))
            rows.reverse()
        elif client_order_id is None:
            rows = await self.db.fetchall(_SELECT_FILLS + "ORDER BY ts, id")
        else:
            rows = await self.db.fetchall(
                _SELECT_FILLS + "WHERE client_order_id = ? ORDER BY ts, id",
                (client_order_id,),
            )
        return [_fill(r) for r in rows]

    # -- positions ----------------------------------------------------------------------------
    async def save_positions(self, positions: Iterable[Position]) -> None:
        """Upsert positions; a position with qty 0 is removed."""
        items = list(positions)
        async with self.db.transaction() as conn:
            for p in items:
                if p.qty == 0:
                    await conn.execute("DELETE FROM positions WHERE symbol = ?", (p.symbol,))
                else:
                    await conn.execute(
                        _UPSERT_POSITION,
                        (p.symbol, p.qty, str(p.avg_price)),
                    )

    async def list_positions(self) -> list[Position]:
        rows = await self.db.fetchall("SELECT symbol, qty, avg_price FROM positions ORDER BY symbol")
        return [Position(Symbol(r[0]), r[1], Decimal(r[2])) for r in rows]

    # -- signals ------------------------------------------------------------------------------
    async def add_signals(self, signals: Iterable[SignalRecord]) -> int:
        rows = [
            (s.symbol, to_us(s.ts), s.side.value, s.strength, json.dumps(list(s.reasons))) for s in signals
        ]
        return await self.db.write_many(
            "INSERT INTO signals (symbol, ts, side, strength, reasons) VALUES (?, ?, ?, ?, ?)", rows
        )

    async def list_signals(
        self, symbol: Symbol | None = None, start: datetime | None = None, end: datetime | None = None
    ) -> list[SignalRecord]:
        """Signals with start <= ts < end (optionally one symbol), oldest first."""
        lo, hi = _bounds(start, end)
        rows = await self.db.fetchall(
            "SELECT symbol, ts, side, strength, reasons FROM signals WHERE ts >= ? AND ts < ? "
            "AND (? IS NULL OR symbol = ?) ORDER BY ts, id",
            (lo, hi, symbol, symbol),
        )
        return [
            SignalRecord(Symbol(r[0]), from_us(r[1]), Side(r[2]), r[3], tuple(json.loads(r[4]))) for r in rows
        ]

    # -- account snapshots --------------------------------------------------------------------
    async def add_account_snapshot(self, snap: AccountSnapshot) -> None:
        await self.db.write(
            "INSERT INTO account_snapshots (ts, cash, equity, market_value, realized_pnl, unrealized_pnl, "
            "fees) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                to_us(snap.ts),
                snap.cash,
                snap.equity,
                snap.market_value,
                snap.realized_pnl,
                snap.unrealized_pnl,
                snap.fees,
            ),
        )

    async def list_account_snapshots(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[AccountSnapshot]:
        lo, hi = _bounds(start, end)
        rows = await self.db.fetchall(
            "SELECT ts, cash, equity, market_value, realized_pnl, unrealized_pnl, fees "
            "FROM account_snapshots WHERE ts >= ? AND ts < ? ORDER BY ts, id",
            (lo, hi),
        )
        return [AccountSnapshot(from_us(r[0]), *r[1:]) for r in rows]

    # -- risk switch --------------------------------------------------------------------------
    async def set_risk_state(self, state: RiskSwitch, reason: str, ts: datetime, *, source: str = "") -> None:
        await self.db.write(
            "INSERT INTO risk_state (id, state, reason, source, ts) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) "
            "DO UPDATE SET state = excluded.state, reason = excluded.reason, source = excluded.source, "
            "ts = excluded.ts",
            (RiskSwitch(state).value, reason, source, to_us(ts)),
        )

    async def get_risk_state(self) -> RiskStateRecord | None:
        """The persisted switch, or None if it was never set (the caller decides the default)."""
        row = await self.db.fetchone("SELECT state, reason, ts, source FROM risk_state WHERE id = 1")
        return None if row is None else RiskStateRecord(RiskSwitch(row[0]), row[1], from_us(row[2]), row[3])
