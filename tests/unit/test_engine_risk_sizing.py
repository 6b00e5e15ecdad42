"""EntrySizer (rule 6 for entries) gives exactly what its earlier, plainer form gave: the same
ApprovedOrder (quantity, notes) or the same Refusal (rule and text), on random portfolios, limits,
volumes and books. The reference below is that form (every cap computed up front, its text made
by a closure), kept here as the model for the faster one (ratios taken once per limits object,
texts made from a format string)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.costs import CostModel, floor_mul, rate_ratio
from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.types import KST, Bar, BookLevel, OrderBook, OrderType, Side, Symbol
from kistrade.engine.events import RiskRule
from kistrade.engine.market import MarketState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk_sizing import ApprovedOrder, EntrySizer, Refusal, approved, cash_qty
from kistrade.engine.switch import RiskLimits

SYM = Symbol("005930")
OTHERS = [Symbol("000660"), Symbol("035420"), Symbol("051910")]
TS = datetime(2026, 3, 3, 10, 0, tzinfo=KST)
DAY = TS.date()


def reference_size(
    sizer: EntrySizer,
    lim: RiskLimits,
    intent: OrderIntent,
    *,
    limit_price: int | None,
    ref_price: int,
    reserve_price: int,
    day: date,
) -> ApprovedOrder | Refusal:
    sym, pf, market, costs = intent.symbol, sizer.portfolio, sizer.market, sizer.costs
    open_buys = pf.reserved_cash_symbol(sym)
    held = pf.qty(sym)
    if held == 0 and open_buys == 0:
        in_use = pf.count_in_use()
        if in_use >= lim.max_open_positions:
            return Refusal(RiskRule.POSITION_LIMIT, f"{in_use} positions open (max {lim.max_open_positions})")
    equity = pf.equity
    num, den = rate_ratio(lim.max_position_pct)
    room = (equity * num - 100 * den * (held * ref_price + open_buys)) // (100 * den * ref_price)
    caps: list[tuple[int, RiskRule, Callable[[], str]]] = [
        (
            max(room, 0),
            RiskRule.POSITION_LIMIT,
            lambda: f"position limit {lim.max_position_pct}% of equity {equity}",
        ),
        (
            cash_qty(pf.available_cash, reserve_price, costs, day),
            RiskRule.CASH,
            lambda: f"cash {pf.available_cash}",
        ),
    ]
    volume = market.recent_volume(sym)
    if volume is not None:
        caps.append(
            (
                floor_mul(volume, lim.max_volume_participation_pct / 100),
                RiskRule.VOLUME,
                lambda: f"{lim.max_volume_participation_pct}% of recent volume {volume}",
            )
        )
    if market.get(sym).book is not None:
        touch = market.touch(sym, Side.BUY)
        marketable = limit_price is None or (touch is not None and limit_price >= touch)
        depth = market.depth(sym, Side.BUY, limit_price) if marketable else None
        if depth is not None:
            caps.append((depth, RiskRule.BOOK_DEPTH, lambda: f"visible ask depth {depth}"))
    qty = intent.qty
    notes: list[str] = []
    for cap, rule, why in caps:
        if cap <= 0:
            return Refusal(rule, f"no room: {why()}")
        if qty is None or cap < qty:
            if intent.qty is not None:
                notes.append(f"qty cut to {cap} by {rule.value}: {why()}")
            qty = cap
    assert qty is not None
    return approved(intent, qty, limit_price, reserve_price, tuple(notes))


pcts = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2)
prices = st.integers(min_value=1_000, max_value=200_000)
levels = st.lists(st.tuples(st.integers(0, 200_000), st.integers(0, 5_000)), max_size=4)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[EntrySizer, RiskLimits]:
    pf = Portfolio(draw(st.integers(0, 50_000_000)))
    if draw(st.booleans()):  # shares of SYM, marked or at cost
        qty = draw(st.integers(0, 500))
        pf.seed_holding(SYM, qty, qty * draw(prices))
        if draw(st.booleans()):
            pf.mark(SYM, draw(prices))
    for k, sym in enumerate(draw(st.lists(st.sampled_from(OTHERS), max_size=3, unique=True))):
        pf.seed_holding(sym, draw(st.integers(0, 100)), draw(st.integers(0, 5_000_000)))
        if draw(st.booleans()):
            pf.reserve_cash(f"o{k}", sym, draw(st.integers(1, 1_000_000)))
    if draw(st.booleans()):  # an open buy of SYM
        pf.reserve_cash("mine", SYM, draw(st.integers(1, 2_000_000)))
    market = MarketState(volume_window=draw(st.integers(1, 5)))
    for v in draw(st.lists(st.integers(0, 10**7) | st.integers(0, 3_000), max_size=6)):
        market.on_bar(Bar(SYM, TS, 70_000, 70_000, 70_000, 70_000, v))
    if draw(st.booleans()):
        asks = tuple(BookLevel(p, q) for p, q in draw(levels))
        bids = tuple(BookLevel(p, q) for p, q in draw(levels))
        market.on_orderbook(OrderBook(SYM, TS, asks, bids))
    lim = RiskLimits(
        max_position_pct=draw(pcts),
        max_open_positions=draw(st.integers(1, 4)),
        max_volume_participation_pct=draw(pcts),
    )
    costs = CostModel(
        commission_rate=draw(st.sampled_from([Decimal(0), Decimal("0.000140527"), Decimal("0.003")]))
    )
    return EntrySizer(pf, market, costs), lim


@settings(max_examples=400, deadline=None)
@given(
    worlds(),
    st.none() | st.integers(1, 2_000),
    st.none() | prices,
    prices,
    prices,
    st.integers(0, 2),
)
def test_size_equals_the_reference(
    world: tuple[EntrySizer, RiskLimits],
    qty: int | None,
    limit_price: int | None,
    ref_price: int,
    reserve_price: int,
    calls: int,
) -> None:
    sizer, lim = world
    otype = OrderType.MARKET if limit_price is None else OrderType.LIMIT
    intent = OrderIntent(
        SYM, Side.BUY, IntentPurpose.ENTRY, qty=qty, order_type=otype, limit_price=limit_price
    )
    expected = reference_size(
        sizer, lim, intent, limit_price=limit_price, ref_price=ref_price, reserve_price=reserve_price, day=DAY
    )
    # several calls, and a new limits object in between: the ratios follow the limits given
    for k in range(calls + 1):
        given_lim = (
            lim if k % 2 == 0 else RiskLimits(**{f: getattr(lim, f) for f in lim.__dataclass_fields__})
        )
        got = sizer.size(
            given_lim,
            intent,
            limit_price=limit_price,
            ref_price=ref_price,
            reserve_price=reserve_price,
            day=DAY,
        )
        assert got == expected
    other = RiskLimits(max_position_pct=Decimal("3"), max_volume_participation_pct=Decimal("1"))
    assert sizer.size(
        other, intent, limit_price=limit_price, ref_price=ref_price, reserve_price=reserve_price, day=DAY
    ) == reference_size(
        sizer,
        other,
        intent,
        limit_price=limit_price,
        ref_price=ref_price,
        reserve_price=reserve_price,
        day=DAY,
    )


def test_each_cap_names_itself_when_it_binds() -> None:
    """Hand-made cases for each cap's note and refusal text."""
    pf = Portfolio(1_000_000)
    market = MarketState()
    market.on_bar(Bar(SYM, TS, 10_000, 10_000, 10_000, 10_000, 800))
    market.on_orderbook(OrderBook(SYM, TS, (BookLevel(10_000, 30),), ()))
    sizer = EntrySizer(pf, market, CostModel(commission_rate=Decimal(0)))
    lim = RiskLimits(max_position_pct=Decimal("50"), max_volume_participation_pct=Decimal("5"))
    intent = OrderIntent(SYM, Side.BUY, IntentPurpose.ENTRY, qty=1_000)
    got = sizer.size(lim, intent, limit_price=None, ref_price=10_000, reserve_price=10_000, day=DAY)
    assert isinstance(got, ApprovedOrder)
    assert got.qty == 30
    assert got.notes == (
        "qty cut to 50 by position_limit: position limit 50% of equity 1000000",
        "qty cut to 40 by volume: 5% of recent volume 800",
        "qty cut to 30 by book_depth: visible ask depth 30",
    )
    broke = EntrySizer(Portfolio(5_000), market, CostModel(commission_rate=Decimal(0)))
    assert broke.size(
        lim, intent, limit_price=None, ref_price=10_000, reserve_price=10_000, day=DAY
    ) == Refusal(RiskRule.POSITION_LIMIT, "no room: position limit 50% of equity 5000")
