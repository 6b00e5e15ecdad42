"""systemd's notify protocol (sd_notify) without libsystemd: datagrams to ``$NOTIFY_SOCKET``.

``READY=1`` once the bot has recovered and its interfaces serve; ``WATCHDOG=1`` every half of
``$WATCHDOG_USEC`` from a task on the bot's event loop, so a hung loop stops the pings and
systemd (``WatchdogSec``) restarts the bot; ``STOPPING=1`` on a clean shutdown. Without
``$NOTIFY_SOCKET`` (not under systemd) every call does nothing.
"""

from __future__ import annotations

import asyncio
import os
import socket

from loguru import logger


def notify(state: str) -> bool:
    """Send ``state`` (e.g. ``"READY=1"``); False when not under systemd or the send failed."""
    path = os.environ.get("NOTIFY_SOCKET", "")
    if not path:
        return False
    address = "\0" + path[1:] if path.startswith("@") else path  # abstract namespace
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(address)
            s.sendall(state.encode())
    except OSError as exc:
        logger.warning("sd_notify {} failed: {}", state.split("=", 1)[0], exc)
        return False
    return True


def watchdog_interval_s() -> float | None:
    """Half of systemd's watchdog timeout, or None when there is no watchdog for this process."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000


async def watchdog_pings(interval_s: float) -> None:
    """Ping systemd's watchdog from the event loop until cancelled."""
    while True:
        notify("WATCHDOG=1")
        await asyncio.sleep(interval_s)


__all__ = ["notify", "watchdog_interval_s", "watchdog_pings"]
