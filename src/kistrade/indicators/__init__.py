"""kistrade.indicators."""
