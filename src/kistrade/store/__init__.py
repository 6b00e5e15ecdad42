"""kistrade.store."""
