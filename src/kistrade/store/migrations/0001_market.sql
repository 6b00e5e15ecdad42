-- Market data: instruments, daily and minute bars, recorded ticks and order books.
-- Timestamps (ts) are INTEGER microseconds since the Unix epoch (UTC); dates are TEXT YYYY-MM-DD.

CREATE TABLE stocks (
    symbol TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    market TEXT NOT NULL CHECK (market IN ('KOSPI', 'KOSDAQ', 'KONEX')),
    kind   TEXT NOT NULL CHECK (kind IN ('stock', 'etf', 'etn'))
) WITHOUT ROWID;

CREATE TABLE daily_chart (
    symbol TEXT NOT NULL,
    date   TEXT NOT NULL,
    open   INTEGER NOT NULL,
    high   INTEGER NOT NULL,
    low    INTEGER NOT NULL,
    close  INTEGER NOT NULL,
    volume INTEGER NOT NULL,
    value  INTEGER,            -- traded value in won, when the source gives it
    PRIMARY KEY (symbol, date)
) WITHOUT ROWID;

CREATE TABLE minute_chart (
    symbol TEXT NOT NULL,
    ts     INTEGER NOT NULL,   -- start of the minute
    source TEXT NOT NULL CHECK (source IN ('rest', 'ticks')),
    open   INTEGER NOT NULL,
    high   INTEGER NOT NULL,
    low    INTEGER NOT NULL,
    close  INTEGER NOT NULL,
    volume INTEGER NOT NULL,
    PRIMARY KEY (symbol, ts, source)
) WITHOUT ROWID;

-- ticks and orderbooks are append-only heaps in arrival (rowid) order with NO secondary index:
-- an index on (symbol, ts) halves the recorder's insert rate. Instead every written batch adds one
-- row to record_segments (its rowid range and ts range), and replay reads the segments that overlap
-- a time window by rowid range and merges them in time order (kistrade.store.replay). KIS allows
-- ~40 real-time subscriptions per session, so scanning every recorded symbol of a window is cheap.
CREATE TABLE ticks (
    symbol     TEXT NOT NULL,
    ts         INTEGER NOT NULL,
    price      INTEGER NOT NULL,
    qty        INTEGER NOT NULL,
    aggressor  INTEGER CHECK (aggressor IN (1, -1)),   -- 1 buy, -1 sell, NULL unknown
    cum_volume INTEGER NOT NULL
);

-- Levels packed in one BLOB (kistrade.store.codec.pack_levels); best prices and totals are
-- columns so spreads and imbalance can be queried in SQL without unpacking.
CREATE TABLE orderbooks (
    symbol        TEXT NOT NULL,
    ts            INTEGER NOT NULL,
    best_ask      INTEGER,
    best_bid      INTEGER,
    total_ask_qty INTEGER NOT NULL,
    total_bid_qty INTEGER NOT NULL,
    levels        BLOB NOT NULL
);

CREATE TABLE record_segments (
    tbl         TEXT NOT NULL CHECK (tbl IN ('ticks', 'orderbooks')),
    first_rowid INTEGER NOT NULL,
    last_rowid  INTEGER NOT NULL,
    min_ts      INTEGER NOT NULL,
    max_ts      INTEGER NOT NULL,
    PRIMARY KEY (tbl, first_rowid)
) WITHOUT ROWID;
CREATE INDEX record_segments_min_ts ON record_segments (tbl, min_ts);

-- The longest segment (max_ts - min_ts) per table: a replay of [lo, hi) reads only the segments
-- with lo - max_span <= min_ts < hi through the index above, however long the history is.
CREATE TABLE record_spans (
    tbl      TEXT PRIMARY KEY,
    max_span INTEGER NOT NULL
) WITHOUT ROWID;
