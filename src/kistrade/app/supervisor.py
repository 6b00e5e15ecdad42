"""``kistrade run --supervise``: run the bot as a child process and restart it after a crash.

* A child that exits 0 (a clean stop: SIGTERM, Ctrl-C, ``--duration``, the simulator's day done)
  ends the supervisor with 0. Any other exit is a crash: an urgent alert, then a restart after
  a backoff that doubles from ``backoff_s`` up to ``max_backoff_s`` and starts over once a run
  has lasted ``stable_after_s``. ``max_restarts`` (0: no limit) crashes in a row end it.
* SIGTERM/SIGINT to the supervisor are passed to the child as SIGTERM (the bot finishes what it
  is sending, reconciles and exits); a child still alive after ``stop_timeout_s`` is killed.
* Every restart is a fresh process: recovery from the store and the broker does the rest
  (``make crash`` measures that path with kill -9).

Under systemd use ``Restart=always`` instead (deploy/kistrade.service): two supervisors would
fight over restarts. Durations are measured with ``time.monotonic`` (not market time).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from loguru import logger

from kistrade.domain.errors import ConfigError
from kistrade.ports import Notifier


@dataclass(frozen=True, slots=True)
class SuperviseConfig:
    backoff_s: float = 5.0
    max_backoff_s: float = 300.0
    stable_after_s: float = 600.0
    max_restarts: int = 0
    stop_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.backoff_s <= self.max_backoff_s:
            raise ConfigError(
                f"supervise backoff_s {self.backoff_s} must be > 0 and <= max_backoff_s {self.max_backoff_s}"
            )
        if self.max_restarts < 0:
            raise ConfigError(f"supervise max_restarts {self.max_restarts} must be >= 0")


@dataclass(slots=True)
class SuperviseResult:
    exit_code: int
    restarts: int
    crashes: list[int] = field(default_factory=list)  # the exit codes of the crashed runs


async def supervise(
    argv: Sequence[str],
    notifier: Notifier,
    *,
    config: SuperviseConfig | None = None,
    stop: asyncio.Event | None = None,
    on_start: Callable[[int], None] | None = None,
    label: str = "kistrade",
) -> SuperviseResult:
    """Run ``argv`` until it exits 0, ``stop`` is set, or it crashed ``max_restarts`` times."""
    cfg = config or SuperviseConfig()
    stop = stop or asyncio.Event()
    result = SuperviseResult(0, 0)
    delay = cfg.backoff_s
    while True:
        proc = await asyncio.create_subprocess_exec(*argv)
        started = time.monotonic()
        logger.info("supervisor: {} started (pid {})", label, proc.pid)
        if on_start is not None:
            on_start(proc.pid)
        waiter = asyncio.ensure_future(proc.wait())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not waiter.done():  # asked to stop: the child stops cleanly, or is killed
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(waiter, cfg.stop_timeout_s)
            except TimeoutError:
                logger.error("supervisor: {} did not stop in {:g}s: killing it", label, cfg.stop_timeout_s)
                proc.kill()
                await proc.wait()
            result.exit_code = 0
            return result
        code = waiter.result()
        ran = time.monotonic() - started
        if code == 0:
            logger.info("supervisor: {} exited cleanly after {:.0f}s", label, ran)
            result.exit_code = 0
            return result
        result.crashes.append(code)
        if ran >= cfg.stable_after_s:
            delay = cfg.backoff_s
        if cfg.max_restarts and result.restarts >= cfg.max_restarts:
            await notifier.notify(
                "error",
                f"{label} crashed (exit {code}) after {ran:.0f}s; {result.restarts} restarts used: giving up",
                urgent=True,
            )
            result.exit_code = code
            return result
        result.restarts += 1
        await notifier.notify(
            "error",
            f"{label} crashed (exit {code}) after {ran:.0f}s; restart #{result.restarts} in {delay:g}s",
            urgent=True,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            return result
        delay = min(delay * 2, cfg.max_backoff_s)


def child_argv(executable: str, args: Sequence[str]) -> list[str]:
    """The bot's own command line without ``--supervise``."""
    return [executable, "-m", "kistrade", *[a for a in args if a != "--supervise"]]


__all__ = ["SuperviseConfig", "SuperviseResult", "child_argv", "supervise"]
