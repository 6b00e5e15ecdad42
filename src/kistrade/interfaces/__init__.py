"""kistrade.interfaces."""
