"""kistrade.store: SQLite persistence (aiosqlite, WAL, numbered migrations).

- ``sqlite_store.SqliteStore``: every repository over one database; implements ``port.Store``.
- ``writer.BatchWriter``: the recorder core (ticks and books batched off the hot path).
- ``csv_import`` / ``export``: daily bars in from CSV, out to CSV (and parquet with pyarrow).
- ``commands``: what the CLI's ``data import|ls|export`` call.
- ``db.Database``: the connection, PRAGMAs, migrations and the write lock; ``codec``: column
  conventions (timestamps are INTEGER microseconds since the epoch, read back in KST).
"""
