"""Clock implementations. The only module allowed to read the wall clock.

- ``WallClock``: real time in Asia/Seoul (paper, live).
- ``AffineClock``: simulated time = origin + speed × (wall - wall_origin); the simulator
  publishes (origin, wall_origin, speed) and the bot builds the same map (sim mode).
- ``ManualClock``: advanced explicitly (backtests, unit tests); never reads the wall clock.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kistrade.domain.types import KST


def wall_now() -> datetime:
    """Current wall time, Asia/Seoul."""
    return datetime.now(KST)


def wall_epoch() -> float:
    """Current wall time as seconds since the epoch."""
    return time.time()


class WallClock:
    def now(self) -> datetime:
        return wall_now()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


@dataclass(frozen=True, slots=True)
class AffineMap:
    """sim = origin + speed × (wall - wall_origin), with wall as epoch seconds."""

    origin: datetime
    wall_origin: float
    speed: float = 1.0

    def to_sim(self, wall: float) -> datetime:
        return self.origin + timedelta(seconds=(wall - self.wall_origin) * self.speed)

    def to_wall(self, sim: datetime) -> float:
        return self.wall_origin + (sim - self.origin).total_seconds() / self.speed

    def as_dict(self) -> dict[str, object]:
        return {
            "origin": self.origin.isoformat(),
            "wall_origin": self.wall_origin,
            "speed": self.speed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> AffineMap:
        origin = datetime.fromisoformat(str(data["origin"]))
        if origin.tzinfo is None:
            raise ValueError("clock origin must carry a timezone")
        return cls(
            origin=origin, wall_origin=float(str(data["wall_origin"])), speed=float(str(data["speed"]))
        )


class AffineClock:
    """Wall time mapped onto a simulated session (possibly accelerated)."""

    def __init__(self, mapping: AffineMap) -> None:
        self.mapping = mapping

    @classmethod
    def starting_at(cls, origin: datetime, speed: float = 1.0) -> AffineClock:
        return cls(AffineMap(origin=origin, wall_origin=time.time(), speed=speed))

    @property
    def speed(self) -> float:
        return self.mapping.speed

    def now(self) -> datetime:
        return self.mapping.to_sim(time.time()).astimezone(KST)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.mapping.speed)


def clock_speed(clock: object) -> float:
    """Clock seconds per wall second: an AffineClock's speed, 1 for every other clock. Waits
    measured in wall time (network lag, a reconnect) last ``speed`` times longer on the clock."""
    return clock.speed if isinstance(clock, AffineClock) else 1.0


class ManualClock:
    """A clock moved by hand. ``sleep`` advances it instantly."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)


__all__ = [
    "UTC",
    "AffineClock",
    "AffineMap",
    "ManualClock",
    "WallClock",
    "clock_speed",
    "wall_epoch",
    "wall_now",
]
