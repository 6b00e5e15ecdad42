"""Single-price call auction (단일가매매): the uncross price and the allocation at that price.

Price rule (KRX): among the candidate prices, take the one that executes the most volume; on a
tie, the one with the smallest imbalance |demand - supply|; then the one closest to the
reference price (the base price for the opening auction, the last trade for the closing one);
then the lower price. Candidates are the prices of the resting limit orders; when only market
orders are present the reference price is the only candidate.

demand(p) = market buys + limit buys priced >= p; supply(p) = market sells + limit sells <= p.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate

from kistrade.domain.types import BookLevel


@dataclass(frozen=True, slots=True)
class UncrossResult:
    price: int
    qty: int
    """Executed volume at ``price``."""
    demand: int
    supply: int

    @property
    def imbalance(self) -> int:
        return abs(self.demand - self.supply)


def uncross(
    bids: tuple[BookLevel, ...] | list[BookLevel],
    asks: tuple[BookLevel, ...] | list[BookLevel],
    market_buy: int,
    market_sell: int,
    reference: int,
) -> UncrossResult | None:
    """The auction price for these aggregated levels, or ``None`` if nothing would trade."""
    if not bids and not asks:  # market orders only: the reference is the one candidate
        qty = min(market_buy, market_sell)
        return UncrossResult(reference, qty, market_buy, market_sell) if qty else None
    bid_prices = sorted(level.price for level in bids)
    bid_qty = {level.price: level.qty for level in bids}
    ask_prices = sorted(level.price for level in asks)
    ask_qty = {level.price: level.qty for level in asks}
    # suffix sums of bids (qty priced >= p) and prefix sums of asks (qty priced <= p)
    bid_suffix = list(accumulate(bid_qty[p] for p in reversed(bid_prices)))[::-1]
    ask_prefix = list(accumulate(ask_qty[p] for p in ask_prices))

    def demand(p: int) -> int:
        i = bisect_left(bid_prices, p)
        return market_buy + (bid_suffix[i] if i < len(bid_suffix) else 0)

    def supply(p: int) -> int:
        i = bisect_right(ask_prices, p)
        return market_sell + (ask_prefix[i - 1] if i > 0 else 0)

    candidates = sorted(set(bid_prices) | set(ask_prices)) or [reference]
    best: UncrossResult | None = None
    best_key: tuple[int, int, int, int] | None = None
    for p in candidates:
        d, s = demand(p), supply(p)
        qty = min(d, s)
        key = (-qty, abs(d - s), abs(p - reference), p)
        if best_key is None or key < best_key:
            best_key = key
            best = UncrossResult(price=p, qty=qty, demand=d, supply=s)
    if best is None or best.qty == 0:
        return None
    return best
