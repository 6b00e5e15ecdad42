"""The trader's I/O core: persist what the engine produced, send its commands, apply the answers.

One ``asyncio.Lock`` serialises every call into the kernel together with the sends it causes:
an order is written to the store (state NEW) before it is sent, the answer is applied and
persisted before anything else touches the engine, so a shutdown that takes the lock never
leaves an order half-sent. Notices for an ODNO nobody knows yet are parked and retried after
each acknowledgement and reconciliation.

``checkpoint(name)`` is called at the points of order flow a crash test kills the process at:
``before_send`` (stored NEW, not sent), ``after_send`` (sent, ack not applied), ``after_fill``
(a fill applied in memory, not stored).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from loguru import logger

from kistrade.app.trader_store import exec_id, fill_of, save_switch, to_record
from kistrade.domain.errors import InvalidInputError, KistradeError, OrderStateUnknownError, RejectedError
from kistrade.engine.events import (
    BrokerEvent,
    CancelOrder,
    CancelRefused,
    FillApplied,
    IntentDenied,
    InvalidBrokerEvent,
    OrderAccepted,
    OrderRejected,
    OrderRevised,
    OrderSent,
    OrderUpdated,
    ReviseOrder,
    RiskRule,
    StateChanged,
    Step,
    SubmitOrder,
    UnknownOrderEvent,
)
from kistrade.engine.kernel import Kernel
from kistrade.ports import Broker, Clock
from kistrade.store.records import EventRecord, SignalRecord
from kistrade.store.sqlite_store import SqliteStore

Checkpoint = Callable[[str], None]
MAX_ORPHANS = 1000


def _no_checkpoint(name: str) -> None:
    del name


@dataclass(slots=True)
class Counters:
    orders_sent: int = 0
    rejected: int = 0
    unknown_outcome: int = 0
    fills: int = 0
    duplicates: int = 0
    invalid: int = 0
    signals: int = 0
    denials: int = 0
    orphans_parked: int = 0
    errors: int = 0


class StepIO:
    def __init__(
        self,
        kernel: Kernel,
        broker: Broker,
        store: SqliteStore,
        clock: Clock,
        *,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.kernel = kernel
        self.broker = broker
        self.store = store
        self.clock = clock
        self.lock = asyncio.Lock()
        self.checkpoint = checkpoint or _no_checkpoint
        self.counters = Counters()
        self.orphans: list[BrokerEvent] = []
        self.on_fill: Callable[[FillApplied], None] | None = None
        self.sending_enabled = True
        self.acked_at: dict[str, float] = {}
        """Loop time (monotonic) of each order's acknowledgement: a periodic sync leaves fills
        of orders acknowledged moments ago to their execution notices (in flight)."""

    # --- applying ------------------------------------------------------------------------

    async def apply(self, event: BrokerEvent) -> Step:
        """Feed one broker event to the kernel and handle what it produced (lock held by caller)."""
        step = self.kernel.on_broker_event(event)
        await self.handle(step)
        return step

    async def handle(self, step: Step) -> None:
        """Persist the step's signals and events, then send its commands (and what their answers
        produce), in order. The caller holds ``lock``."""
        queue: list[Step] = [step]
        while queue:
            cur = queue.pop(0)
            await self._persist(cur)
            for cmd in cur.commands:
                more = await self._send(cmd)
                if more is not None:
                    queue.append(more)

    async def retry_orphans(self) -> None:
        if not self.orphans:
            return
        parked, self.orphans = self.orphans, []
        for ev in parked:
            step = self.kernel.on_broker_event(ev)
            if any(isinstance(e, UnknownOrderEvent) for e in step.events):
                self.orphans.append(ev)
                continue
            await self.handle(step)

    # --- persistence ---------------------------------------------------------------------

    async def _persist(self, step: Step) -> None:
        if step.signals:
            self.counters.signals += len(step.signals)
            await self.store.add_signals(
                SignalRecord(s.symbol, s.ts, s.side, s.strength, (s.strategy, *s.reasons))
                for s in step.signals
            )
        changed: list[str] = []
        fills = False
        for ev in step.events:
            if isinstance(ev, FillApplied):
                await self._store_fill(ev)
                fills = True
            elif isinstance(ev, OrderUpdated):
                if ev.client_order_id not in changed:
                    changed.append(ev.client_order_id)
            elif isinstance(ev, StateChanged):
                await save_switch(self.store, ev.state, ev.reason, ev.source, ev.ts)
                await self._event(
                    "risk.state",
                    ev.ts,
                    previous=ev.previous.value,
                    state=ev.state.value,
                    reason=ev.reason,
                    source=ev.source,
                )
            elif isinstance(ev, IntentDenied):
                self.counters.denials += 1
                if ev.rule is not RiskRule.WORKING_ORDER:
                    await self._event(
                        "risk.denied",
                        ev.ts,
                        symbol=ev.intent.symbol,
                        side=ev.intent.side.value,
                        rule=ev.rule.value,
                        reason=ev.reason,
                    )
            elif isinstance(ev, UnknownOrderEvent):
                self._park(ev.event)
            elif isinstance(ev, InvalidBrokerEvent):
                self.counters.invalid += 1
                logger.warning("broker event refused for {}: {}", ev.client_order_id, ev.detail)
                await self._event("order.invalid_event", ev.ts, order=ev.client_order_id, detail=ev.detail)
            else:
                self.counters.duplicates += 1
        for cid in changed:
            order = self.kernel.router.order(cid)
            if order is not None:
                await self.store.save_order(to_record(order))
        if fills:
            await self.store.save_positions(self.kernel.portfolio.positions())

    async def _store_fill(self, ev: FillApplied) -> None:
        self.checkpoint("after_fill")
        order = self.kernel.router.order(ev.client_order_id)
        if order is None:
            return
        self.counters.fills += 1  # counted, then stored (a notifier looks for it in the store)
        fill = fill_of(order, ev)
        await self.store.record_fill(fill, exec_id=exec_id(ev.fill_id, ev.ts))
        logger.info(
            "fill {} {} {} @ {:,} (order {}, fee {} tax {})",
            ev.side.value,
            ev.qty,
            ev.symbol,
            ev.price,
            ev.client_order_id,
            ev.commission,
            ev.tax,
        )
        if self.on_fill is not None:
            self.on_fill(ev)

    def _park(self, event: BrokerEvent) -> None:
        if len(self.orphans) < MAX_ORPHANS:
            self.orphans.append(event)
            self.counters.orphans_parked += 1

    async def _event(self, kind: str, ts: object, **detail: object) -> None:
        from datetime import datetime

        when = ts if isinstance(ts, datetime) else self.clock.now()
        await self.store.add_event(EventRecord(when, kind, dict(detail)))

    # --- sending -------------------------------------------------------------------------

    async def _send(self, cmd: SubmitOrder | CancelOrder | ReviseOrder) -> Step | None:
        if isinstance(cmd, SubmitOrder):
            return await self._submit(cmd)
        if isinstance(cmd, CancelOrder):
            return await self._cancel(cmd)
        return await self._revise(cmd)

    async def _submit(self, cmd: SubmitOrder) -> Step | None:
        order = self.kernel.router.order(cmd.client_order_id)
        if order is None:
            return None
        await self.store.save_order(to_record(order))  # NEW, before it is sent
        if not self.sending_enabled:
            return self.kernel.cancel(cmd.client_order_id, self.clock.now(), "shutting down: not sent")
        self.checkpoint("before_send")
        try:
            ack = await self.broker.place_order(
                cmd.symbol,
                cmd.side,
                cmd.qty,
                cmd.limit_price or 0,
                cmd.order_type,
                known_order_ids=self._known_ids(),
            )
        except (RejectedError, InvalidInputError) as exc:  # refused before or by the broker
            self.counters.rejected += 1
            logger.warning("order {} rejected: {}", cmd.client_order_id, exc)
            step = self.kernel.on_broker_event(OrderSent(cmd.client_order_id, self.clock.now()))
            step.extend(
                self.kernel.on_broker_event(OrderRejected(self.clock.now(), str(exc), cmd.client_order_id))
            )
            return step
        except (OrderStateUnknownError, KistradeError, OSError, TimeoutError) as exc:
            self.counters.unknown_outcome += 1
            logger.warning(
                "order {} outcome unknown ({}): reconcile before sending again", cmd.client_order_id, exc
            )
            await self._event("order.unknown_outcome", cmd.ts, order=cmd.client_order_id, error=str(exc))
            return self.kernel.on_broker_event(OrderSent(cmd.client_order_id, self.clock.now()))
        self.checkpoint("after_send")
        self.counters.orders_sent += 1
        self.acked_at[cmd.client_order_id] = asyncio.get_running_loop().time()
        now = self.clock.now()
        step = self.kernel.on_broker_event(OrderSent(cmd.client_order_id, now))
        step.extend(
            self.kernel.on_broker_event(
                OrderAccepted(ack.ts or now, ack.broker_order_id, ack.org_no or None, cmd.client_order_id)
            )
        )
        logger.info(
            "order {} {} {} {} @ {} sent: ODNO {}",
            cmd.client_order_id,
            cmd.side.value,
            cmd.qty,
            cmd.symbol,
            cmd.limit_price or "market",
            ack.broker_order_id,
        )
        await self.handle(step)
        await self.retry_orphans()
        return None

    async def _cancel(self, cmd: CancelOrder) -> Step | None:
        try:
            await self.broker.cancel_order(cmd.broker_order_id, cmd.org_no or "", cmd.qty)
        except RejectedError as exc:
            return self.kernel.on_broker_event(
                CancelRefused(self.clock.now(), str(exc), client_order_id=cmd.client_order_id)
            )
        except (KistradeError, OSError, TimeoutError) as exc:
            self.counters.errors += 1
            logger.warning("cancel of {} failed ({}): the next sync settles it", cmd.client_order_id, exc)
        return None

    async def _revise(self, cmd: ReviseOrder) -> Step | None:
        try:
            ack = await self.broker.revise_order(
                cmd.broker_order_id, cmd.org_no or "", cmd.new_limit_price, cmd.qty
            )
        except (KistradeError, OSError, TimeoutError) as exc:
            self.counters.errors += 1
            logger.warning("revise of {} failed: {}", cmd.client_order_id, exc)
            return None
        return self.kernel.on_broker_event(
            OrderRevised(
                self.clock.now(),
                ack.broker_order_id,
                cmd.new_limit_price,
                client_order_id=cmd.client_order_id,
            )
        )

    def recently_acked(self, grace_s: float) -> set[str]:
        now = asyncio.get_running_loop().time()
        for cid in [c for c, t in self.acked_at.items() if now - t >= grace_s]:
            del self.acked_at[cid]
        return set(self.acked_at)

    def _known_ids(self) -> set[str]:
        return {o.broker_order_id for o in self.kernel.router.orders() if o.broker_order_id}


__all__ = ["Checkpoint", "Counters", "StepIO"]
