"""The settings of the demo behind ``make demo`` (``kistrade demo``): the bot on the bundled
simulator, accelerated, with its dashboard.

The demo's strategy trades visibly on the synthetic market: RSI(3) with a 45/55 band and no
cooldown, so a two-minute demo shows many fills (the default RSI(14) 30/70 with the order-book
filter trades a few times a simulated day). These are settings overrides, the highest-priority layer of
:func:`~kistrade.app.settings_loader.load_settings`: the user's config file is not touched, and
everything the run writes (store, token cache, log) goes to ``data_dir``, a temporary directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEMO_SYMBOLS: tuple[str, ...] = ("005930", "000660", "035420", "005380")
DEMO_SPEED = 60.0


def demo_overrides(data_dir: Path) -> dict[str, Any]:
    """Settings overrides of the demo run, everything it writes under ``data_dir``."""
    return {
        "strategy": {"name": "rsi", "rsi_period": 3, "oversold": 45.0, "overbought": 55.0},
        "risk": {"symbol_cooldown_s": 0, "max_orders_per_day": 400, "max_volume_participation_pct": 100},
        "storage": {"data_dir": str(data_dir), "db_file": str(data_dir / "kistrade.db")},
        "logging": {"file": str(data_dir / "logs" / "kistrade.log")},
        "telegram": {"enabled": False},
    }


__all__ = ["DEMO_SPEED", "DEMO_SYMBOLS", "demo_overrides"]
