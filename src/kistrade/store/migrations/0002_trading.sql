-- Trading state: orders, fills, positions, signals, account snapshots, the risk switch.

CREATE TABLE orders (
    client_order_id TEXT PRIMARY KEY,
    broker_order_id TEXT UNIQUE,          -- NULL until the broker accepts it
    broker_org_no   TEXT,
    symbol          TEXT NOT NULL,
    side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    order_type      TEXT NOT NULL CHECK (order_type IN ('limit', 'market')),
    qty             INTEGER NOT NULL CHECK (qty > 0),
    price           INTEGER,              -- NULL for market orders
    state           TEXT NOT NULL,
    filled_qty      INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    reason          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX orders_state ON orders (state);

-- A fill is identified by (broker order id, exec id): applying the same fill twice is impossible.
CREATE TABLE fills (
    id              INTEGER PRIMARY KEY,
    client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
    broker_order_id TEXT NOT NULL,
    exec_id         TEXT NOT NULL,
    symbol          TEXT NOT NULL,
    side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    qty             INTEGER NOT NULL CHECK (qty > 0),
    price           INTEGER NOT NULL,
    ts              INTEGER NOT NULL,
    commission      INTEGER NOT NULL DEFAULT 0,
    tax             INTEGER NOT NULL DEFAULT 0,
    UNIQUE (broker_order_id, exec_id)
);
CREATE INDEX fills_client_order ON fills (client_order_id);

CREATE TABLE positions (
    symbol     TEXT PRIMARY KEY,
    qty        INTEGER NOT NULL,
    avg_price  TEXT NOT NULL            -- Decimal
) WITHOUT ROWID;

CREATE TABLE signals (
    id       INTEGER PRIMARY KEY,
    symbol   TEXT NOT NULL,
    ts       INTEGER NOT NULL,
    side     TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    strength REAL NOT NULL,
    reasons  TEXT NOT NULL              -- JSON array of strings
);
CREATE INDEX signals_symbol_ts ON signals (symbol, ts);

CREATE TABLE account_snapshots (
    id             INTEGER PRIMARY KEY,
    ts             INTEGER NOT NULL,
    cash           INTEGER NOT NULL,
    equity         INTEGER NOT NULL,
    market_value   INTEGER NOT NULL,
    realized_pnl   INTEGER NOT NULL,
    unrealized_pnl INTEGER NOT NULL,
    fees           INTEGER NOT NULL
);
CREATE INDEX account_snapshots_ts ON account_snapshots (ts);

CREATE TABLE risk_state (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    state  TEXT NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
    reason TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',   -- who flipped it: risk rule, telegram, dashboard, ...
    ts     INTEGER NOT NULL
);
