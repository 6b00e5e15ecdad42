-- Fills in time order: the last N fills (dashboard, Telegram /fills, the KPI report) are read
-- with ORDER BY ts DESC, id DESC LIMIT ?; without this index SQLite sorts the whole table.
CREATE INDEX fills_ts ON fills (ts, id);
