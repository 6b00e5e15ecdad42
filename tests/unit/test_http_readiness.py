"""What /ready calls a problem."""

from __future__ import annotations

from kistrade.engine.events import TradingState
from kistrade.interfaces.http.protocols import Readiness


def ready(**kw: object) -> Readiness:
    base: dict[str, object] = {
        "feed_connected": True,
        "last_tick_age_s": 2.0,
        "token_valid": True,
        "store_writable": True,
        "risk_state": TradingState.ACTIVE,
    }
    base.update(kw)
    return Readiness(**base)  # type: ignore[arg-type]


def test_all_good_is_ready_and_reducing_is_still_ready() -> None:
    assert ready().ready
    assert ready(risk_state=TradingState.REDUCING).ready


def test_each_failed_check_is_named() -> None:
    assert ready(feed_connected=False).problems() == ["market feed is not connected"]
    assert ready(token_valid=False).problems() == ["access token is not valid"]
    assert ready(store_writable=False).problems() == ["store is not writable"]
    assert ready(risk_state=TradingState.HALTED).problems() == ["risk state is HALTED"]
    assert ready(last_tick_age_s=61.0).problems() == ["last tick is 61s old (limit 60s)"]


def test_a_stale_tick_outside_the_session_is_normal() -> None:
    assert ready(last_tick_age_s=3600.0, in_session=False).ready
    assert ready(last_tick_age_s=None).ready
