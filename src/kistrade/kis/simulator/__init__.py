"""kistrade.kis.simulator."""
