"""``--set key=value`` onto a strategy's frozen parameter dataclass (dots reach nested ones:
``orderbook.min_score=0.6``, ``orderbook.weights.spread=0``); values take the field's type."""

from __future__ import annotations

import dataclasses
from typing import Any

from kistrade.domain.errors import InvalidInputError
from kistrade.strategy import get_spec


def _coerce(key: str, old: Any, raw: str) -> Any:
    try:
        if isinstance(old, bool):
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1")
        if isinstance(old, int):
            return int(raw)
        if isinstance(old, float):
            return float(raw)
    except ValueError:
        raise InvalidInputError(f"--set {key}={raw}: expected {type(old).__name__}") from None
    return raw


def _set(obj: Any, path: list[str], raw: str, full: str) -> Any:
    names = {f.name for f in dataclasses.fields(obj)}
    head = path[0]
    if head not in names:
        raise InvalidInputError(
            f"--set {full}: unknown parameter {head!r} (known: {', '.join(sorted(names))})"
        )
    old = getattr(obj, head)
    new = _set(old, path[1:], raw, full) if len(path) > 1 else _coerce(full, old, raw)
    return dataclasses.replace(obj, **{head: new})


def build_params(strategy: str, settings: list[str] | dict[str, Any]) -> Any:
    """The strategy's default parameters with ``settings`` (``key=value`` strings or a dict) applied."""
    params = get_spec(strategy).params_type()
    items = settings.items() if isinstance(settings, dict) else [_split(s) for s in settings]
    for key, value in items:
        params = _set(params, key.split("."), str(value), key)
    return params


def _split(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InvalidInputError(f"--set {text!r} is not key=value")
    return key.strip(), value.strip()
