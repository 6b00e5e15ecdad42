"""python-kis 2.1.6 (a third-party KIS client, ``import pykis``) against the simulator, unchanged.

python-kis has no base-URL argument: its hosts are module constants (``pykis.__env__``) that
``pykis.kis`` (REST) and ``pykis.client.websocket`` (WS) import by value. Pointing it at the
simulator therefore means replacing those four URL constants with monkeypatch — nothing else of
python-kis is touched. It talks over real loopback sockets (``requests``, ``websocket-client``
threads) to a simulator served from a background thread (``_sim_thread.SimThread``).

The market is frozen (``speed`` tiny: the simulated clock barely moves) so the simulator's own
state (``hub.snapshot``, ``GET /sim/ledger``) can be compared exactly with what python-kis parses;
trades happen only when a test asks for them (``hub.burst``) or crosses the book with an order.

Where python-kis itself falls short, the tests follow python-kis, not the simulator: it parses
only the legacy 23-field H0STCNI0/9 notice layout (the simulators run with ``notice_fields=23``;
the 26-field default gives "Invalid data length: 26" inside python-kis), it has no paper
pending-order query (it raises NotImplementedError), and its ``country=None`` defaults also call
overseas TRs the simulator does not serve, so account calls pass ``country="KR"``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import time as dtime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pykis.client.websocket as pykis_ws
import pykis.kis as pykis_kis
import pytest
import requests
from _sim_thread import SimThread
from pykis import PyKis
from pykis.api.account.order import KisOrder
from pykis.scope.stock import KisStockScope

from kistrade.clock import WallClock
from kistrade.domain.types import Symbol
from kistrade.kis.simulator.config import SimConfig, SimEnv, generate_credentials
from kistrade.kis.simulator.market_types import QuoteSnapshot

# python-kis's account.on("execution") also subscribes the overseas notice (H0GSCNI0/9) and keeps
# that ticket only weakly, so python-kis itself warns when it is collected: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Event ticket .* was not explicitly unsubscribed")

SYM = "005930"
SYMBOL = Symbol(SYM)
WAIT_S = 10.0
SHARED_HTS_ID = "simhtsuser"  # one HTS user owns the real and the paper account (as at KIS)


# -- plumbing -----------------------------------------------------------------------------------
def sim_config(env: SimEnv) -> SimConfig:
    creds = replace(generate_credentials(0, env), hts_id=SHARED_HTS_ID)
    return SimConfig(
        env=env,
        credentials=creds,
        speed=1e-6,  # frozen market: state only moves when a test trades
        start=dtime(10, 0),
        notice_fields=23,  # the layout python-kis 2.1.6 parses (it rejects the 26-field one)
        pingpong_interval=1.0,  # python-kis must echo PINGPONG a few times per run
        token_min_interval_s=3600.0,  # a second tokenP would be EGW00133: proves the token cache
    )


def point_pykis(mp: pytest.MonkeyPatch, real: SimThread, paper: SimThread | None = None) -> None:
    """Replace python-kis's host constants (its only way to choose a server) by the simulators'."""
    mp.setattr(pykis_kis, "REAL_DOMAIN", real.rest_url)
    mp.setattr(pykis_ws, "WEBSOCKET_REAL_DOMAIN", real.ws_url)
    if paper is not None:
        mp.setattr(pykis_kis, "VIRTUAL_DOMAIN", paper.rest_url)
        mp.setattr(pykis_ws, "WEBSOCKET_VIRTUAL_DOMAIN", paper.ws_url)


def ledger(sim: SimThread) -> dict[str, Any]:
    resp = requests.get(sim.rest_url + "/sim/ledger", timeout=WAIT_S)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


def order_row(sim: SimThread, odno: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [o for o in ledger(sim)["orders"] if o["odno"] == odno]
    assert len(rows) == 1, f"order {odno} not in the simulator ledger"
    return rows[0]


def snapshot(sim: SimThread) -> QuoteSnapshot:
    return sim.call(lambda: sim.hub.snapshot(SYMBOL))


def burst(sim: SimThread, n: int) -> int:
    return sim.call(lambda: sim.hub.burst(SYMBOL, n))


class Inbox:
    """Collects python-kis event payloads from its WS thread; waits on a condition, not a sleep."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._cond = threading.Condition()

    def on_event(self, _sender: Any, args: Any) -> None:  # python-kis wants a named callable
        with self._cond:
            self.items.append(args.response)
            self._cond.notify_all()

    def wait_for(self, done: Callable[[list[Any]], bool], what: str) -> list[Any]:
        with self._cond:
            if not self._cond.wait_for(lambda: done(self.items), timeout=WAIT_S):
                raise AssertionError(f"timed out waiting for {what}; got {self.items!r}")
            return list(self.items)


def wait_subscribed(kis: PyKis, tr_id: str, register: Callable[[], Any]) -> Any:
    """Run ``register`` (an ``.on(...)``) and wait for the server's OPSP0000 ack of ``tr_id``."""
    acked = threading.Event()

    def on_subscribed(_sender: Any, args: Any) -> None:
        if args.tr.id == tr_id:
            acked.set()

    ws = kis.websocket
    ws.subscribed_event += on_subscribed
    try:
        ticket = register()
        ws.ensure_connected(timeout=WAIT_S)
        assert acked.wait(WAIT_S), f"no subscribe ack for {tr_id}"
    finally:
        ws.subscribed_event -= on_subscribed
    return ticket


def stock_scope(kis: PyKis) -> KisStockScope:
    """python-kis's stock scope, built as ``kis.stock()`` builds it (that call first needs
    search-info CTPF1604R, which the simulator does not serve — see ``test_stock_lookup``)."""
    return KisStockScope(kis=kis, market="KRX", symbol=SYM, account=kis.primary)


def shut_down(kis: PyKis, *sims: SimThread) -> None:
    """Stop python-kis's WebSocket client(s) and wait for their threads to end.

    With auto-reconnect off, the simulator closes the sessions first: python-kis's reader thread
    sees the close and parks in its reconnect wait, which ``disconnect()`` ends at once. (A
    client-side close instead races websocket-client's reader, which may then sit in epoll for
    10 s; a disconnect during the wait with reconnect on makes python-kis connect once more.)
    """
    ws = kis.websocket
    clients = [c for c in (ws, ws._primary_client) if c is not None]
    for client in clients:
        client.reconnect = False
    for sim in sims:
        sim.call(sim.sim.faults.drop_ws_sessions)
    deadline = time.monotonic() + WAIT_S
    for client in clients:
        thread = client.thread
        while thread is not None and client.websocket is not None and time.monotonic() < deadline:
            thread.join(0.02)  # until its run_forever returned (it clears .websocket)
    threads = [c.thread for c in clients if c.thread is not None]
    ws.disconnect()
    for thread in threads:
        thread.join(timeout=WAIT_S)
        assert not thread.is_alive(), "python-kis WebSocket thread did not stop"
    kis.close()


@dataclass
class RealEnv:
    sim: SimThread
    kis: PyKis
    token_dir: Path

    @property
    def stock(self) -> KisStockScope:
        return stock_scope(self.kis)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealEnv]:
    token_dir = tmp_path_factory.mktemp("pykis-tokens")
    # the patch outlives the simulator: a python-kis thread can never fall back to the real hosts
    with pytest.MonkeyPatch.context() as mp, SimThread(sim_config("real")) as sim:
        burst(sim, 30)  # a traded day: open/high/low/volume are not zero
        point_pykis(mp, sim)
        c = sim.credentials
        kis = PyKis(
            id=c.hts_id, account=c.account, appkey=c.app_key, secretkey=c.app_secret, keep_token=token_dir
        )
        try:
            yield RealEnv(sim, kis, token_dir)
        finally:
            shut_down(kis, sim)


# -- real environment --------------------------------------------------------------------------
def test_token_issued_once_and_reused_from_the_token_cache(real: RealEnv) -> None:
    token = real.kis.token
    assert real.sim.sim.auth.tokens_issued == 1
    c = real.sim.credentials
    headers = {"authorization": f"Bearer {token.token}", "appkey": c.app_key, "appsecret": c.app_secret}
    assert real.sim.call(lambda: real.sim.sim.auth.check_request(headers)) == c.app_key
    left = token.expired_at - WallClock().now()  # §11.2: wall clock + 24 h, not simulated time
    assert timedelta(hours=23, minutes=55) < left <= timedelta(hours=24)
    cached = list(real.token_dir.glob("token_real_*.json"))
    assert len(cached) == 1
    assert token.token in cached[0].read_text()

    again = PyKis(
        id=c.hts_id,
        account=c.account,
        appkey=c.app_key,
        secretkey=c.app_secret,
        keep_token=real.token_dir,
        use_websocket=False,
    )
    try:  # a second tokenP would be refused (EGW00133, 1 per hour here): the call proves the cache
        quote = stock_scope(again).quote()
        assert again.token.token == token.token
        assert quote.symbol == SYM
        assert real.sim.sim.auth.tokens_issued == 1
    finally:
        again.close()


def test_stock_lookup(real: RealEnv) -> None:
    stock = real.kis.stock(SYM)
    assert (stock.symbol, stock.market) == (SYM, "KRX")


def test_quote_matches_the_simulator_snapshot(real: RealEnv) -> None:
    snap = snapshot(real.sim)
    q = real.stock.quote()
    assert q.symbol == SYM and q.market == "KRX"
    assert q.price == snap.last
    assert (q.open, q.high, q.low) == (snap.open, snap.high, snap.low)
    assert (q.high_limit, q.low_limit, q.base_price) == (snap.upper, snap.lower, snap.base)
    assert q.change == snap.last - snap.base
    assert q.volume == snap.cum_volume > 0
    assert q.amount == snap.cum_value
    assert q.tick == snap.tick
    assert q.halt is False


def test_orderbook_matches_the_simulator_book(real: RealEnv) -> None:
    snap = snapshot(real.sim)
    book = real.stock.orderbook()
    assert [(a.price, a.volume) for a in book.asks] == [(lv.price, lv.qty) for lv in snap.asks]
    assert [(b.price, b.volume) for b in book.bids] == [(lv.price, lv.qty) for lv in snap.bids]
    assert (book.ask_price.price, book.bid_price.price) == (snap.best_ask, snap.best_bid)


def test_daily_chart_matches_the_simulator_bars(real: RealEnv) -> None:
    chart = real.stock.daily_chart()
    bars = chart.bars
    assert len(bars) >= 100
    days = [b.time.date() for b in bars]
    assert days == sorted(days) and len(set(days)) == len(days)
    hub_bars = real.sim.call(lambda: real.sim.hub.daily_bars(SYMBOL, days[0], days[-1]))
    by_day = {b.start.date(): b for b in hub_bars}
    for bar in bars:
        ref = by_day[bar.time.date()]
        assert (bar.open, bar.high, bar.low, bar.close) == (ref.open, ref.high, ref.low, ref.close)
        assert (bar.volume, bar.amount) == (ref.volume, ref.value)


def test_minute_chart_today(real: RealEnv) -> None:
    chart = real.stock.day_chart()
    snap = snapshot(real.sim)
    assert chart.bars, "no minute bars after a traded burst"
    assert chart.bars[-1].close == snap.last
    assert max(b.high for b in chart.bars) == snap.high
    assert min(b.low for b in chart.bars) == snap.low


def test_buy_rests_is_pending_then_cancelled(real: RealEnv) -> None:
    account = real.kis.account()
    lower = snapshot(real.sim).lower
    order: KisOrder = real.stock.buy(price=lower, qty=1)
    odno = order.number
    row = order_row(real.sim, odno)
    assert (row["side"], row["qty"], row["price"], row["remaining"]) == ("buy", 1, lower, 1)
    assert order.branch == row["org_no"]

    pending = {p.order_number.number: p for p in account.pending_orders(country="KR").orders}
    assert odno in pending
    p = pending[odno]
    assert (p.symbol, p.type, p.price, p.qty, p.executed_qty) == (SYM, "buy", lower, 1, 0)

    order.cancel()
    row = order_row(real.sim, odno)
    assert (row["state"], row["remaining"], row["cancelled_qty"]) == ("cancelled", 0, 1)
    still = {p.order_number.number for p in account.pending_orders(country="KR").orders}
    assert odno not in still


def test_buy_fills_and_balance_and_daily_orders_agree_with_the_ledger(real: RealEnv) -> None:
    account = real.kis.account()
    ask = snapshot(real.sim).best_ask
    order = real.stock.buy(price=ask, qty=2)
    row = order_row(real.sim, order.number)
    assert (row["state"], row["filled_qty"]) == ("filled", 2)

    book = ledger(real.sim)
    balance = account.balance(country="KR")
    assert balance.deposits["KRW"].amount == book["cash"]["deposit"]
    pos = {p["symbol"]: p for p in book["positions"]}[SYM]
    held = balance.stock(SYM)
    assert held is not None
    assert (held.qty, held.orderable) == (pos["qty"], pos["orderable"])
    assert held.purchase_amount == pos["purchase_amount"]
    assert held.price == Decimal(pos["avg_price"])

    day = real.sim.call(real.sim.hub.trading_date)
    daily = {o.order_number.number: o for o in account.daily_orders(start=day, country="KR").orders}
    mine = daily[order.number]
    assert (mine.symbol, mine.type, mine.qty, mine.executed_qty) == (SYM, "buy", 2, 2)
    assert mine.unit_price == ask
    assert mine.price == Decimal(row["filled_value"]) / row["filled_qty"]
    for o in book["orders"]:  # every order of the day is listed
        assert o["odno"] in daily


def test_orderable_amount_matches_the_ledger(real: RealEnv) -> None:
    price = snapshot(real.sim).best_ask
    amount = real.stock.orderable_amount(price=price)
    account_no = real.sim.credentials.account_no
    cash, qty = real.sim.call(lambda: real.sim.hub.ledger(account_no).buyable(price))
    assert cash == ledger(real.sim)["cash"]["orderable"]
    assert (amount.unit_price, amount.amount, amount.qty) == (price, cash, qty)
    assert 0 < qty <= cash // price


def test_realtime_price_events_follow_the_trades(real: RealEnv) -> None:
    inbox = Inbox()
    ticket = wait_subscribed(real.kis, "H0STCNT0", lambda: real.stock.on("price", inbox.on_event))
    try:
        before = snapshot(real.sim).cum_volume
        trades = burst(real.sim, 8)
        assert trades > 0
        after = snapshot(real.sim)
        events = inbox.wait_for(lambda xs: any(e.volume == after.cum_volume for e in xs), "the burst's ticks")
        assert len(events) == trades  # one H0STCNT0 record per trade, multi-record frames included
        assert all(e.symbol == SYM for e in events)
        volumes = [e.volume for e in events]
        assert volumes == sorted(volumes) and volumes[0] > before
        last = events[-1]
        assert (last.price, last.volume, last.amount) == (after.last, after.cum_volume, after.cum_value)
        assert (last.high, last.low) == (after.high, after.low)
        assert all(after.lower <= e.price <= after.upper for e in events)
    finally:
        ticket.unsubscribe()


def test_execution_notices_for_a_filled_buy(real: RealEnv) -> None:
    inbox = Inbox()
    ticket = wait_subscribed(real.kis, "H0STCNI0", lambda: real.kis.account().on("execution", inbox.on_event))
    try:
        ask = snapshot(real.sim).best_ask
        order = real.stock.buy(price=ask, qty=3)

        def ours(xs: list[Any]) -> list[Any]:
            return [e for e in xs if e.order_number.number == order.number]

        events = inbox.wait_for(lambda xs: sum(e.executed_quantity for e in ours(xs)) >= 3, "fills")
        fills = [e for e in ours(events) if e.executed_quantity > 0]
        book = [f for f in ledger(real.sim)["fills"] if f["odno"] == order.number]
        assert sorted((e.price, e.executed_quantity) for e in fills) == sorted(
            (f["price"], f["qty"]) for f in book
        )
        for e in fills:
            assert (e.symbol, e.type, e.quantity, e.unit_price) == (SYM, "buy", 3, ask)
            assert e.account_number == real.kis.primary and not e.rejected
    finally:
        ticket.unsubscribe()


# -- paper environment: quotes go to the real host (python-kis design), trading to the paper one
@dataclass
class PaperEnv:
    real: SimThread
    paper: SimThread
    kis: PyKis


@pytest.fixture(scope="module")
def paper() -> Iterator[PaperEnv]:
    with (
        pytest.MonkeyPatch.context() as mp,
        SimThread(sim_config("real")) as real_sim,
        SimThread(sim_config("paper")) as paper_sim,
    ):
        point_pykis(mp, real_sim, paper_sim)
        r, p = real_sim.credentials, paper_sim.credentials
        kis = PyKis(
            id=r.hts_id,
            account=p.account,
            appkey=r.app_key,
            secretkey=r.app_secret,
            virtual_id=p.hts_id,
            virtual_appkey=p.app_key,
            virtual_secretkey=p.app_secret,
        )
        try:
            yield PaperEnv(real_sim, paper_sim, kis)
        finally:
            shut_down(kis, real_sim, paper_sim)


def test_paper_quote_from_the_real_host_and_orders_on_the_paper_host(paper: PaperEnv) -> None:
    kis = paper.kis
    assert kis.virtual
    stock = stock_scope(kis)
    assert stock.quote().price == snapshot(paper.real).last  # python-kis quotes from the real domain

    inbox = Inbox()
    ticket = wait_subscribed(kis, "H0STCNI9", lambda: kis.account().on("execution", inbox.on_event))
    try:
        ask = snapshot(paper.paper).best_ask
        order = stock.buy(price=ask, qty=1)
        row = order_row(paper.paper, order.number)
        assert (row["state"], row["filled_qty"], row["org_no"]) == ("filled", 1, "00950")
        events = inbox.wait_for(
            lambda xs: any(e.order_number.number == order.number and e.executed_quantity for e in xs),
            "the paper fill notice",
        )
        fill = next(e for e in events if e.order_number.number == order.number and e.executed_quantity)
        assert (fill.price, fill.executed_quantity) == (ask, 1)
    finally:
        ticket.unsubscribe()

    account = kis.account()
    balance = account.balance(country="KR")
    held = balance.stock(SYM)
    assert held is not None and held.qty == 1
    day = paper.paper.call(paper.paper.hub.trading_date)
    daily = account.daily_orders(start=day, country="KR").orders
    assert [(o.order_number.number, o.executed_qty) for o in daily] == [(order.number, 1)]
    with pytest.raises(NotImplementedError):  # python-kis: no pending-order query in paper
        account.pending_orders(country="KR")
    assert ledger(paper.real)["orders"] == []  # nothing traded on the real host
