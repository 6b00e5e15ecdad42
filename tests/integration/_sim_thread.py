"""A simulator environment served from a background thread with its own asyncio loop, for
synchronous third-party clients (``requests`` / ``websocket-client``) driven from a test.

    with SimThread(SimConfig(env="real")) as sim:
        sim.rest_url, sim.ws_url, sim.credentials
        sim.call(lambda: sim.hub.snapshot(symbol))  # runs on the simulator's loop thread
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from types import TracebackType
from typing import Any, TypeVar

from kistrade.kis.simulator.config import SimConfig, SimCredentials
from kistrade.kis.simulator.market import MarketHub
from kistrade.kis.simulator.server import RunningSimulator, start_simulator

T = TypeVar("T")
START_TIMEOUT_S = 10.0


class SimThread:
    """Runs ``start_simulator(config)`` on a private event loop in a daemon thread."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=f"sim-{config.env}", daemon=True)
        self._started: Future[RunningSimulator] = Future()
        self._stop: asyncio.Event | None = None
        self._sim: RunningSimulator | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with start_simulator(self.config) as sim:
                self._started.set_result(sim)
                await self._stop.wait()
        except BaseException as exc:
            if not self._started.done():
                self._started.set_exception(exc)
            raise

    def __enter__(self) -> SimThread:
        self._thread.start()
        self._sim = self._started.result(timeout=START_TIMEOUT_S)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout=START_TIMEOUT_S)

    @property
    def sim(self) -> RunningSimulator:
        if self._sim is None:
            raise RuntimeError("the simulator thread is not started")
        return self._sim

    @property
    def rest_url(self) -> str:
        return self.sim.rest_url

    @property
    def ws_url(self) -> str:
        return self.sim.ws_url

    @property
    def credentials(self) -> SimCredentials:
        return self.sim.credentials

    @property
    def hub(self) -> MarketHub:
        return self.sim.hub

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the simulator's loop thread (the hub is not thread-safe) and return it."""

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=START_TIMEOUT_S)

    def submit(self, coro_fn: Callable[[], Any]) -> Any:
        """Await ``coro_fn()`` on the simulator's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro_fn(), self._loop).result(timeout=START_TIMEOUT_S)
