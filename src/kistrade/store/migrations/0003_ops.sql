-- Operations: broker API calls and the event log.

CREATE TABLE api_calls (
    id         INTEGER PRIMARY KEY,
    ts         INTEGER NOT NULL,
    name       TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    code       TEXT NOT NULL,
    ok         INTEGER NOT NULL CHECK (ok IN (0, 1))
);
CREATE INDEX api_calls_ts ON api_calls (ts);

CREATE TABLE events (
    id     INTEGER PRIMARY KEY,
    ts     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    detail TEXT NOT NULL               -- JSON object
);
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_kind_ts ON events (kind, ts);
