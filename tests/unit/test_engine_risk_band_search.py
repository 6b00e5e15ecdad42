"""``first_true`` (the search behind the risk gate's exact price thresholds) finds the first
true point of any monotone predicate from any guess, and never asks outside [-TOP, TOP]."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kistrade.engine.risk_band import TOP, first_true

POINTS = st.one_of(
    st.integers(-TOP - 1, TOP + 1),
    st.integers(-1_000_000, 1_000_000),
    st.sampled_from([-TOP - 1, -TOP, -TOP + 1, 0, TOP - 1, TOP, TOP + 1]),
)


@given(threshold=POINTS, guess=st.one_of(POINTS, st.integers(-(2**70), 2**70)))
def test_first_true_finds_the_threshold(threshold: int, guess: int) -> None:
    asked: list[int] = []

    def pred(x: int) -> bool:
        asked.append(x)
        return x >= threshold

    expected = min(max(threshold, -TOP), TOP + 1)  # -TOP when true everywhere, TOP + 1 when never
    assert first_true(pred, guess) == expected
    assert all(-TOP <= x <= TOP for x in asked)
    assert len(asked) <= 2 * 64 + 2  # a gallop and a bisection over 2**63 values


def test_first_true_near_the_guess_asks_little() -> None:
    asked: list[int] = []

    def pred(x: int) -> bool:
        asked.append(x)
        return x >= 70_001

    assert first_true(pred, 70_000) == 70_001
    assert len(asked) <= 3
