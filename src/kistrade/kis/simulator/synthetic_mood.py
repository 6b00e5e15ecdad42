"""The synthetic crowd's mood over one trading day: trend regimes, news bursts, volatility.

Real large caps on 1-minute bars are not a random walk around the open: they trend for a while
(minutes to an hour, now and then hard), revert, jump on one-sided bursts of flow around news,
and their volatility clusters. ``DayMood`` draws that day's script up front, per minute of the
regular session (09:00-15:30), from its own seeded generator:

- ``trend[m]``: the signed strength of the regime in force (about -2.5..2.5; 0 = range-bound).
  The crowd's reference drifts with it (in ticks per minute), its order-flow state is pulled to
  it (the share of buyers among aggressive orders) and the book leans with the flow (more depth
  on the side the price is heading). Regimes last 5-30 minutes (exponential, mean
  ``trend_minutes``); 40% are range-bound; a new trend's sign leans against the previous trend
  and against the script's running total, which keeps the day's range realistic; a day has at
  least three clear trends (>= 8 minutes, strength >= 0.9) each way.
- ``activity[m]``: order-arrival multiplier on top of the U-shaped intraday profile (bursts).
- ``vol[m]``: volatility multiplier (a log-AR(1) per minute: volatility clusters).

Drawing the script up front keeps the per-event cost to a list lookup, and makes the regimes
independent of how many events the crowd happens to process.
"""

from __future__ import annotations

import math
import random

SESSION_MINUTES = 390  # 09:00-15:30; minutes after it reuse the last one
_QUIET, _TREND = 0.4, 0.85  # regime mix: P(range-bound), P(range-bound or moderate trend)
_REVERSE = 1.5  # logit of a new trend turning against the previous one
_HOLD = 5.0  # script total (strength x minutes) per unit logit of a new trend reverting it
_MIN_TRENDS = 3  # clear trends each way a day has at least
_VOL_PHI, _VOL_SD = 0.93, 0.3  # per-minute AR(1) of log volatility, its stationary std


class DayMood:
    """One symbol's day script, per minute from 09:00 (see the module docstring)."""

    __slots__ = ("activity", "trend", "vol")

    def __init__(
        self,
        rng: random.Random,
        *,
        trend_minutes: float,
        bursts_per_day: float,
        minutes: int = SESSION_MINUTES,
    ) -> None:
        self.trend = _regimes(rng, minutes, trend_minutes)
        for _ in range(20):  # most days have a few clear trends each way: redraw the odd one out
            if min(_trends(self.trend, 1.0), _trends(self.trend, -1.0)) >= _MIN_TRENDS:
                break
            self.trend = _regimes(rng, minutes, trend_minutes)
        self.activity = [1.0] * minutes
        self.vol = _clustered_vol(rng, minutes)
        for _ in range(_poisson(rng, bursts_per_day)):
            self._burst(rng, minutes)
        for m, g in enumerate(self.trend):  # trends are more volatile than quiet spells
            self.vol[m] *= 1.0 + 0.25 * abs(g)

    def _burst(self, rng: random.Random, minutes: int) -> None:
        """A news burst: a few minutes of heavy one-sided flow, then often a partial reversal."""
        start = rng.randrange(10, minutes - 20)
        length = rng.randint(2, 6)
        sign = 1.0 if rng.random() < 0.5 else -1.0
        strength = rng.uniform(1.5, 2.5)
        for m in range(start, min(minutes, start + length)):
            self.trend[m] = sign * strength
            self.activity[m] = rng.uniform(1.5, 2.5)
            self.vol[m] *= 1.8
        if rng.random() < 0.5:
            back = start + length
            for m in range(back, min(minutes, back + rng.randint(4, 12))):
                self.trend[m] = -sign * strength * 0.4

    def minute(self, seconds_from_open: float) -> int:
        """The script index of a time (seconds from 09:00; clamped to the session)."""
        return min(len(self.trend) - 1, max(0, int(seconds_from_open // 60)))


def _regimes(rng: random.Random, minutes: int, mean_minutes: float) -> list[float]:
    """Regimes of random length; a trend's sign leans against the script's own running total
    (so the day's range stays realistic) and against the previous trend (reversals)."""
    trend: list[float] = []
    total, last_sign = 0.0, 0.0
    while len(trend) < minutes:
        length = min(30, max(5, round(rng.expovariate(1.0 / mean_minutes))))
        u = rng.random()
        if u < _QUIET:
            g = rng.gauss(0.0, 0.2)
        else:
            p_up = 1.0 / (1.0 + math.exp(total / _HOLD + _REVERSE * last_sign))
            last_sign = 1.0 if rng.random() < p_up else -1.0
            g = last_sign * (rng.uniform(0.7, 1.3) if u < _TREND else rng.uniform(1.3, 2.0))
        trend.extend([g] * length)
        total += g * length
    return trend[:minutes]


def _trends(trend: list[float], sign: float) -> int:
    """How many regimes of at least 8 minutes trend ``sign``-wards with strength >= 0.9."""
    count, run = 0, 0
    for i, g in enumerate(trend):
        run = run + 1 if i and g == trend[i - 1] else 1
        if run == 8 and g * sign >= 0.9:
            count += 1
    return count


def _clustered_vol(rng: random.Random, minutes: int) -> list[float]:
    h = rng.gauss(0.0, _VOL_SD)
    shock = _VOL_SD * math.sqrt(1.0 - _VOL_PHI**2)
    out: list[float] = []
    for _ in range(minutes):
        h = _VOL_PHI * h + rng.gauss(0.0, shock)
        out.append(math.exp(h - _VOL_SD**2 / 2))  # mean 1
    return out


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's Poisson draw (``mean`` is small)."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
