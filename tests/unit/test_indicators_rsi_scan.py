"""``RsiStream.scan`` (the bulk feed of quiet bars) is ``update`` value by value: it stops at the
first value that would leave the band (or is not finite) without taking it, and leaves the
stream exactly as the same values fed one by one would."""

from __future__ import annotations

import copy
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.indicators import RsiStream

prices = st.lists(st.integers(1, 200) | st.just(100), min_size=0, max_size=120)


def state(s: RsiStream) -> tuple[object, ...]:
    return (s._prev, s._count, s._gain, s._loss, s.value)


@settings(max_examples=300, deadline=None)
@given(
    xs=prices,
    period=st.integers(2, 15),
    low=st.sampled_from([-math.inf, 10.0, 30.0, 50.0]),
    high=st.sampled_from([math.inf, 50.0, 70.0, 90.0]),
    first=st.integers(0, 40),
    bad=st.integers(0, 200),
)
def test_scan_is_update_one_by_one(
    xs: list[int], period: int, low: float, high: float, first: int, bad: int
) -> None:
    xs = [float(x) for x in xs]
    if bad < len(xs) and bad % 2 == 0:
        xs[bad] = (math.nan, math.inf, -math.inf)[bad % 3]
    first = min(first, len(xs))
    a, b = RsiStream(period), RsiStream(period)
    for x in xs[:first]:
        if x - x != 0.0:
            return
        a.update(x)
        b.update(x)
    k = a.scan(xs, first, len(xs), low, high)
    want = len(xs)
    for i in range(first, len(xs)):
        x = xs[i]
        if x - x != 0.0:
            want = i
            break
        v = copy.copy(b).update(x)
        if v is not None and (v < low or v > high):
            want = i
            break
        b.update(x)
    assert k == want
    assert state(a) == state(b)
