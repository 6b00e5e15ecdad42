"""kistrade.app."""
