"""Order TRs: cash buy/sell, revise, cancel. An order POST is never blindly retried.

After a timeout or a lost connection (or a gateway error that leaves the outcome open) the
client asks inquire-daily-ccld whether the order exists (same symbol, side, quantity and price,
placed since just before the send, not one the caller already knows) and returns it as a
recovered ack; otherwise it raises ``OrderStateUnknownError`` for the engine to reconcile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta

from loguru import logger

from kistrade.domain.errors import InvalidInputError, KistradeError
from kistrade.domain.types import OrderType, Side, parse_symbol
from kistrade.kis.client import mapping
from kistrade.kis.client.account import KisAccountApi
from kistrade.kis.client.env import KisAccount
from kistrade.kis.client.models import DailyOrder, OrderAck, OrderStateUnknownError
from kistrade.kis.client.ratelimit import Priority
from kistrade.kis.client.rest import KisRestClient, UnknownOutcomeError
from kistrade.ports import Clock

_ORD_DVSN = {OrderType.LIMIT: "00", OrderType.MARKET: "01"}


class KisOrderApi:
    def __init__(
        self,
        rest: KisRestClient,
        account: KisAccount,
        clock: Clock,
        *,
        inquiry: KisAccountApi | None = None,
        recover_window: float = 5.0,
        recover_attempts: int = 3,
        recover_delay: float = 0.3,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rest = rest
        self.account = account
        self.clock = clock
        self.inquiry = inquiry or KisAccountApi(rest, account, clock)
        self.recover_window = recover_window
        self.recover_attempts = recover_attempts
        self.recover_delay = recover_delay
        self._sleep = sleep

    def _acct(self) -> dict[str, str]:
        return {"CANO": self.account.cano, "ACNT_PRDT_CD": self.account.product}

    async def place(
        self,
        symbol: str,
        side: Side,
        qty: int,
        price: int = 0,
        order_type: OrderType = OrderType.LIMIT,
        *,
        known_order_ids: Collection[str] = (),
    ) -> OrderAck:
        """Send a cash order. ``price`` is ignored (sent as 0) for MARKET orders."""
        sym = parse_symbol(symbol)
        if qty <= 0:
            raise InvalidInputError(f"order quantity must be positive, got {qty} for {sym}")
        if order_type is OrderType.LIMIT and price <= 0:
            raise InvalidInputError(f"a limit order for {sym} needs a positive price, got {price}")
        unit = price if order_type is OrderType.LIMIT else 0
        body = {
            **self._acct(),
            "PDNO": sym,
            "ORD_DVSN": _ORD_DVSN[order_type],
            "ORD_QTY": str(qty),
            "ORD_UNPR": str(unit),
            "EXCG_ID_DVSN_CD": "KRX",
        }
        if side is Side.SELL:
            body["SLL_TYPE"] = "01"
        name = "order_cash_buy" if side is Side.BUY else "order_cash_sell"
        sent_at = self.clock.now()
        try:
            resp = await self.rest.call(name, body=body, priority=Priority.ORDER, idempotent=False)
        except UnknownOutcomeError as exc:
            logger.warning(
                "order {} {} {}@{} outcome unknown ({}): asking the broker", side, qty, sym, unit, exc
            )

            def match(o: DailyOrder) -> bool:
                return (
                    o.symbol == sym
                    and o.side is side
                    and o.qty == qty
                    and o.price == unit
                    and not o.original_order_id
                )

            found = await self._recover(sent_at, match, known_order_ids, symbol=sym, side=side)
            if found is None:
                raise OrderStateUnknownError(
                    f"order {side.value} {qty} {sym} @ {unit} sent at {sent_at:%H:%M:%S}: {exc}; the broker "
                    f"does not list it yet — reconcile before sending it again",
                    symbol=sym,
                    side=side.value,
                    qty=qty,
                    price=unit,
                ) from exc
            return found
        return mapping.order_ack_from(
            resp.body.get("output"), sent_at.date(), code=resp.code, message=resp.message
        )

    async def revise(
        self,
        order_id: str,
        org_no: str,
        price: int,
        qty: int | None = None,
        order_type: OrderType = OrderType.LIMIT,
    ) -> OrderAck:
        """Change the price (and optionally reduce the quantity; ``None`` = all remaining)."""
        if order_type is OrderType.LIMIT and price <= 0:
            raise InvalidInputError(f"revising order {order_id} needs a positive price, got {price}")
        return await self._rvsecncl(
            "01", order_id=order_id, org_no=org_no, qty=qty, price=price, order_type=order_type
        )

    async def cancel(self, order_id: str, org_no: str, qty: int | None = None) -> OrderAck:
        """Cancel the remaining quantity (or ``qty`` of it)."""
        return await self._rvsecncl(
            "02", order_id=order_id, org_no=org_no, qty=qty, price=0, order_type=OrderType.LIMIT
        )

    async def _rvsecncl(
        self, kind: str, *, order_id: str, org_no: str, qty: int | None, price: int, order_type: OrderType
    ) -> OrderAck:
        if not order_id.strip():
            raise InvalidInputError("revise/cancel needs the original order number (ODNO)")
        if qty is not None and qty <= 0:
            raise InvalidInputError(
                f"revise/cancel quantity must be positive, got {qty} for order {order_id}"
            )
        body = {
            **self._acct(),
            "KRX_FWDG_ORD_ORGNO": org_no,
            "ORGN_ODNO": order_id,
            "ORD_DVSN": _ORD_DVSN[order_type],
            "RVSE_CNCL_DVSN_CD": kind,
            "ORD_QTY": "0" if qty is None else str(qty),
            "ORD_UNPR": str(price if order_type is OrderType.LIMIT else 0),
            "QTY_ALL_ORD_YN": "Y" if qty is None else "N",
            "EXCG_ID_DVSN_CD": "KRX",
        }
        what = "revise" if kind == "01" else "cancel"
        sent_at = self.clock.now()
        try:
            resp = await self.rest.call(
                "order_rvsecncl", body=body, priority=Priority.ORDER, idempotent=False
            )
        except UnknownOutcomeError as exc:
            logger.warning("{} of order {} outcome unknown ({}): asking the broker", what, order_id, exc)
            found = await self._recover(
                sent_at, lambda o: o.original_order_id.lstrip("0") == order_id.lstrip("0"), ()
            )
            if found is None:
                raise OrderStateUnknownError(
                    f"{what} of order {order_id} sent at {sent_at:%H:%M:%S}: {exc}; the broker does not list "
                    f"it yet — reconcile before sending it again",
                    symbol="",
                    side="",
                    qty=qty or 0,
                    price=price,
                ) from exc
            return found
        return mapping.order_ack_from(
            resp.body.get("output"), sent_at.date(), code=resp.code, message=resp.message
        )

    async def _recover(
        self,
        sent_at: datetime,
        match: Callable[[DailyOrder], bool],
        known: Collection[str],
        *,
        symbol: str = "",
        side: Side | None = None,
    ) -> OrderAck | None:
        since = sent_at - timedelta(seconds=self.recover_window)
        for attempt in range(self.recover_attempts):
            if attempt:
                await self._sleep(self.recover_delay)
            try:
                rows = await self.inquiry.daily_orders(
                    sent_at.date(), sent_at.date(), symbol=symbol, side=side, priority=Priority.ORDER
                )
            except KistradeError as exc:
                logger.warning("order recovery inquiry failed: {}", exc)
                continue
            candidates = [
                o
                for o in rows
                if match(o) and o.broker_order_id not in known and (o.ts is None or o.ts >= since)
            ]
            if candidates:
                best = max(candidates, key=lambda o: (o.ts or since, o.broker_order_id))
                logger.info("order recovered from the broker's list: {}", best.broker_order_id)
                return OrderAck(
                    broker_order_id=best.broker_order_id,
                    org_no=best.org_no,
                    ts=best.ts or sent_at,
                    message="recovered from inquire-daily-ccld after an unknown outcome",
                    recovered=True,
                )
        return None
