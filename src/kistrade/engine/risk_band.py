"""Exact thresholds of the risk gate's price rules, in won, for bulk bar feeds
(``RiskGate.quiet_band``): the rules are Decimal formulas monotone in the price (or equity), so the
first price at which one changes its answer is found with the formula itself, a few evaluations
near a guess (two per edge from an exact integer guess), and comparing prices in won is then the
same test. ``first_close_outside`` finds the first close of a run of bars outside such a band."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from kistrade.domain.costs import rate_ratio
from kistrade.engine.switch import RiskLimits

TOP = 2**62
"""Above any price or equity in won the gate sees (the search range of ``first_true``)."""


def change_pct(price: int, qty: int, purchase_amount: int) -> Decimal:
    """A holding's change at ``price`` in percent of its purchase amount (stop-loss / take-profit)."""
    return (Decimal(price) * qty - purchase_amount) * 100 / Decimal(purchase_amount)


def first_true(pred: Callable[[int], bool], guess: int) -> int:
    """The smallest x in [-TOP, TOP] with ``pred(x)`` for a ``pred`` false below some point and
    true from it on (-TOP when true everywhere, ``TOP + 1`` when never); a few calls near ``guess``
    (gallop from it, then bisect), never outside [-TOP, TOP]."""
    lo, hi = -TOP - 1, TOP + 1  # taken as pred(lo) false and pred(hi) true, never called
    g = min(max(guess, -TOP), TOP)
    step = 1
    if pred(g):
        hi = g
        while g - step > lo and pred(g - step):
            hi = g - step
            step *= 2
        lo = max(lo, g - step)
    else:
        lo = g
        while g + step < hi and not pred(g + step):
            lo = g + step
            step *= 2
        hi = min(hi, g + step)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid
    return hi


EXACT_BOUND = 10**26
"""``exit_band`` takes its exact-arithmetic guesses as the answer when ``purchase_amount × den ×
(|pct| + 1)`` is below this for both rates (``den``: the rate's exact denominator), where
``change_pct``'s 28-digit Decimal comparison provably equals exact arithmetic: at the prices near
an edge ``c × qty`` stays below 10**26 (no rounding before the division), a quotient ``q`` not equal
to the rate ``s`` is at least ``1 / (purchase_amount × den)`` away from it, and the division's
rounding moves ``q`` by at most ``5e-28 × |q|``, less than that distance while ``|q| <= 2|s| + 2``
(farther out the rounding cannot cross ``s`` at all), and ``q`` equal to ``s`` stays ``s`` (a rate
of at most 28 digits)."""


def exit_band(qty: int, purchase_amount: int, limits: RiskLimits) -> tuple[int, int]:
    """(the highest price with a stop-loss, the lowest with a take-profit) of a holding of ``qty``
    shares (> 0) bought for ``purchase_amount`` (> 0): ``RiskGate.exit_intents`` at a price ``p``
    exits iff ``p <= `` the first or ``p >= `` the second."""
    stop, take = limits.stop_loss_pct, limits.take_profit_pct
    # guesses: the last price below each edge in exact arithmetic (the stop-loss fires at the
    # edge itself, the take-profit from it on)
    stop_guess = _price_at(stop, qty, purchase_amount, below=False)
    take_guess = min(_price_at(take, qty, purchase_amount, below=True), TOP)
    if (
        _exact(stop, purchase_amount)
        and _exact(take, purchase_amount)
        and -TOP < stop_guess < take_guess < TOP
    ):
        return stop_guess, take_guess + 1
    return searched_band(qty, purchase_amount, limits, stop_guess, take_guess)


def searched_band(
    qty: int, purchase_amount: int, limits: RiskLimits, stop_guess: int, take_guess: int
) -> tuple[int, int]:
    """``exit_band`` found with the rules themselves (``change_pct``), from the guesses."""
    stop, take = limits.stop_loss_pct, limits.take_profit_pct
    stop_at = _edge(lambda c: change_pct(c, qty, purchase_amount) > stop, stop_guess) - 1
    take_at = _edge(lambda c: change_pct(c, qty, purchase_amount) >= take, take_guess)
    return stop_at, take_at


def _exact(pct: Decimal, purchase_amount: int) -> bool:
    """Whether ``change_pct`` compared with ``pct`` is exact arithmetic near its edge
    (``EXACT_BOUND``)."""
    rate = _rate(pct)
    return rate is not None and purchase_amount < rate[2]


@lru_cache(maxsize=64)
def _rate(pct: Decimal) -> tuple[int, int, int] | None:
    """A finite ``pct`` as ``(numerator, denominator, the purchase amounts below which it is
    exact)`` (0: none, for a rate of more than 28 digits); None for an infinite one. A few rates
    are ever configured: each is worked out once."""
    if pct.is_infinite():
        return None
    num, den = rate_ratio(pct)
    if len(pct.as_tuple().digits) > 28:  # not one 28-digit Decimal
        return num, den, 0
    return num, den, -(-EXACT_BOUND // (den * (abs(num) // den + 2)))  # amount * k < B: amount < ceil(B / k)


def _edge(pred: Callable[[int], bool], guess: int) -> int:
    """``first_true(pred, guess)``, in two calls of ``pred`` when ``guess`` is its last false
    point."""
    if -TOP <= guess < TOP and not pred(guess) and pred(guess + 1):
        return guess + 1
    return first_true(pred, guess)


def _price_at(pct: Decimal, qty: int, purchase_amount: int, *, below: bool) -> int:
    """The price ``purchase_amount * (100 + pct) / 100 / qty`` where the holding's change is
    ``pct`` percent, in exact integers: rounded down, or the largest integer strictly below it
    (``below``). A guess for a search, whose answer it does not change."""
    rate = _rate(pct)
    if rate is None:  # e.g. no take-profit: the search goes to the end of its range
        return TOP if pct > 0 else -TOP
    num, den, _ = rate
    top, bottom = purchase_amount * (100 * den + num), 100 * den * qty
    return -(-top // bottom) - 1 if below else top // bottom


def first_close_outside(closes: npt.NDArray[np.int64], start: int, stop: int, lo: int, hi: int) -> int:
    """The first index in ``[start, stop)`` whose close is ``<= lo`` or ``>= hi`` (outside a quiet
    band), ``stop`` when none is (``stop`` is cut to the array's length)."""
    stop = min(stop, len(closes))
    if stop <= start:
        return start
    seg = closes[start:stop]
    out = seg <= lo
    out |= seg >= hi
    k = int(out.argmax())  # the first True (0 when there is none)
    return start + k if out[k] else stop
