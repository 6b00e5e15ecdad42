"""kistrade.backtest: event-driven backtests on the live kernel, risk gate and execution code,
with the ``exchange`` matching engine as the broker (modules, import them directly):

* ``config``: ``BacktestConfig`` (cash, commission / sell-tax overrides, slippage ticks, risk
  limits, signal horizon), ``non_binding_limits()`` (the ``rsi`` reference / parity limits),
  ``FillCosts``.
* ``data``: ``load_csv`` (krx-daily or plain OHLCV CSV) -> ``BarSeries``; ``minute_series``.
* ``harness``: the engine wiring (Portfolio, MarketState, RiskGate, OrderRouter, Kernel) and
  ``NextOpen`` (bar-close intents submitted at the next open).
* ``broker``: ``SimBroker``: the Exchange venue + one account; exchange events -> broker events.
* ``runner``: ``run_bars`` (bar mode: decide at bar t's close, fill at bar t+1's open through an
  opening auction at the open), ``BacktestResult``, ``metrics_of``.
* ``tick``: ``run_ticks`` (recorded trades and books replayed in time order, fills against the
  recorded book, partial fills).
* ``metrics``: round trips and the figures (definitions in its docstring).
* ``report``: ``write_report`` (HTML with inline plotly, PNGs).
* ``compare``: side-by-side table and the plain-language difference.
* ``fast_rsi``: ``run_rsi_fast``: the numpy sweep kernel of ``rsi``, equal trade for trade to
  ``run_bars`` (tests/unit/test_backtest_fast_rsi.py, tests/integration/test_backtest_golden.py).
* ``params``: ``--set key=value`` -> strategy parameters. ``sweep``: grids, walk-forward, pools.

    from kistrade.backtest.data import load_csv
    from kistrade.backtest.runner import metrics_of, run_bars
    from kistrade.strategy import create_strategy
    result = run_bars(create_strategy("rsi"), load_csv(path))
    print(metrics_of(result).to_json())
"""
