"""Helpers shared by the quotation and chart TR handlers."""

from __future__ import annotations

from datetime import date

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import Symbol, parse_symbol
from kistrade.kis.protocol.codes import error_body
from kistrade.kis.simulator.context import InputError, TrRequest
from kistrade.kis.simulator.fmt import change_sign, num, ratio
from kistrade.kis.simulator.market_types import Phase, QuoteSnapshot

MARKET_DIV_CODES = ("J", "NX", "UN")
PAR_VALUE = 100


def shape(fields: tuple[str, ...], values: dict[str, str]) -> dict[str, str]:
    """``values`` in documented order; every documented field must be present."""
    return {name: values[name] for name in fields}


def resolve_symbol(req: TrRequest, field: str = "FID_INPUT_ISCD") -> Symbol | None:
    """The quoted symbol (listed on demand), or None for a code that is not a KRX short code."""
    div = req.get("FID_COND_MRKT_DIV_CODE", "J").upper()
    if field.startswith("FID") and (div not in MARKET_DIV_CODES or (req.is_paper and div != "J")):
        raise InputError(error_body("OPSQ2001"))
    raw = req.require(field)
    try:
        symbol = parse_symbol(raw)
    except InvalidInputError:
        return None
    if not req.hub.has_symbol(symbol):
        req.hub.ensure_symbol(symbol)
    return symbol


def mkop_code(phase: Phase) -> str:
    """NEW_MKOP_CLS_CODE: 1x before the open, 2x in the session, 3x after the close."""
    if phase is Phase.PRE_OPEN_AUCTION:
        return "10"
    if phase in (Phase.CONTINUOUS, Phase.CLOSING_AUCTION):
        return "20"
    return "30"


def change_fields(snap: QuoteSnapshot) -> dict[str, str]:
    return {
        "stck_prpr": num(snap.last),
        "prdy_vrss": num(snap.last - snap.base),
        "prdy_vrss_sign": change_sign(snap.last, snap.base, snap.upper, snap.lower),
        "prdy_ctrt": ratio(snap.last - snap.base, snap.base),
    }


def zeros(fields: tuple[str, ...]) -> dict[str, str]:
    return dict.fromkeys(fields, "0")


def parse_date(req: TrRequest, field: str, default: date) -> date:
    raw = req.get(field)
    if not raw:
        return default
    if len(raw) != 8 or not raw.isdigit():
        raise InputError(error_body("OPSQ2002", f"ERROR : INPUT INVALID_CHECK_FIELD [{field}={raw}]"))
    if raw[:4] == "0000":
        return date.min
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise InputError(
            error_body("OPSQ2002", f"ERROR : INPUT INVALID_CHECK_FIELD [{field}={raw}]")
        ) from None


__all__ = [
    "MARKET_DIV_CODES",
    "PAR_VALUE",
    "change_fields",
    "mkop_code",
    "parse_date",
    "resolve_symbol",
    "shape",
    "zeros",
]
