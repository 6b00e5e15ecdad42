"""kistrade.exchange."""
