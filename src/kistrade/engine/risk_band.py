"""Exact thresholds of the risk gate's price rules, in won, for bulk bar feeds
(``RiskGate.quiet_band``): the rules are Decimal formulas monotone in the price (or equity), so the
first price at which one changes its answer is found with the formula itself, a few evaluations
near a guess, and comparing prices in won is then the same test."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

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


def exit_band(qty: int, purchase_amount: int, limits: RiskLimits) -> tuple[int, int]:
    """(the highest price with a stop-loss, the lowest with a take-profit) of a holding of ``qty``
    shares (> 0) bought for ``purchase_amount`` (> 0): ``RiskGate.exit_intents`` at a price ``p``
    exits iff ``p <= `` the first or ``p >= `` the second."""
    amount = Decimal(purchase_amount)
    stop, take = limits.stop_loss_pct, limits.take_profit_pct
    stop_guess = int(amount * (100 + stop) / 100 / qty)
    take_guess = min(int(amount * (100 + take) / 100 / qty), TOP)
    stop_at = first_true(lambda c: change_pct(c, qty, purchase_amount) > stop, stop_guess) - 1
    take_at = first_true(lambda c: change_pct(c, qty, purchase_amount) >= take, take_guess)
    return stop_at, take_at
