"""The dashboard poller: versions per topic, equity points, request rate."""

from __future__ import annotations

from _http_fake import FakeService, FakeUsage, fill

from kistrade.engine.events import TradingState
from kistrade.interfaces.http.hub import LiveHub
from kistrade.interfaces.http.protocols import UsageSnapshot


async def test_diff_reports_only_changed_topics() -> None:
    service = FakeService()
    hub = LiveHub(service, poll_ms=1000)
    await hub.refresh()
    seen: dict[str, int] = {}
    assert set(hub.diff(seen)) == {"status", "positions", "orders", "fills", "signals", "pnl"}
    assert hub.diff(seen) == {}
    wake = hub.changed_event()
    await service.set_state(TradingState.HALTED, reason="x", source="test")
    await hub.refresh()
    assert wake.is_set()
    assert set(hub.diff(seen)) == {"status"}
    service.add_fill(fill(3, side="SELL", qty=1))
    await hub.refresh()
    assert set(hub.diff(seen)) == {"status", "fills", "pnl"}


async def test_equity_cursor_returns_new_points_once() -> None:
    service = FakeService()
    hub = LiveHub(service, poll_ms=1000)
    await hub.refresh()
    points, cursor = hub.equity_since(0)
    assert len(points) == 1
    await hub.refresh()  # nothing changed (same equity, same time): no new point
    assert hub.equity_since(cursor) == ([], cursor)
    service.cash += 5
    await hub.refresh()
    points, cursor2 = hub.equity_since(cursor)
    assert [p.equity for p in points] == [hub.equity()[0].equity + 5] and cursor2 == cursor + 1


async def test_request_rate_from_successive_snapshots() -> None:
    usage = FakeUsage()
    hub = LiveHub(FakeService(), usage=usage, poll_ms=1000, rate_window_s=0.0)
    await hub.refresh()
    assert hub.requests_per_s is None
    usage.snapshot = UsageSnapshot(requests_total=usage.snapshot.requests_total + 1000)
    await hub.refresh()
    assert hub.requests_per_s is not None and hub.requests_per_s > 0


async def test_a_failing_service_is_reported_not_raised() -> None:
    service = FakeService()

    async def broken() -> None:
        raise RuntimeError("store is gone")

    service.positions = broken  # type: ignore[method-assign,assignment]
    hub = LiveHub(service, poll_ms=1000)
    await hub.refresh()
    assert hub.last_error == "RuntimeError: store is gone"


async def test_service_readiness_probe_combines_status_and_checks() -> None:
    from kistrade.interfaces.http import ServiceReadinessProbe

    service = FakeService()
    store_ok = True

    async def token_ok() -> bool:
        return True

    async def store() -> bool:
        return store_ok

    probe = ServiceReadinessProbe(service, token_valid=token_ok, store_writable=store, stale_after_s=1.0)
    report = await probe.check()
    assert report.in_session  # the fake's phase is "continuous"
    assert report.problems() == ["last tick is 2s old (limit 1s)"]  # 1.5 s formatted to 0 decimals
    store_ok = False
    service.feed_connected = False
    report = await probe.check()
    assert report.mode == "sim" and not report.ready
    assert (
        "store is not writable" in report.problems() and "market feed is not connected" in report.problems()
    )
