"""kistrade.backtest."""
