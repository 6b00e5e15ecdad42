"""The risk gate: every rule allowing and denying with its reason; stops; daily loss; the switch."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from kistrade.domain.errors import ConfigError
from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.sessions import Phase, build_session_times
from kistrade.domain.types import KST, BookLevel, OrderBook, OrderType, Side, Symbol, Trade
from kistrade.engine.events import IntentDenied, RiskRule, TradingState
from kistrade.engine.market import MarketState
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.risk import RiskGate
from kistrade.engine.risk_sizing import ApprovedOrder
from kistrade.engine.switch import RiskLimits, SwitchSnapshot, TradingSwitch

SYM = Symbol("005930")
OTHER = Symbol("000660")
DAY = date(2026, 3, 3)
SESSION = build_session_times(DAY, time(9, 0), time(15, 30))


def at(h: int, m: int, s: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=KST)


T10 = at(10, 0)


def phase_at(ts: datetime) -> Phase:
    return build_session_times(ts.date(), time(9, 0), time(15, 30)).phase_at(ts)


def make(cash: int = 10_000_000, **limits: object) -> RiskGate:
    market = MarketState()
    market.set_base_price(SYM, 72_000)  # daily limits 50,400 .. 93,600
    market.on_trade(Trade(SYM, T10, 72_000, 1))
    return RiskGate(RiskLimits(**limits), Portfolio(cash), market, phase_at=phase_at)  # type: ignore[arg-type]


def buy(qty: int | None = None, price: int | None = None, sym: Symbol = SYM) -> OrderIntent:
    otype = OrderType.MARKET if price is None else OrderType.LIMIT
    return OrderIntent(sym, Side.BUY, IntentPurpose.ENTRY, qty=qty, order_type=otype, limit_price=price)


def sell(purpose: IntentPurpose = IntentPurpose.EXIT, qty: int | None = None) -> OrderIntent:
    return OrderIntent(SYM, Side.SELL, purpose, qty=qty)


def approved(result: ApprovedOrder | IntentDenied) -> ApprovedOrder:
    assert isinstance(result, ApprovedOrder), result
    return result


def denied(result: ApprovedOrder | IntentDenied, rule: RiskRule, text: str) -> None:
    assert isinstance(result, IntentDenied), result
    assert result.rule is rule
    assert text in result.reason
    assert SYM in result.reason or OTHER in result.reason


def hold(gate: RiskGate, qty: int, price: int, sym: Symbol = SYM) -> None:
    gate.portfolio.apply_fill(sym, Side.BUY, qty, price)
    gate.portfolio.mark(sym, price)


# --- sizing -------------------------------------------------------------------------------------


def test_entry_is_sized_to_the_position_limit_and_reserves_at_the_upper_limit() -> None:
    a = approved(make().check(buy(), T10))
    # 10% of 10,000,000 = 1,000,000 / 72,000 = 13.9 -> 13 shares
    assert (a.qty, a.order_type, a.limit_price, a.reserve_price) == (13, OrderType.MARKET, None, 93_600)
    assert a.notes == ()


def test_entry_qty_is_cut_with_a_note() -> None:
    a = approved(make().check(buy(qty=20), T10))
    assert a.qty == 13
    assert a.notes and "position_limit" in a.notes[0]


def test_no_room_under_the_position_limit_is_denied() -> None:
    gate = make()
    hold(gate, 14, 72_000)  # 1,008,000 > 10% of equity
    denied(gate.check(buy(), T10), RiskRule.POSITION_LIMIT, "position limit 10%")


def test_open_buys_count_toward_the_position_limit() -> None:
    gate = make()
    gate.portfolio.reserve_cash("c1", SYM, 900_000)
    a = approved(gate.check(buy(), T10))
    assert a.qty == 1  # (1,000,000 - 900,000) // 72,000


def test_cash_caps_the_entry_and_denies_without_cash() -> None:
    gate = make(cash=500_000, max_position_pct=Decimal(100), symbol_cooldown_s=0)
    gate.portfolio.reserve_cash("x", OTHER, 400_000)  # 100,000 left
    assert approved(gate.check(buy(price=72_000), T10)).qty == 1
    gate.portfolio.reserve_cash("x", OTHER, 450_000)  # 50,000 left
    denied(gate.check(buy(price=72_000), T10), RiskRule.CASH, "no room: cash 50000")


def test_max_open_positions() -> None:
    gate = make(max_open_positions=1)
    hold(gate, 1, 100_000, OTHER)
    denied(gate.check(buy(), T10), RiskRule.POSITION_LIMIT, "1 positions open (max 1)")
    assert isinstance(gate.check(buy(sym=OTHER, price=100_000), T10), ApprovedOrder)


def test_volume_participation() -> None:
    from kistrade.domain.types import Bar

    gate = make()
    for i in range(2):
        gate.market.on_bar(Bar(SYM, at(9, 58 + i), 72_000, 72_000, 72_000, 72_000, 100))
    assert approved(gate.check(buy(), T10)).qty == 10  # 5% of 200
    thin = make()
    thin.market.on_bar(Bar(SYM, at(9, 59), 72_000, 72_000, 72_000, 72_000, 10))
    denied(thin.check(buy(), T10), RiskRule.VOLUME, "5% of recent volume 10")


def test_book_depth_caps_marketable_orders_only() -> None:
    gate = make(symbol_cooldown_s=0)
    gate.market.on_orderbook(
        OrderBook(SYM, T10, asks=(BookLevel(72_000, 3), BookLevel(72_100, 5)), bids=(BookLevel(71_900, 9),))
    )
    assert approved(gate.check(buy(), T10)).qty == 8  # market: all visible asks
    assert approved(gate.check(buy(price=72_000), T10)).qty == 3  # asks at or below 72,000
    assert approved(gate.check(buy(price=71_900), T10)).qty == 13  # resting: no depth cap
    gate.market.on_orderbook(OrderBook(SYM, T10, asks=(), bids=()))
    denied(gate.check(buy(), T10), RiskRule.BOOK_DEPTH, "visible ask depth 0")


# --- price ----------------------------------------------------------------------------------------


def test_price_must_be_on_tick_and_inside_the_limits() -> None:
    gate = make(symbol_cooldown_s=0)
    denied(gate.check(buy(price=72_050), T10), RiskRule.PRICE_TICK, "72050 is not on the tick grid")
    denied(gate.check(buy(price=93_700), T10), RiskRule.PRICE_LIMIT, "outside the daily limits 50400-93600")
    denied(gate.check(buy(price=50_300), T10), RiskRule.PRICE_LIMIT, "50400-93600")
    assert approved(gate.check(buy(price=50_400), T10)).limit_price == 50_400


def test_limit_without_price_goes_to_the_touch_or_last() -> None:
    gate = make(symbol_cooldown_s=0)
    intent = OrderIntent(SYM, Side.BUY, IntentPurpose.ENTRY, order_type=OrderType.LIMIT)
    assert approved(gate.check(intent, T10)).limit_price == 72_000  # last price
    gate.market.on_orderbook(OrderBook(SYM, T10, asks=(BookLevel(72_100, 50),), bids=(BookLevel(72_000, 5),)))
    assert approved(gate.check(intent, T10)).limit_price == 72_100  # best ask


def test_no_price_is_denied() -> None:
    gate = make()
    intent = OrderIntent(OTHER, Side.BUY, IntentPurpose.ENTRY)
    denied(gate.check(intent, T10), RiskRule.NO_PRICE, "no last price")


# --- session, state, purpose ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ts", "entry_ok", "exit_ok"),
    [
        (at(8, 45), False, True),
        (at(9, 0), True, True),
        (at(15, 19, 59), True, True),
        (at(15, 20), False, True),
        (at(15, 30), False, False),
        (at(7, 0), False, False),
    ],
)
def test_session_rule(ts: datetime, entry_ok: bool, exit_ok: bool) -> None:
    gate = make(symbol_cooldown_s=0)
    hold(gate, 5, 72_000)
    e = gate.check(buy(qty=1), ts)
    x = gate.check(sell(qty=1), ts)
    assert isinstance(e, ApprovedOrder) is entry_ok, e
    assert isinstance(x, ApprovedOrder) is exit_ok, x
    if not entry_ok:
        denied(e, RiskRule.SESSION, "market is")


def test_reducing_allows_exits_only_and_halted_only_flatten() -> None:
    gate = make(symbol_cooldown_s=0)
    hold(gate, 5, 72_000)
    gate.set_state(TradingState.REDUCING, "manual wind-down", "cli", T10)
    denied(gate.check(buy(), T10), RiskRule.TRADING_STATE, "REDUCING (exits only): manual wind-down")
    assert approved(gate.check(sell(qty=1), T10)).qty == 1
    gate.set_state(TradingState.HALTED, "stop pressed", "telegram", T10)
    denied(gate.check(sell(qty=1), T10), RiskRule.TRADING_STATE, "HALTED: stop pressed")
    denied(gate.check(sell(IntentPurpose.STOP_LOSS), T10), RiskRule.TRADING_STATE, "HALTED")
    assert approved(gate.check(sell(IntentPurpose.FLATTEN), T10)).qty == 5  # the gate reserves nothing


def test_purpose_and_side_must_agree() -> None:
    gate = make()
    denied(gate.check(OrderIntent(SYM, Side.SELL, IntentPurpose.ENTRY), T10), RiskRule.PURPOSE, "short")
    denied(gate.check(OrderIntent(SYM, Side.BUY, IntentPurpose.EXIT), T10), RiskRule.PURPOSE, "must sell")


# --- frequency --------------------------------------------------------------------------------


def test_symbol_cooldown_holds_strategy_intents_not_protective_exits() -> None:
    gate = make()
    hold(gate, 5, 72_000)
    approved(gate.check(buy(qty=1), T10))
    denied(gate.check(buy(qty=1), at(10, 4, 59)), RiskRule.COOLDOWN, "cooldown 300s")
    denied(gate.check(sell(qty=1), at(10, 1)), RiskRule.COOLDOWN, "last order 60s ago")
    approved(gate.check(sell(IntentPurpose.STOP_LOSS, qty=1), at(10, 1)))
    approved(gate.check(buy(qty=1), at(10, 6, 1)))


def test_max_orders_per_day_resets_on_a_new_day() -> None:
    gate = make(symbol_cooldown_s=0, max_orders_per_day=2)
    approved(gate.check(buy(qty=1), T10))
    approved(gate.check(buy(qty=1), T10))
    denied(gate.check(buy(qty=1), T10), RiskRule.MAX_ORDERS, "2 orders today (max 2)")
    assert gate.orders_today == 2
    approved(gate.check(buy(qty=1), at(10, 0, day=date(2026, 3, 4))))
    assert gate.orders_today == 1


# --- exits ----------------------------------------------------------------------------------------


def test_exit_sizing() -> None:
    gate = make(symbol_cooldown_s=0)
    denied(gate.check(sell(), T10), RiskRule.NO_POSITION, "no shares held")
    hold(gate, 10, 72_000)
    assert approved(gate.check(sell(), T10)).qty == 10
    a = approved(gate.check(sell(qty=25), T10))
    assert a.qty == 10 and "cut from 25" in a.notes[0]
    gate.portfolio.reserve_shares("s1", SYM, 10)
    denied(gate.check(sell(), T10), RiskRule.DUPLICATE_EXIT, "already in open sell orders")


def test_exits_are_not_cut_by_volume() -> None:
    from kistrade.domain.types import Bar

    gate = make()
    hold(gate, 500, 1_000)
    gate.market.on_bar(Bar(SYM, at(9, 59), 72_000, 72_000, 72_000, 72_000, 10))
    assert approved(gate.check(sell(), T10)).qty == 500


def test_stop_loss_and_take_profit_intents() -> None:
    gate = make()
    gate.portfolio.apply_fill(SYM, Side.BUY, 10, 70_000)
    assert gate.exit_intents(SYM, 66_600) == []  # -4.86%
    [stop] = gate.exit_intents(SYM, 66_500)  # -5.00%
    assert (stop.purpose, stop.side, stop.qty, stop.order_type) == (
        IntentPurpose.STOP_LOSS,
        Side.SELL,
        None,
        OrderType.MARKET,
    )
    assert "-5.00% <= -5%" in stop.tags[0]
    [take] = gate.exit_intents(SYM, 77_000)
    assert take.purpose is IntentPurpose.TAKE_PROFIT
    assert gate.exit_intents(SYM, 76_900) == []
    gate.portfolio.reserve_shares("s", SYM, 10)
    assert gate.exit_intents(SYM, 60_000) == []  # an exit is already working
    assert gate.exit_intents(OTHER, 1) == []


def test_daily_loss_halts_once_and_flatten_intents() -> None:
    gate = make()
    hold(gate, 100, 10_000)  # 1,000,000 in stock, 9,000,000 cash
    gate.start_day(DAY)
    assert gate.portfolio.day_start_equity == 10_000_000
    gate.portfolio.mark(SYM, 7_100)  # -290,000 = -2.9%
    assert gate.check_daily_loss(T10) is None
    gate.portfolio.mark(SYM, 7_000)  # -3.0%
    change = gate.check_daily_loss(at(10, 1))
    assert change is not None
    assert (change.previous, change.state, change.source) == (
        TradingState.ACTIVE,
        TradingState.HALTED,
        "rule:daily_loss",
    )
    assert change.reason == "daily loss -3.00% reached the limit -3%"
    assert gate.check_daily_loss(at(10, 2)) is None
    assert gate.state is TradingState.HALTED
    [flat] = gate.flatten_intents("halt")
    assert (flat.symbol, flat.purpose) == (SYM, IntentPurpose.FLATTEN)


# --- the switch and the limits ---------------------------------------------------------------


def test_switch_events_snapshot_and_restore() -> None:
    sw = TradingSwitch()
    assert sw.state is TradingState.ACTIVE
    ev = sw.set_state(TradingState.REDUCING, "end of day", "cli", T10)
    assert ev is not None and (ev.previous, ev.state, ev.reason, ev.source, ev.ts) == (
        TradingState.ACTIVE,
        TradingState.REDUCING,
        "end of day",
        "cli",
        T10,
    )
    assert sw.set_state(TradingState.REDUCING, "again", "cli", T10) is None
    with pytest.raises(ValueError, match="reason"):
        sw.set_state(TradingState.HALTED, " ", "cli", T10)
    snap = sw.snapshot()
    assert snap == SwitchSnapshot(TradingState.REDUCING, "end of day", "cli", T10)
    assert sw.state is snap.state is TradingState.REDUCING
    restored = TradingSwitch(restore=snap)
    assert restored.reason == "end of day" and restored.state is TradingState.REDUCING


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_position_pct", Decimal(0)),
        ("stop_loss_pct", Decimal(5)),
        ("take_profit_pct", Decimal(-1)),
        ("daily_loss_pct", Decimal(0)),
        ("symbol_cooldown_s", -1),
        ("max_orders_per_day", 0),
        ("max_open_positions", 0),
        ("max_volume_participation_pct", Decimal(101)),
    ],
)
def test_limits_are_validated(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=field):
        RiskLimits(**{field: value})  # type: ignore[arg-type]


def test_limits_defaults_match_the_settings() -> None:
    from kistrade.app.settings_models import RiskSettings

    mine, theirs = RiskLimits(), RiskSettings()
    assert set(RiskLimits.__dataclass_fields__) == set(RiskSettings.model_fields)
    assert RiskLimits(**theirs.model_dump()) == mine  # how the app builds it
    for name in RiskLimits.__dataclass_fields__:
        assert getattr(mine, name) == getattr(theirs, name), name


def test_session_phase_default_uses_the_calendar_on_a_holiday() -> None:
    gate = RiskGate(RiskLimits(), Portfolio(1_000_000), MarketState())
    gate.market.on_trade(Trade(SYM, T10, 72_000, 1))
    # 2026-03-02 is the substitute holiday for 삼일절 (Sunday 2026-03-01)
    res = gate.check(buy(qty=1), at(10, 0, day=date(2026, 3, 2)) + timedelta(0))
    denied(res, RiskRule.SESSION, "closed")
