"""Start one simulator environment: the REST site (KIS TRs, OAuth, ``/sim``) and the WebSocket
site, both on loopback by default, around one MarketHub.

    async with start_simulator(SimConfig(env="paper")) as sim:
        sim.rest_url, sim.ws_url, sim.credentials

Both environments can run at once (two calls, e.g. on the KIS ports of each). Port 0 picks a
free port; the bound URLs are in the returned ``RunningSimulator``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from kistrade.clock import WallClock
from kistrade.domain.types import Symbol, parse_symbol
from kistrade.kis.simulator.admin import admin_routes
from kistrade.kis.simulator.auth import AuthRegistry
from kistrade.kis.simulator.auth_routes import AUTH_KEY, auth_routes
from kistrade.kis.simulator.catalog import MarketSource, SyntheticSource
from kistrade.kis.simulator.config import SimConfig, SimCredentials
from kistrade.kis.simulator.context import SimServices
from kistrade.kis.simulator.dispatch import SERVICES_KEY, tr_routes
from kistrade.kis.simulator.faults import FaultState, parse_fault_spec
from kistrade.kis.simulator.market import MarketHub
from kistrade.kis.simulator.ratelimit import RateLimiter
from kistrade.kis.simulator.replay import ReplaySource
from kistrade.kis.simulator.replay_store import StoreReplayHub, StoreReplaySource, is_store_file
from kistrade.kis.simulator.sessionclock import SessionClock
from kistrade.kis.simulator.ws import make_ws_app
from kistrade.ports import Clock

ORG_NO = {"real": "06010", "paper": "00950"}


@dataclass(frozen=True, slots=True)
class RunningSimulator:
    """A started simulator environment (valid inside ``start_simulator``'s ``async with``)."""

    config: SimConfig
    rest_url: str  # "http://127.0.0.1:PORT"
    ws_url: str  # "ws://127.0.0.1:PORT" (serves "/", "/tryitout", "/tryitout/<TR>")
    credentials: SimCredentials  # the primary key pair / account / HTS id it accepts
    hub: MarketHub
    auth: AuthRegistry
    faults: FaultState
    services: SimServices

    @property
    def env(self) -> str:
        return self.config.env

    @property
    def rest_port(self) -> int:
        return int(self.rest_url.rsplit(":", 1)[1])

    @property
    def ws_port(self) -> int:
        return int(self.ws_url.rsplit(":", 1)[1])


def build_source(config: SimConfig) -> MarketSource:
    path = config.replay_path
    if path is not None and is_store_file(Path(path)):  # a kistrade store: recorded ticks and books
        return StoreReplaySource(Path(path), day=config.start_date, seed=config.seed)
    if path is not None:
        return ReplaySource(Path(path), day=config.start_date, seed=config.seed)
    return SyntheticSource(config.seed)


def build_clock(config: SimConfig, source: MarketSource) -> SessionClock:
    start = config.start.strftime("%H:%M") if config.start is not None else None
    if config.clock_mode == "real":  # refuses --start / --speed with a message naming them
        return SessionClock.create(mode="real", start=start, speed=config.speed)
    return SessionClock.create(
        mode="sim", start=start, speed=config.speed, day=config.start_date or source.preferred_day()
    )


def build_hub(config: SimConfig, clock: SessionClock | None = None) -> MarketHub:
    source = build_source(config)
    session = clock if clock is not None else build_clock(config, source)
    symbols: list[Symbol] = [parse_symbol(s) for s in config.symbols]
    hub: MarketHub
    if isinstance(source, StoreReplaySource):
        hub = StoreReplayHub(symbols, session, source, config.seed, org_no=ORG_NO[config.env])
    else:
        hub = MarketHub(symbols, session, source, config.seed, org_no=ORG_NO[config.env])
    for cred in config.all_credentials:
        hub.open_account(cred.account_no, cred.hts_id, config.cash)
    return hub


def build_rest_app(services: SimServices) -> web.Application:
    app = web.Application()
    app[SERVICES_KEY] = services
    app[AUTH_KEY] = services.auth
    app.add_routes(auth_routes())
    app.add_routes(tr_routes())
    app.add_routes(admin_routes())
    return app


async def _serve(stack: AsyncExitStack, app: web.Application, host: str, port: int) -> int:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, host, port, reuse_address=True)
    await site.start()
    return int(runner.addresses[0][1])


def _url(scheme: str, host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


@asynccontextmanager
async def start_simulator(
    config: SimConfig,
    *,
    token_clock: Clock | None = None,
    session_clock: SessionClock | None = None,
    monotonic: Callable[[], float] | None = None,
) -> AsyncIterator[RunningSimulator]:
    """Start the REST and WS sites of one environment; stop everything on exit.

    ``token_clock`` drives token/approval-key validity (default: the wall clock — never the
    simulated market clock, §11.2); ``session_clock`` overrides the market's session clock;
    ``monotonic`` overrides the rate limiter's time source (tests).
    """
    faults = FaultState(seed=config.seed)
    if config.faults:
        faults.apply(parse_fault_spec(config.faults))
    hub = build_hub(config, session_clock)
    auth = AuthRegistry(
        config.all_credentials,
        env=config.env,
        clock=token_clock if token_clock is not None else WallClock(),
        foreign_app_keys=config.other_env_app_keys,
        validity_s=config.token_validity_s,
        reuse_s=config.token_reuse_s,
        min_interval_s=config.token_min_interval_s,
    )
    limiter = RateLimiter(config.rate_per_s, config.rate_window)
    services = SimServices(config=config, hub=hub, auth=auth, faults=faults, limiter=limiter)
    if monotonic is not None:
        services.monotonic = monotonic
    async with AsyncExitStack() as stack:
        await hub.start()
        stack.push_async_callback(hub.stop)
        rest_port = await _serve(stack, build_rest_app(services), config.host, config.rest_port)
        ws_app = make_ws_app(hub, auth, config, faults)
        ws_port = await _serve(stack, ws_app, config.host, config.ws_port)
        services.ws_url = _url("ws", config.host, ws_port)
        yield RunningSimulator(
            config=config,
            rest_url=_url("http", config.host, rest_port),
            ws_url=_url("ws", config.host, ws_port),
            credentials=config.creds,
            hub=hub,
            auth=auth,
            faults=faults,
            services=services,
        )


__all__ = ["RunningSimulator", "build_hub", "build_rest_app", "start_simulator"]
