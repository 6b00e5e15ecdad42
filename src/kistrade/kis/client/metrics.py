"""Client metrics: REST latency per TR (prometheus Histogram + an in-process snapshot), WS counters."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import Counter, Histogram

REST_LATENCY = Histogram(
    "kistrade_kis_rest_latency_seconds",
    "KIS REST round-trip latency per TR (successful and failed answers)",
    ["tr_id"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REST_ERRORS = Counter(
    "kistrade_kis_rest_errors_total",
    "KIS REST answers that were not a success, per TR and code",
    ["tr_id", "code"],
)
WS_FRAMES = Counter("kistrade_kis_ws_frames_total", "KIS WebSocket data frames received", ["tr_id"])
WS_PARSE_ERRORS = Counter("kistrade_kis_ws_parse_errors_total", "KIS WebSocket frames that failed to parse")
WS_RECONNECTS = Counter("kistrade_kis_ws_reconnects_total", "KIS WebSocket reconnects")

_BOUNDS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(slots=True)
class LatencyStats:
    count: int = 0
    total: float = 0.0
    max: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(_BOUNDS) + 1))

    def observe(self, seconds: float) -> None:
        self.count += 1
        self.total += seconds
        self.max = max(self.max, seconds)
        for i, bound in enumerate(_BOUNDS):
            if seconds <= bound:
                self.buckets[i] += 1
                return
        self.buckets[-1] += 1

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0


@dataclass(slots=True)
class RestMetrics:
    """Per-TR latency and error counts of one client (``snapshot()`` for tests and the CLI)."""

    latency: dict[str, LatencyStats] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    reauths: int = 0
    rate_limited: int = 0

    def observe(self, tr_id: str, seconds: float) -> None:
        self.latency.setdefault(tr_id, LatencyStats()).observe(seconds)
        REST_LATENCY.labels(tr_id).observe(seconds)

    def error(self, tr_id: str, code: str) -> None:
        key = f"{tr_id}:{code}"
        self.errors[key] = self.errors.get(key, 0) + 1
        REST_ERRORS.labels(tr_id, code).inc()

    def snapshot(self) -> dict[str, object]:
        return {
            "latency": {
                tr: {
                    "count": s.count,
                    "mean": s.mean,
                    "max": s.max,
                    "le": dict(zip((*_BOUNDS, "inf"), s.buckets, strict=True)),
                }
                for tr, s in self.latency.items()
            },
            "errors": dict(self.errors),
            "retries": self.retries,
            "reauths": self.reauths,
            "rate_limited": self.rate_limited,
        }


@dataclass(slots=True)
class WsStats:
    frames: int = 0
    records: int = 0
    parse_errors: int = 0
    reconnects: int = 0
    control_messages: int = 0
    pingpongs: int = 0
    lag_count: int = 0
    lag_total: float = 0.0
    lag_max: float = 0.0

    def lag(self, seconds: float) -> None:
        self.lag_count += 1
        self.lag_total += seconds
        self.lag_max = max(self.lag_max, seconds)

    @property
    def lag_mean(self) -> float:
        return self.lag_total / self.lag_count if self.lag_count else 0.0
