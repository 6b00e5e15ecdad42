"""The typed settings tree (shared/DESIGN.md decision 8): import everything from here.

One :class:`Settings` model, read (highest priority first) from init kwargs, environment
variables ``KISTRADE__SECTION__KEY``, a ``.env`` file, ``config.yaml`` and the defaults.
:func:`load_settings` loads it and turns every problem into one line of a
:class:`~kistrade.domain.errors.ConfigError` that names the dotted key and its source.
"""

from __future__ import annotations

from kistrade.app.settings_kis import (
    KisEnvironmentSettings,
    KisPaperSettings,
    KisRealSettings,
    KisSettings,
    SimSettings,
)
from kistrade.app.settings_loader import LoadedSettings, load_settings, load_with_sources
from kistrade.app.settings_models import (
    DashboardSettings,
    LoggingSettings,
    NotifyLevels,
    OrderbookSettings,
    OrderbookWeights,
    RiskSettings,
    StorageSettings,
    StrategySettings,
    TelegramSettings,
)
from kistrade.app.settings_tree import Settings

__all__ = [
    "DashboardSettings",
    "KisEnvironmentSettings",
    "KisPaperSettings",
    "KisRealSettings",
    "KisSettings",
    "LoadedSettings",
    "LoggingSettings",
    "NotifyLevels",
    "OrderbookSettings",
    "OrderbookWeights",
    "RiskSettings",
    "Settings",
    "SimSettings",
    "StorageSettings",
    "StrategySettings",
    "TelegramSettings",
    "load_settings",
    "load_with_sources",
]
