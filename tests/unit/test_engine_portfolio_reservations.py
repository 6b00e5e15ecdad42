"""The Portfolio's reservation totals (per symbol, and the cash total) equal the sums over the
reservations of each order after any sequence of reserve / release calls."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.types import Side, Symbol
from kistrade.engine.portfolio import Portfolio

SYMS = [Symbol("005930"), Symbol("000660"), Symbol("035720")]
KEYS = ["a", "b", "c", "d"]

ops = st.lists(
    st.tuples(
        st.sampled_from(["cash", "shares", "release"]),
        st.sampled_from(KEYS),
        st.sampled_from(SYMS),
        st.integers(min_value=0, max_value=3) | st.integers(min_value=0, max_value=10**12),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(ops, st.lists(st.tuples(st.sampled_from(SYMS), st.integers(1, 50)), max_size=3))
def test_totals_match_the_reservations(
    seq: list[tuple[str, str, Symbol, int]], buys: list[tuple[Symbol, int]]
) -> None:
    pf = Portfolio(10**15)
    for sym, qty in buys:
        pf.apply_fill(sym, Side.BUY, qty, 1_000)
    cash: dict[str, tuple[Symbol, int]] = {}  # the model: the reservation of each order
    shares: dict[str, tuple[Symbol, int]] = {}
    for op, key, sym, amount in seq:
        if op == "cash":
            pf.reserve_cash(key, sym, amount)
            cash.pop(key, None)
            if amount:
                cash[key] = (sym, amount)
        elif op == "shares":
            pf.reserve_shares(key, sym, amount)
            shares.pop(key, None)
            if amount:
                shares[key] = (sym, amount)
        else:
            pf.release(key)
            cash.pop(key, None)
            shares.pop(key, None)
        assert pf.reserved_cash == sum(a for _, a in cash.values())
        assert pf.available_cash == pf.cash - pf.reserved_cash
        assert pf.symbols_with_open_buys() == {s for s, a in cash.values() if a > 0}
        in_use = {h.symbol for h in pf.holdings()} | pf.symbols_with_open_buys()
        assert pf.count_in_use() == len(in_use)
        for s in SYMS:
            assert pf.reserved_cash_symbol(s) == sum(a for t, a in cash.values() if t == s)
            assert pf.reserved_shares(s) == sum(q for t, q in shares.values() if t == s)
            assert pf.sellable_qty(s) == pf.qty(s) - pf.reserved_shares(s)
            assert pf.has_reservation(s, Side.BUY) == any(t == s for t, _ in cash.values())
            assert pf.has_reservation(s, Side.SELL) == any(t == s for t, _ in shares.values())
