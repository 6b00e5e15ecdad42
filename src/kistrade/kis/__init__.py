"""kistrade.kis."""
