"""The error tree. Each class says what the caller should do (shared/DESIGN.md decision 5)."""

from __future__ import annotations


class KistradeError(Exception):
    """Base of every error kistrade raises on purpose."""


class ConfigError(KistradeError):
    """Bad configuration: refuse to start. The message names the key and where it came from."""


class InvalidInputError(KistradeError, ValueError):
    """A value from outside (a symbol, a price, a CSV row) is not acceptable; the message names it."""


class RetryableError(KistradeError):
    """A transient fault (network, HTTP 5xx, rate limit): the same request may be sent again."""


class RateLimitedError(RetryableError):
    """The broker refused the call for exceeding its request rate."""


class ReauthRequiredError(KistradeError):
    """The access token expired or was revoked: re-authenticate once, then replay."""


class AuthError(KistradeError):
    """Credentials were refused: not retried."""


class RejectedError(KistradeError):
    """The broker rejected an order or request for a business reason: never retried."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class RiskDeniedError(KistradeError):
    """The risk gate refused an intent; the message is the rule's reason."""


class ParseError(KistradeError, ValueError):
    """Input from outside could not be parsed; the message names the field or frame."""


class StateError(KistradeError):
    """An impossible transition was requested (e.g. an order state machine step)."""


class OrderStateUnknownError(KistradeError):
    """An order POST timed out or lost its connection and the broker's order list does not show it.

    The order may still exist: the engine must reconcile (open orders, daily fills, notices)
    before sending it again. Never retried blindly.
    """

    def __init__(self, message: str, *, symbol: str, side: str, qty: int, price: int) -> None:
        super().__init__(message)
        self.symbol = symbol
        self.side = side
        self.qty = qty
        self.price = price
