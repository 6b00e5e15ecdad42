"""kistrade.strategy."""
