"""kistrade.kis.protocol."""
