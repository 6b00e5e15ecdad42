"""Per-app-key request rate limit of the simulated KIS gateway (EGW00201 when exceeded).

KIS's window semantics are unknown (shared/kis-protocol.md §5.1): captures fit a per-second
bucket reset at second boundaries. Both a fixed window (aligned to whole seconds of the
injected time source) and a sliding 1-second window are offered. Time is passed in explicitly
(monotonic seconds) so the limiter is pure and testable.
"""

from __future__ import annotations

from collections import deque
from typing import Literal

WindowKind = Literal["fixed", "sliding"]


class RateLimiter:
    """At most ``limit`` admitted requests per app key within any window of ``window_s`` seconds."""

    def __init__(self, limit: int, window: WindowKind = "fixed", window_s: float = 1.0) -> None:
        if limit <= 0:
            raise ValueError(f"rate limit {limit} must be positive")
        if window not in ("fixed", "sliding"):
            raise ValueError(f"rate window {window!r} must be 'fixed' or 'sliding'")
        if window_s <= 0:
            raise ValueError(f"rate window length {window_s} must be positive")
        self.limit = limit
        self.window: WindowKind = window
        self.window_s = window_s
        self._fixed: dict[str, tuple[int, int]] = {}  # key -> (window index, count)
        self._sliding: dict[str, deque[float]] = {}

    def set_limit(self, limit: int) -> None:
        if limit <= 0:
            raise ValueError(f"rate limit {limit} must be positive")
        self.limit = limit

    def allow(self, key: str, now: float) -> bool:
        """Admit (and count) one request for ``key`` at time ``now``; False when over the limit.

        Refused requests are not counted (KIS answers them without doing the work).
        """
        if self.window == "fixed":
            index = int(now // self.window_s)
            current, count = self._fixed.get(key, (index, 0))
            if current != index:
                count = 0
            if count >= self.limit:
                self._fixed[key] = (index, count)
                return False
            self._fixed[key] = (index, count + 1)
            return True
        stamps = self._sliding.setdefault(key, deque())
        while stamps and stamps[0] <= now - self.window_s:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return False
        stamps.append(now)
        return True

    def reset(self) -> None:
        self._fixed.clear()
        self._sliding.clear()


__all__ = ["RateLimiter", "WindowKind"]
