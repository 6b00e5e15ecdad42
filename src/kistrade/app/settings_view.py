"""The settings as people see them (``kistrade config show``): plain data, every secret masked."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from kistrade.app.redact import mask_secret
from kistrade.app.settings_tree import Settings

CREDENTIALS = ("app_key", "app_secret", "account", "hts_id")


def masked_tree(node: Any) -> Any:
    """JSON-ready data for a settings node: secrets masked, Decimals as strings, paths as text."""
    if isinstance(node, SecretStr):
        return mask_secret(node)
    if isinstance(node, BaseModel):
        out: dict[str, Any] = {}
        for name, info in type(node).model_fields.items():
            out[info.alias or name] = masked_tree(getattr(node, name))
        return out
    if isinstance(node, list | tuple):
        return [masked_tree(item) for item in node]
    if isinstance(node, Decimal | Path):
        return str(node)
    return node


def flat_items(tree: dict[str, Any], path: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` for every leaf of a :func:`masked_tree`."""
    for name, value in tree.items():
        key = f"{path}.{name}" if path else name
        if isinstance(value, dict):
            yield from flat_items(value, key)
        else:
            yield key, value


def credentials_present(settings: Settings) -> dict[str, list[str]]:
    """Per KIS environment (``real``, ``paper``), which credentials are set (names only)."""
    return {
        "real": [name for name in CREDENTIALS if getattr(settings.kis.real, name) is not None],
        "paper": [name for name in CREDENTIALS if getattr(settings.kis.paper, name) is not None],
    }
