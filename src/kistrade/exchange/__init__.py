"""KRX matching engine and account ledgers: pure (no I/O, no clock; times are passed in).

* :class:`Exchange` (venue.py): engine + ledgers; what the simulator and the backtester call.
* :class:`MatchingEngine` (engine.py): books per symbol, phases, validation, auctions.
* :class:`Ledger` (ledger.py): one account's cash, reservations, holdings, orders, costs.
* events.py: ``RejectReason``, ``CancelReason`` and the event types; ``Phase`` is
  ``kistrade.domain.sessions.Phase`` (re-exported here).
"""

from kistrade.domain.sessions import Phase
from kistrade.exchange.book import BookOrder, OrderBook
from kistrade.exchange.engine import MatchingEngine
from kistrade.exchange.events import (
    AUCTION_PHASES,
    MARKET_OWNER,
    Accepted,
    AuctionUncross,
    Cancelled,
    CancelReason,
    Event,
    Fill,
    Rejected,
    RejectReason,
    Replaced,
)
from kistrade.exchange.fees import FeeModel, FixedFeeModel, KrxFeeModel
from kistrade.exchange.ledger import Ledger
from kistrade.exchange.quotes import Depth, SymbolStats
from kistrade.exchange.records import Holding, LedgerFill, OrderKind, OrderRecord, OrderState
from kistrade.exchange.venue import Exchange

__all__ = [
    "AUCTION_PHASES",
    "MARKET_OWNER",
    "Accepted",
    "AuctionUncross",
    "BookOrder",
    "CancelReason",
    "Cancelled",
    "Depth",
    "Event",
    "Exchange",
    "FeeModel",
    "Fill",
    "FixedFeeModel",
    "Holding",
    "KrxFeeModel",
    "Ledger",
    "LedgerFill",
    "MatchingEngine",
    "OrderBook",
    "OrderKind",
    "OrderRecord",
    "OrderState",
    "Phase",
    "RejectReason",
    "Rejected",
    "Replaced",
    "SymbolStats",
]
