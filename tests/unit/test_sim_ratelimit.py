"""The simulator's per-app-key rate limiter (fixed and sliding 1-second windows)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.kis.simulator.faults import FaultState, parse_fault_spec
from kistrade.kis.simulator.ratelimit import RateLimiter

times = st.lists(st.floats(min_value=0, max_value=20, allow_nan=False), min_size=1, max_size=200).map(sorted)


@settings(max_examples=60)
@given(times, st.integers(min_value=1, max_value=25))
def test_fixed_window_never_admits_more_than_limit_per_second(stamps: list[float], limit: int) -> None:
    rl = RateLimiter(limit, "fixed")
    admitted = [t for t in stamps if rl.allow("k", t)]
    per_second: dict[int, int] = {}
    for t in admitted:
        per_second[int(t)] = per_second.get(int(t), 0) + 1
    assert all(n <= limit for n in per_second.values())
    # and it refuses nothing it could admit: each second admits min(limit, requests in it)
    wanted: dict[int, int] = {}
    for t in stamps:
        wanted[int(t)] = wanted.get(int(t), 0) + 1
    assert per_second == {s: min(limit, n) for s, n in wanted.items()}


@settings(max_examples=60)
@given(times, st.integers(min_value=1, max_value=25))
def test_sliding_window_never_admits_more_than_limit_in_any_second(stamps: list[float], limit: int) -> None:
    rl = RateLimiter(limit, "sliding")
    admitted = [t for t in stamps if rl.allow("k", t)]
    for i, t in enumerate(admitted):
        in_window = [u for u in admitted[: i + 1] if u > t - 1.0]
        assert len(in_window) <= limit


def test_paper_rate_two_per_second_third_refused_then_next_second_ok() -> None:
    rl = RateLimiter(2, "fixed")
    assert rl.allow("paper", 100.0)
    assert rl.allow("paper", 100.3)
    assert not rl.allow("paper", 100.6)
    assert rl.allow("other-key", 100.7)  # per app key
    assert rl.allow("paper", 101.0)


def test_sliding_window_refuses_a_burst_straddling_a_second_boundary() -> None:
    fixed, sliding = RateLimiter(2, "fixed"), RateLimiter(2, "sliding")
    stamps = [0.8, 0.9, 1.0, 1.1]
    assert [fixed.allow("k", t) for t in stamps] == [True, True, True, True]
    assert [sliding.allow("k", t) for t in stamps] == [True, True, False, False]


def test_refused_requests_are_not_counted() -> None:
    rl = RateLimiter(1, "sliding")
    assert rl.allow("k", 0.0)
    assert not rl.allow("k", 0.5)
    assert rl.allow("k", 1.01)


@pytest.mark.parametrize(("limit", "window"), [(0, "fixed"), (-1, "sliding"), (1, "bucket")])
def test_bad_settings_are_refused(limit: int, window: str) -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(limit, window)  # type: ignore[arg-type]


def test_fault_spec_string_matches_the_json_form() -> None:
    spec = parse_fault_spec("http500=0.1, egw00201=0.05,latency=50,pingpong=off,drop_ws,expire_tokens")
    assert spec == {
        "http500_rate": "0.1",
        "egw00201_rate": "0.05",
        "latency_ms": "50",
        "pingpong": "off",
        "drop_ws": True,
        "expire_tokens": True,
    }
    faults = FaultState()
    drops: list[int] = []
    faults.add_drop_listener(lambda: drops.append(1))
    expired: list[int] = []
    done = faults.apply(spec, lambda: expired.append(1))
    assert (faults.http500_rate, faults.egw00201_rate, faults.latency_ms) == (0.1, 0.05, 50)
    assert faults.pingpong_stopped
    assert done == ["drop_ws", "expire_tokens"]
    assert drops == [1] and expired == [1] and faults.drop_generation == 1


@pytest.mark.parametrize("text", ["http500=2", "latency=-5", "bogus=1", "mystery", "pingpong=maybe"])
def test_bad_fault_specs_name_the_fault(text: str) -> None:
    with pytest.raises(ValueError, match=text.split("=", maxsplit=1)[0]):
        FaultState().apply(parse_fault_spec(text))


def test_fault_rates_are_seeded_and_roughly_honoured() -> None:
    a, b = FaultState(seed=3, http500_rate=0.25), FaultState(seed=3, http500_rate=0.25)
    rolls_a = [a.roll_http500() for _ in range(4000)]
    assert rolls_a == [b.roll_http500() for _ in range(4000)]
    assert 800 < sum(rolls_a) < 1200
    assert not any(FaultState().roll_egw00201() for _ in range(100))
