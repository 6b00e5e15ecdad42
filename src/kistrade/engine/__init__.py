"""kistrade.engine."""
