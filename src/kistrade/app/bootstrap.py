"""The composition root of ``kistrade run``: one AsyncExitStack per mode.

* ``sim``: start the bundled simulator on free loopback ports (synthetic market, a session that
  opens now, ``speed`` x) — or attach to one with ``sim_url`` — and use its clock (an
  AffineClock over wall time); credentials come from the simulator.
* ``paper`` / ``live``: the KIS hosts and the credentials of the settings, the wall clock.

Everything else is identical: KisClient -> KisBroker + KisMarketFeed, the SQLite store, the
strategies from the settings, the Trader and the TradingService over it.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from kistrade.app.kis_factory import Mode, resolve_target
from kistrade.app.logging_setup import add_secrets
from kistrade.app.services import TraderService
from kistrade.app.settings import Settings
from kistrade.app.trader import Trader, TraderConfig
from kistrade.app.trader_io import Checkpoint
from kistrade.app.usage_recorder import UsageConfig, UsageRecorder
from kistrade.app.usage_sources import trader_sources
from kistrade.clock import AffineClock, AffineMap, clock_speed
from kistrade.domain.errors import ConfigError
from kistrade.domain.types import Symbol, parse_symbol
from kistrade.engine.switch import RiskLimits
from kistrade.kis.client.adapters import KisBroker, KisMarketFeed
from kistrade.kis.client.facade import KisClient, KisClientConfig
from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import RunningSimulator, start_simulator
from kistrade.ports import Clock
from kistrade.store.sqlite_store import SqliteStore
from kistrade.strategy.base import Strategy
from kistrade.strategy.params import RsiParams
from kistrade.strategy.registry import create_strategy

MAX_SYMBOLS = 20  # trades + book = 2 subscriptions a symbol, 40 in all


@dataclass(frozen=True, slots=True)
class RunOptions:
    mode: Mode = "sim"
    symbols: tuple[str, ...] = ()
    speed: float = 60.0
    sim_url: str | None = None
    db_path: Path | None = None
    seed: int = 7
    id_suffix: str = ""
    strategy: Strategy | None = None  # None: from the settings
    limits: RiskLimits | None = None  # None: from the settings
    sync_interval_s: float = 120.0
    checkpoint: Checkpoint | None = None
    start_trading: bool = True  # False: recover only; a DayScheduler opens the day
    sim_start: time | None = None  # the bundled simulator's start time of day (None: 09:00)


@dataclass(slots=True)
class Runtime:
    mode: Mode
    label: str
    trader: Trader
    service: TraderService
    client: KisClient
    clock: Clock
    store: SqliteStore
    rest_url: str
    sim: RunningSimulator | None = None
    usage: UsageRecorder | None = None


def limits_from(settings: Settings) -> RiskLimits:
    r = settings.risk
    return RiskLimits(
        max_position_pct=r.max_position_pct,
        max_open_positions=r.max_open_positions,
        stop_loss_pct=r.stop_loss_pct,
        take_profit_pct=r.take_profit_pct,
        daily_loss_pct=r.daily_loss_pct,
        flatten_on_halt=r.flatten_on_halt,
        symbol_cooldown_s=r.symbol_cooldown_s,
        max_orders_per_day=r.max_orders_per_day,
        max_volume_participation_pct=r.max_volume_participation_pct,
    )


def strategy_from(settings: Settings) -> Strategy:
    s = settings.strategy
    if s.name == "rsi":
        return create_strategy("rsi", RsiParams(s.rsi_period, s.oversold, s.overbought))
    from kistrade.strategy.params import RsiOrderbookParams

    return create_strategy(
        "rsi_orderbook",
        RsiOrderbookParams(rsi_period=s.rsi_period, oversold=s.oversold, overbought=s.overbought),
    )


def watchlist(options: RunOptions, settings: Settings) -> tuple[Symbol, ...]:
    raw = options.symbols or tuple(settings.watchlist)
    symbols = tuple(dict.fromkeys(parse_symbol(s) for s in raw))
    if len(symbols) > MAX_SYMBOLS:
        raise ConfigError(
            f"watchlist has {len(symbols)} symbols; at most {MAX_SYMBOLS} fit the 40 WebSocket "
            f"subscriptions (trades + book = 2 a symbol)"
        )
    return symbols


async def _sim_target(
    stack: AsyncExitStack, options: RunOptions, symbols: tuple[Symbol, ...], data_dir: Path
) -> tuple[KisClientConfig, Clock, str, RunningSimulator]:
    sim = await stack.enter_async_context(
        start_simulator(
            SimConfig(
                env="real", symbols=symbols, speed=options.speed, seed=options.seed, start=options.sim_start
            )
        )
    )
    c = sim.credentials
    cfg = KisClientConfig(
        env="real",
        app_key=c.app_key,
        app_secret=c.app_secret,
        account=c.account,
        hts_id=c.hts_id,
        rest_url=sim.rest_url,
        ws_url=sim.ws_url,
        data_dir=data_dir,
    )
    clock = AffineClock(AffineMap.from_dict(dict(sim.hub.clock_info())))
    return cfg, clock, f"SIM (bundled, x{options.speed:g}) {sim.rest_url}", sim


@asynccontextmanager
async def open_runtime(settings: Settings, options: RunOptions) -> AsyncIterator[Runtime]:
    """Build and start everything for ``options.mode``; stop it all (trader first) on exit."""
    symbols = watchlist(options, settings)
    data_dir = settings.storage.data_dir
    async with AsyncExitStack() as stack:
        sim: RunningSimulator | None = None
        if options.mode == "sim" and options.sim_url is None:
            cfg, clock, label, sim = await _sim_target(stack, options, symbols, data_dir / "sim")
        else:
            target = await resolve_target(settings, mode=options.mode, sim_url=options.sim_url)
            cfg, clock, label = target.config, target.clock, target.label
        add_secrets([cfg.app_key, cfg.app_secret])  # the simulator's too: masked in every log line
        client = await stack.enter_async_context(KisClient(cfg, clock))
        db = options.db_path or data_dir / f"trader-{options.mode}.db"
        if sim is not None and options.db_path is None:
            # the bundled simulator's books live and die with this process: a store of its own
            db = data_dir / "sim" / f"trader-run-{secrets.token_hex(4)}.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        store = await stack.enter_async_context(await SqliteStore.open(db, clock=clock))
        usage = await stack.enter_async_context(UsageRecorder(store, clock, UsageConfig.for_clock(clock)))
        client.rest.observers.append(usage.on_call)
        strategy = options.strategy or strategy_from(settings)
        trader_cfg = TraderConfig(
            mode=options.mode,
            symbols=symbols,
            strategies=[strategy],
            limits=options.limits or limits_from(settings),
            id_suffix=options.id_suffix or secrets.token_hex(3).upper(),
            sync_interval_s=options.sync_interval_s,
            # an accelerated clock stretches the feed's wall lag: 250 ms of it, at least 2 s
            bar_grace_s=max(2.0, 0.25 * clock_speed(clock)),
        )
        feed = KisMarketFeed(client.ws, hts_id=cfg.hts_id)
        trader = Trader(KisBroker(client), feed, store, clock, trader_cfg, checkpoint=options.checkpoint)
        service = TraderService(trader)
        stack.push_async_callback(trader.stop)
        await (trader.start() if options.start_trading else trader.recover())
        usage.watch(trader_sources(trader))
        stack.push_async_callback(usage.pause)  # before trader.stop: a shutdown is not downtime
        rest_url = cfg.rest_url or client.endpoints.rest_url
        yield Runtime(options.mode, label, trader, service, client, clock, store, rest_url, sim, usage)


__all__ = [
    "MAX_SYMBOLS",
    "RunOptions",
    "Runtime",
    "limits_from",
    "open_runtime",
    "strategy_from",
    "watchlist",
]
