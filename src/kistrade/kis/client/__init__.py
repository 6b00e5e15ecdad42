"""kistrade.kis.client."""
