"""The rsi_orderbook book assessment: metric scores, the composite, and the entry/exit checks.

Scores are in [0, 1], higher = more favourable to a long entry:
spread ``1 - spread% / max_spread_pct`` (clipped), imbalance and trade flow ``(lean + 1) / 2``.
``composite`` is their weighted mean (weights > 0 only); ``pressure`` is the weighted mean of
the directional leans (imbalance, flow) in [-1, 1]. Each gate applies only when its weight is
positive; with all weights zero the book is off: entries are always confirmed and the book
never forces an exit, which gives back the plain RSI decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kistrade.domain.types import OrderBook
from kistrade.strategy.analysis import (
    FlowStats,
    Imbalance,
    Spread,
    fmt_flow,
    fmt_imbalance,
    fmt_spread,
    imbalance,
    lean_score,
    spread,
    spread_score,
)
from kistrade.strategy.params import OrderbookParams


@dataclass(frozen=True, slots=True)
class BookAssessment:
    spread: Spread | None
    imbalance: Imbalance | None
    flow: FlowStats
    spread_score: float | None
    imbalance_score: float | None
    flow_score: float
    composite: float | None  # None: book off (all weights 0) or a weighted metric is missing
    pressure: float | None  # None: no directional weight or the imbalance is missing
    missing: str | None  # why there is no usable book ("no order book yet", "order book 75s old")


def assess(book: OrderBook | None, flow: FlowStats, params: OrderbookParams, now: datetime) -> BookAssessment:
    missing: str | None = None
    if book is None:
        missing = "no order book yet"
    else:
        age = (now - book.ts).total_seconds()
        if age > params.max_book_age_s:
            missing = f"order book {age:.0f}s old > {params.max_book_age_s:g}s"
    usable = book if missing is None else None
    spr = spread(usable) if usable is not None else None
    imb = imbalance(usable, params.depth_levels, weighted=params.depth_weighted) if usable else None
    spr_score = spread_score(spr, params.max_spread_pct) if spr is not None else None
    imb_score = lean_score(imb.value) if imb is not None else None
    flow_score = lean_score(flow.value)

    w = params.weights
    composite: float | None = None
    parts = ((w.spread, spr_score), (w.imbalance, imb_score), (w.trade_flow, flow_score))
    if w.total > 0 and all(score is not None for weight, score in parts if weight > 0):
        composite = sum(weight * score for weight, score in parts if weight > 0 and score is not None)
        composite /= w.total

    pressure: float | None = None
    if w.directional > 0 and (w.imbalance == 0 or imb is not None):
        lean = w.trade_flow * flow.value + (w.imbalance * imb.value if imb is not None else 0.0)
        pressure = lean / w.directional

    return BookAssessment(
        spread=spr,
        imbalance=imb,
        flow=flow,
        spread_score=spr_score,
        imbalance_score=imb_score,
        flow_score=flow_score,
        composite=composite,
        pressure=pressure,
        missing=missing,
    )


def entry_check(a: BookAssessment, params: OrderbookParams) -> tuple[bool, tuple[str, ...]]:
    """Does the book confirm a long entry? Returns the verdict and the reasons for it."""
    w = params.weights
    if w.total <= 0:
        return True, ()
    if a.missing is not None:
        return False, (a.missing,)
    ok = True
    reasons: list[str] = []
    if w.imbalance > 0:
        if a.imbalance is None:
            ok = False
            reasons.append(fmt_imbalance(None))
        elif a.imbalance.value < params.min_imbalance:
            ok = False
            reasons.append(f"{fmt_imbalance(a.imbalance)} < min {params.min_imbalance:g}")
        else:
            reasons.append(fmt_imbalance(a.imbalance))
    if w.spread > 0:
        if a.spread is None:
            ok = False
            reasons.append(fmt_spread(None))
        elif a.spread.pct > params.max_spread_pct:
            ok = False
            reasons.append(f"{fmt_spread(a.spread)} > max {params.max_spread_pct:g}%")
        else:
            reasons.append(fmt_spread(a.spread))
    if w.trade_flow > 0:
        if a.flow.value < params.min_trade_flow:
            ok = False
            reasons.append(f"{fmt_flow(a.flow)} < min {params.min_trade_flow:g}")
        else:
            reasons.append(fmt_flow(a.flow))
    if a.composite is None:
        ok = False
        reasons.append("book score n/a")
    elif a.composite < params.min_score:
        ok = False
        reasons.append(f"book score {a.composite:.2f} < {params.min_score:g}")
    else:
        reasons.append(f"book score {a.composite:.2f} >= {params.min_score:g}")
    return ok, tuple(reasons)


def exit_check(a: BookAssessment, params: OrderbookParams) -> tuple[bool, tuple[str, ...]]:
    """Has the book turned strongly against a long (pressure <= -exit_pressure)?"""
    if a.missing is not None or a.pressure is None:
        return False, ()
    if a.pressure > -params.exit_pressure:
        return False, ()
    reasons = [f"book against: pressure {a.pressure:+.2f} <= -{params.exit_pressure:g}"]
    if params.weights.imbalance > 0:
        reasons.append(fmt_imbalance(a.imbalance))
    if params.weights.trade_flow > 0:
        reasons.append(fmt_flow(a.flow))
    return True, tuple(reasons)
