"""kistrade.notify."""
