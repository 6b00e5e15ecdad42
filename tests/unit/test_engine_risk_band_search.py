"""``first_true`` (the search behind the risk gate's exact price thresholds) finds the first
true point of any monotone predicate from any guess, and never asks outside [-TOP, TOP]."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kistrade.engine.risk_band import (
    EXACT_BOUND,
    TOP,
    _edge,
    _exact,
    _price_at,
    change_pct,
    exit_band,
    first_true,
    searched_band,
)
from kistrade.engine.switch import RiskLimits

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


@given(
    qty=st.integers(1, 10**6),
    amount=st.integers(1, 10**13),
    stop=st.decimals("-99.99", "-0.01", places=2),
    take=st.one_of(st.decimals("0.01", "1000", places=2), st.just(Decimal("Infinity"))),
)
def test_exit_band_edges_are_the_rules(qty: int, amount: int, stop: Decimal, take: Decimal) -> None:
    """The stop-loss fires at ``stop_at`` and not one won above; the take-profit at ``take_at``
    and not one won below (never, for an infinite take-profit)."""
    stop_at, take_at = exit_band(qty, amount, RiskLimits(stop_loss_pct=stop, take_profit_pct=take))
    assert change_pct(stop_at, qty, amount) <= stop < change_pct(stop_at + 1, qty, amount)
    if take.is_infinite():
        assert take_at == TOP + 1
    else:
        assert change_pct(take_at - 1, qty, amount) < take <= change_pct(take_at, qty, amount)


@given(threshold=POINTS, guess=st.one_of(POINTS, st.integers(-(2**70), 2**70)))
def test_edge_is_first_true(threshold: int, guess: int) -> None:
    asked: list[int] = []

    def pred(x: int) -> bool:
        asked.append(x)
        return x >= threshold

    assert _edge(pred, guess) == first_true(pred, guess)
    assert all(-TOP <= x <= TOP for x in asked)


@given(
    qty=st.integers(1, 10**5),
    price=st.integers(1, 10**7),
    stop=st.sampled_from([Decimal(-5), Decimal("-99.99"), Decimal("-0.5"), Decimal(-50)]),
    take=st.sampled_from([Decimal(10), Decimal(1_000_000_000), Decimal("0.5"), Decimal(100)]),
)
def test_exit_band_with_edges_on_whole_won(qty: int, price: int, stop: Decimal, take: Decimal) -> None:
    """Bought for exactly ``qty * price`` (no commission), the edges often fall on a whole won;
    they are still the rules' and found from the guesses in two evaluations each."""
    amount = qty * price
    stop_at, take_at = exit_band(qty, amount, RiskLimits(stop_loss_pct=stop, take_profit_pct=take))
    assert change_pct(stop_at, qty, amount) <= stop < change_pct(stop_at + 1, qty, amount)
    assert change_pct(take_at - 1, qty, amount) < take <= change_pct(take_at, qty, amount)
    assert _price_at(stop, qty, amount, below=False) == stop_at
    assert _price_at(take, qty, amount, below=True) == take_at - 1


STOPS = st.decimals("-99.999", "-0.001", places=3)
TAKES = st.decimals("0.001", "1000", places=3)


@given(
    qty=st.integers(1, 10**9),
    amount=st.one_of(
        st.integers(1, 10**13),
        st.integers(10**13, 10**24),
        st.integers(EXACT_BOUND // 12 - 10**9, EXACT_BOUND // 12 - 1),  # just inside, for -5 / 10
    ),
    stop=st.one_of(STOPS, st.sampled_from([Decimal(-5), Decimal("-0.5")])),
    take=st.one_of(TAKES, st.sampled_from([Decimal(10), Decimal("1E+9")])),
)
def test_exit_band_without_search_is_the_searched_band(
    qty: int, amount: int, stop: Decimal, take: Decimal
) -> None:
    """Where ``exit_band`` takes its exact guesses as the answer (``EXACT_BOUND``), the rules
    checked one won either side give the same edges; where it does not, it is the search."""
    limits = RiskLimits(stop_loss_pct=stop, take_profit_pct=take)
    stop_guess = _price_at(stop, qty, amount, below=False)
    take_guess = min(_price_at(take, qty, amount, below=True), TOP)
    assert exit_band(qty, amount, limits) == searched_band(qty, amount, limits, stop_guess, take_guess)


def test_exit_band_search_is_kept_past_the_bound() -> None:
    """A purchase too large for the proof, and a rate of more than 28 digits, take the search."""
    assert _exact(Decimal(-5), EXACT_BOUND // 7 - 1)  # 5 + 2 = 7: within
    assert not _exact(Decimal(-5), EXACT_BOUND // 7 + 1)
    assert not _exact(Decimal("-5." + "1" * 30), 1_000)
    assert not _exact(Decimal("Infinity"), 1_000)
