-- KIS order numbers (ODNO) restart every trading day: a broker order id is unique only within its
-- trade date. Adds orders.trade_date and fills.trade_date (TEXT YYYY-MM-DD, KST) and replaces
-- UNIQUE (broker_order_id) / UNIQUE (broker_order_id, exec_id) with per-day constraints.
--
-- SQLite cannot drop a constraint, so both tables are rebuilt following SQLite's 12-step ALTER
-- procedure (https://www.sqlite.org/lang_altertable.html#otheralter): kistrade.store.migrate turns
-- foreign keys off around the transaction and runs PRAGMA foreign_key_check before COMMIT. There
-- are no views or triggers on these tables. Row ids (fills.id) are copied, so insertion order and
-- every reference stay as they were.

-- orders: trade_date backfilled from created_at (microseconds, UTC) in KST (UTC+9, no DST).
CREATE TABLE orders_new (
    client_order_id TEXT PRIMARY KEY,
    trade_date      TEXT NOT NULL
                    CHECK (trade_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    broker_order_id TEXT,                 -- NULL until the broker accepts it; unique per trade date
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
    reason          TEXT NOT NULL DEFAULT '',
    UNIQUE (trade_date, broker_order_id)
);
INSERT INTO orders_new (
    client_order_id, trade_date, broker_order_id, broker_org_no, symbol, side, order_type, qty, price,
    state, filled_qty, created_at, updated_at, reason
)
SELECT
    client_order_id, date(created_at / 1000000, 'unixepoch', '+9 hours'), broker_order_id, broker_org_no,
    symbol, side, order_type, qty, price, state, filled_qty, created_at, updated_at, reason
FROM orders ORDER BY rowid;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_state ON orders (state);
CREATE INDEX orders_broker_order ON orders (broker_order_id, trade_date);

-- fills: a fill belongs to its order's trade date (the day its broker order id was issued).
CREATE TABLE fills_new (
    id              INTEGER PRIMARY KEY,
    client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
    trade_date      TEXT NOT NULL
                    CHECK (trade_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    broker_order_id TEXT NOT NULL,
    exec_id         TEXT NOT NULL,
    symbol          TEXT NOT NULL,
    side            TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    qty             INTEGER NOT NULL CHECK (qty > 0),
    price           INTEGER NOT NULL,
    ts              INTEGER NOT NULL,
    commission      INTEGER NOT NULL DEFAULT 0,
    tax             INTEGER NOT NULL DEFAULT 0,
    UNIQUE (trade_date, broker_order_id, exec_id)
);
INSERT INTO fills_new (
    id, client_order_id, trade_date, broker_order_id, exec_id, symbol, side, qty, price, ts,
    commission, tax
)
SELECT
    f.id, f.client_order_id,
    COALESCE(o.trade_date, date(f.ts / 1000000, 'unixepoch', '+9 hours')),
    f.broker_order_id, f.exec_id, f.symbol, f.side, f.qty, f.price, f.ts, f.commission, f.tax
FROM fills AS f LEFT JOIN orders AS o ON o.client_order_id = f.client_order_id
ORDER BY f.id;
DROP TABLE fills;
ALTER TABLE fills_new RENAME TO fills;
CREATE INDEX fills_client_order ON fills (client_order_id);
