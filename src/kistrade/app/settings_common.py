"""Small validators shared by the settings sections."""

from __future__ import annotations

import json

from pydantic_core import PydanticCustomError

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import parse_symbol

MAX_WATCHLIST = 20  # 40 WebSocket subscriptions per session, 2 per symbol (trades + order book)


def parse_list(value: object) -> object:
    """Accept a list, a JSON list, or a comma-separated string (the forms an env variable can take)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"is not a valid JSON list ({exc.msg} at column {exc.colno})") from None
            except RecursionError:
                raise ValueError("is a JSON list nested too deeply") from None
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return value


def validate_symbols(values: list[str], *, limit: int | None = None) -> list[str]:
    """Every entry a KRX short code, no duplicates, at most ``limit`` entries."""
    out: list[str] = []
    for raw in values:
        try:
            symbol = str(parse_symbol(str(raw)))
        except InvalidInputError as exc:
            raise ValueError(str(exc)) from None
        if symbol in out:
            raise ValueError(f"symbol {symbol!r} is listed twice")
        out.append(symbol)
    if limit is not None and len(out) > limit:
        raise ValueError(
            f"has {len(out)} symbols; at most {limit} fit the 40-subscription WebSocket budget "
            f"(2 subscriptions per symbol: trades and order book)"
        )
    return out


FIELD_ERROR = "kistrade_field"


def field_error(
    field: str, message: str, *, because: str | None = None, hint_env: bool = False
) -> PydanticCustomError:
    """A model-level validation error that belongs to one field (``field`` is dotted, relative to the
    model; several separated by commas), optionally caused by another field (``because``, relative
    too) whose source is reported; ``hint_env`` adds the environment variable to set."""
    ctx: dict[str, str] = {"field": field}
    if because is not None:
        ctx["because"] = because
    if hint_env:
        ctx["hint_env"] = "yes"
    return PydanticCustomError(FIELD_ERROR, message.replace("{", "(").replace("}", ")"), ctx)
