"""kistrade.engine: the pure core of trading (no I/O, no wall clock; time comes from events).

Modules (import from them directly):

* ``events``: broker events in (OrderSent, OrderAccepted, OrderRejected, OrderFilled,
  OrderCancelled, CancelRefused, OrderRevised, OrderExpired), commands out (SubmitOrder,
  CancelOrder, ReviseOrder), engine events (StateChanged, IntentDenied, OrderUpdated, FillApplied,
  DuplicateFill, UnknownOrderEvent, InvalidBrokerEvent), ``TradingState``, ``RiskRule`` and
  ``Step`` (what one call produced: commands, events, signals).
* ``portfolio.Portfolio``: cash, holdings (KIS average price), P&L, reservations.
* ``market.MarketState``: last price, base price / daily limits, book, recent volume per symbol.
* ``switch``: ``RiskLimits`` (same names/defaults as app RiskSettings) and ``TradingSwitch``.
* ``risk.RiskGate``: the gate (``check``), stops (``exit_intents``), daily loss
  (``check_daily_loss``), ``flatten_intents``, ``set_state``.
* ``execution``: ``ClientIdFactory`` and ``OrderRouter`` (orders, FSM, fills, cancel/revise).
* ``bar_builder.BarBuilder``: minute bars from trades, session-aware.
* ``notices.NoticeTranslator``: decoded execution notices -> broker events (fill ids).
* ``kernel.Kernel``: one run of strategies; routes events between strategy, risk and execution.

Wiring (I/O mode or backtest)::

    portfolio = Portfolio(cash)
    market = MarketState()
    gate = RiskGate(RiskLimits(...), portfolio, market, switch=TradingSwitch(restore=snapshot))
    router = OrderRouter(portfolio, ClientIdFactory(suffix), costs=CostModel())
    kernel = Kernel(strategies, gate, router, bar_builder=BarBuilder())
    step = kernel.on_trade(trade)          # or on_bar / on_orderbook / tick / on_broker_event
    for cmd in step.commands: ...          # store the order (router.order(cmd.client_order_id)), send
    kernel.on_broker_event(OrderSent(cid, ts)); kernel.on_broker_event(OrderAccepted(...)) ...
"""
