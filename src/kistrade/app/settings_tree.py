"""The root of the settings tree: the :class:`Settings` model and its cross-section rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from kistrade.app.settings_common import MAX_WATCHLIST, field_error, parse_list, validate_symbols
from kistrade.app.settings_kis import KisEnvironmentSettings, KisSettings
from kistrade.app.settings_models import (
    DashboardSettings,
    LoggingSettings,
    RiskSettings,
    StorageSettings,
    StrategySettings,
    TelegramSettings,
)

ENV_PREFIX = "KISTRADE__"
# Set by the loader, which reads and merges the sources itself (to know where each value came from).
_SOURCES_OFF: ContextVar[bool] = ContextVar("kistrade_settings_sources_off", default=False)
ENV_DELIMITER = "__"


def _fill_derived_paths(data: dict[str, Any]) -> dict[str, Any]:
    """``storage.db_file`` and ``logging.file`` default to places under ``storage.data_dir``."""
    storage = data.get("storage")
    if isinstance(storage, StorageSettings):
        storage = storage.model_dump()
    if storage is not None and not isinstance(storage, dict):
        return data
    storage = dict(storage or {})
    data_dir = storage.get("data_dir")
    if data_dir is None or not isinstance(data_dir, str | Path):
        return data
    base = Path(data_dir)
    if "db_file" not in storage:
        storage["db_file"] = base / "kistrade.db"
        data["storage"] = storage
    logging = data.get("logging", {})
    if isinstance(logging, dict) and "file" not in logging:
        data["logging"] = {**logging, "file": base / "logs" / "kistrade.log"}
    return data


def credentials_message(mode: str) -> str:
    block = "kis.real" if mode == "live" else "kis.paper"
    return f"is required when kis.mode is {mode} (the {block} credentials)"


class FieldsOnlyDotEnvSource(DotEnvSettingsSource):
    """A ``.env`` source that ignores variables which are not settings (a ``.env`` file is often
    shared with other tools); :func:`load_settings` reports unknown ``KISTRADE__`` names itself."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        return {key: value for key, value in data.items() if key in self.settings_cls.model_fields}


@contextmanager
def sources_off() -> Iterator[None]:
    """Within this block, constructing :class:`Settings` reads only the values it is given."""
    token = _SOURCES_OFF.set(True)
    try:
        yield
    finally:
        _SOURCES_OFF.reset(token)


class Settings(BaseSettings):
    """Everything kistrade can be configured with."""

    model_config = SettingsConfigDict(
        extra="forbid",
        hide_input_in_errors=True,
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        case_sensitive=False,
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        nested_model_default_partial_update=False,
    )

    kis: KisSettings = Field(default_factory=KisSettings)
    strategy: StrategySettings = Field(default_factory=StrategySettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    watchlist: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["005930"])
    storage: StorageSettings = Field(default_factory=StorageSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        del file_secret_settings
        if _SOURCES_OFF.get():
            return (init_settings,)
        dotenv = FieldsOnlyDotEnvSource(settings_cls) if dotenv_settings is not None else dotenv_settings
        return (
            init_settings,
            env_settings,
            dotenv,
            YamlConfigSettingsSource(settings_cls, yaml_file="config.yaml", yaml_file_encoding="utf-8"),
        )

    @model_validator(mode="before")
    @classmethod
    def _derived_paths(cls, data: Any) -> Any:
        return _fill_derived_paths(dict(data)) if isinstance(data, dict) else data

    @field_validator("watchlist", mode="before")
    @classmethod
    def _watchlist_list(cls, value: object) -> object:
        return parse_list(value)

    @field_validator("watchlist")
    @classmethod
    def _watchlist(cls, value: list[str]) -> list[str]:
        return validate_symbols(value, limit=MAX_WATCHLIST)

    @model_validator(mode="after")
    def _credentials_for_mode(self) -> Self:
        missing = self.kis.missing_for_mode()
        if missing:
            raise field_error(
                ",".join(missing), credentials_message(self.kis.mode), because="kis.mode", hint_env=True
            )
        return self

    def trading_environment(self) -> KisEnvironmentSettings | None:
        """The KIS environment block the mode trades against (``None`` in sim mode)."""
        return self.kis.environment()

    def secret_values(self) -> list[str]:
        """Every secret value in the tree (for log redaction), longest first."""
        found: list[str] = []
        _collect_secrets(self, found)
        return sorted({v for v in found if v}, key=len, reverse=True)


def _collect_secrets(node: object, out: list[str]) -> None:
    if isinstance(node, SecretStr):
        out.append(node.get_secret_value())
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            _collect_secrets(getattr(node, name), out)
    elif isinstance(node, list | tuple):
        for item in node:
            _collect_secrets(item, out)
