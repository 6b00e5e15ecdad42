"""Load the settings tree from its sources, remember where each value came from, and turn
validation failures into one clear line per problem (dotted key + source, never a secret)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import EnvSettingsSource, SettingsError

from kistrade.app.settings_common import FIELD_ERROR
from kistrade.app.settings_files import is_file, read_text, read_yaml, too_deep
from kistrade.app.settings_kis import KisSettings
from kistrade.app.settings_tree import (
    ENV_DELIMITER,
    ENV_PREFIX,
    FieldsOnlyDotEnvSource,
    Settings,
    credentials_message,
    sources_off,
)
from kistrade.domain.errors import ConfigError

CONFIG_ENV = "KISTRADE_CONFIG"
ENV_FILE_ENV = "KISTRADE_ENV_FILE"
DEFAULT_CONFIG = Path("config.yaml")
DEFAULT_ENV_FILE = Path(".env")
DEFAULT_SOURCE = "default"
_SENSITIVE_WORDS = ("key", "secret", "token", "account", "hts_id", "password")


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """The settings plus where every non-default value came from (dotted key -> source)."""

    settings: Settings
    sources: dict[str, str]
    config_file: Path | None
    env_file: Path | None


def load_settings(
    config_file: Path | None = None, env_file: Path | None = None, **overrides: Any
) -> Settings:
    """Load and validate the settings; raise :class:`ConfigError` listing every problem."""
    return load_with_sources(config_file, env_file, **overrides).settings


def load_with_sources(
    config_file: Path | None = None, env_file: Path | None = None, **overrides: Any
) -> LoadedSettings:
    config_path = _resolve(config_file, CONFIG_ENV, DEFAULT_CONFIG, "config file")
    env_path = _resolve(env_file, ENV_FILE_ENV, DEFAULT_ENV_FILE, ".env file")
    layers: list[tuple[dict[str, Any], dict[str, str]]] = []  # lowest priority first
    problems: list[tuple[str, str, str]] = []  # (key, message, source)
    if config_path is not None:
        data = read_yaml(config_path)
        label = f"config file {config_path}"
        layers.append((data, {key: label for key in _leaf_keys(data)}))
    if env_path is not None:
        layers.append(_read_dotenv(env_path, problems))
    layers.append(_read_environ(problems))
    if overrides:
        layers.append((dict(overrides), {key: "arguments" for key in _leaf_keys(overrides)}))
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for data, where in layers:
        _merge(merged, data, sources, where)
    settings: Settings | None = None
    try:
        with sources_off():
            settings = Settings.model_validate(merged)
    except ValidationError as exc:
        problems.extend(_problems(exc, sources))
        problems.extend(_credential_problems(merged, sources))
    except RecursionError:  # a list validator decoding a deeply nested JSON string
        problems.extend((key, _TOO_DEEP, _lookup(key, sources)) for key in _deep_strings(merged))
        if not problems:
            raise ConfigError("invalid configuration: a value is nested too deeply") from None
    if problems or settings is None:
        raise ConfigError(_report(problems)) from None
    return LoadedSettings(settings, sources, config_path, env_path)


def env_var_name(key: str) -> str:
    """The variable for a dotted key: ``risk.stop_loss_pct`` -> ``KISTRADE__RISK__STOP_LOSS_PCT``."""
    return ENV_PREFIX + ENV_DELIMITER.join(part.upper() for part in key.split("."))


# --- sources ---------------------------------------------------------------------------------


def _resolve(given: Path | None, env_name: str, default: Path, what: str) -> Path | None:
    if given is not None:
        if not is_file(Path(given)):
            raise ConfigError(f"{what} {given} does not exist (given as an argument)")
        return Path(given)
    from_env = os.environ.get(env_name, "").strip()
    if from_env:
        if not is_file(Path(from_env)):
            raise ConfigError(f"{what} {from_env} does not exist (from environment variable {env_name})")
        return Path(from_env)
    return default if is_file(default) else None


def _env_source_kwargs() -> dict[str, Any]:
    return {
        "case_sensitive": False,
        "env_prefix": ENV_PREFIX,
        "env_nested_delimiter": ENV_DELIMITER,
        "env_ignore_empty": True,
    }


_TOO_DEEP = "the JSON value is nested too deeply"


def _deep_strings(data: Mapping[str, Any], path: str = "") -> Iterator[str]:
    """The dotted keys of string values that are JSON nested too deeply to decode."""
    for name, value in data.items():
        key = f"{path}.{name}" if path else str(name)
        if isinstance(value, Mapping):
            yield from _deep_strings(value, key)
        elif isinstance(value, str) and too_deep(value):
            yield key


def _read_environ(problems: list[tuple[str, str, str]]) -> tuple[dict[str, Any], dict[str, str]]:
    names = [name for name in os.environ if name.upper().startswith(ENV_PREFIX)]
    where = {}
    for name in names:
        key = _key_of_var(name)
        label = f"environment variable {name}"
        if not _known_key(key):
            problems.append((key, _unknown_message(key), label))
        elif os.environ[name].strip():
            where[key] = label
            if too_deep(os.environ[name]):
                problems.append((key, _TOO_DEEP, label))
    try:
        data = EnvSettingsSource(Settings, **_env_source_kwargs())()
    except SettingsError as exc:
        raise ConfigError(f"environment variables {ENV_PREFIX}*: {_settings_error(exc)}") from None
    except RecursionError:
        raise ConfigError(_report(problems)) from None
    return _only_known(data, problems=problems, where=where), where


def _read_dotenv(path: Path, problems: list[tuple[str, str, str]]) -> tuple[dict[str, Any], dict[str, str]]:
    read_text(path, ".env file")  # not UTF-8: named here, not a UnicodeDecodeError from python-dotenv
    where = {}
    for name, value in dotenv_values(path, encoding="utf-8").items():
        if not name.upper().startswith(ENV_PREFIX):
            continue
        key = _key_of_var(name)
        label = f".env file {path} ({name})"
        if not _known_key(key):
            problems.append((key, _unknown_message(key), label))
        elif value is not None and value.strip():
            where[key] = label
            if too_deep(value):
                problems.append((key, _TOO_DEEP, label))
    try:
        data = FieldsOnlyDotEnvSource(Settings, env_file=path, **_env_source_kwargs())()
    except SettingsError as exc:
        raise ConfigError(f".env file {path}: {_settings_error(exc)}") from None
    except RecursionError:
        raise ConfigError(_report(problems)) from None
    return _only_known(data, problems=problems, where=where), where


def _settings_error(exc: SettingsError) -> str:
    # pydantic-settings names the field but may quote the raw value: keep only the field part.
    text = str(exc)
    return text.split(" from source ", maxsplit=1)[0] if " from source " in text else "could not be parsed"


def _key_of_var(name: str) -> str:
    return ".".join(part.lower() for part in name[len(ENV_PREFIX) :].split(ENV_DELIMITER))


def _only_known(
    data: dict[str, Any],
    path: str = "",
    *,
    problems: list[tuple[str, str, str]],
    where: Mapping[str, str],
) -> dict[str, Any]:
    """Drop unknown keys the env sources collected. A variable named after an unknown key was
    reported already; an unknown key inside a JSON value (``KISTRADE__KIS='{"simm": {}}'``) is
    reported here, with the variable that held it."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{path}.{name}" if path else str(name)
        if not _known_key(key):
            if not any(p[0] == key or p[0].startswith(key + ".") for p in problems):
                problems.append((key, _unknown_message(key), _source_for(key, where)))
            continue
        if isinstance(value, dict) and _is_model(key):
            out[name] = _only_known(value, key, problems=problems, where=where)
        else:
            out[name] = value
    return out


# --- the model's shape --------------------------------------------------------------------


def _model_at(key: str) -> type[BaseModel] | None:
    model: type[BaseModel] = Settings
    for part in key.split(".") if key else []:
        field = _field(model, part)
        if field is None:
            return None
        annotation = field.annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _field(model: type[BaseModel], name: str) -> Any:
    for field_name, info in model.model_fields.items():
        if name in (field_name, info.alias):
            return info
    return None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _is_model(key: str) -> bool:
    return _model_at(key) is not None


def _known_key(key: str) -> bool:
    parent, _, last = key.rpartition(".")
    model = _model_at(parent)
    return model is not None and _field(model, last) is not None


def _unknown_message(key: str) -> str:
    parent, _, last = key.rpartition(".")
    model = _model_at(parent)
    if model is None:
        return f"unknown key ({parent or key} is not a section)"
    close = difflib.get_close_matches(last, _field_names(model), n=1)
    hint = f"; did you mean {'.'.join(filter(None, [parent, close[0]]))}?" if close else ""
    return f"unknown key{hint}"


# --- merging with provenance --------------------------------------------------------------


def _leaf_keys(data: Mapping[str, Any], path: str = "") -> Iterator[str]:
    for name, value in data.items():
        key = f"{path}.{name}" if path else str(name)
        if isinstance(value, Mapping) and value:
            yield from _leaf_keys(value, key)
        else:
            yield key


def _merge(
    target: dict[str, Any], data: Mapping[str, Any], sources: dict[str, str], where: dict[str, str]
) -> None:
    def walk(into: dict[str, Any], new: Mapping[str, Any], path: str) -> None:
        for name, value in new.items():
            key = f"{path}.{name}" if path else str(name)
            if isinstance(value, Mapping) and isinstance(into.get(name), dict):
                walk(into[name], value, key)
                continue
            into[name] = dict(value) if isinstance(value, Mapping) else value
            for old in [k for k in sources if k == key or k.startswith(key + ".")]:
                del sources[old]
            leaves = list(_leaf_keys(value, key)) if isinstance(value, Mapping) and value else [key]
            for leaf in leaves:
                sources[leaf] = _source_for(leaf, where)

    walk(target, data, "")


def _source_for(key: str, where: Mapping[str, str]) -> str:
    """The label of ``key`` or of its nearest ancestor (a whole section given as one JSON variable)."""
    probe = key
    while probe:
        if probe in where:
            return where[probe]
        probe = probe.rpartition(".")[0]
    below = sorted({label for k, label in where.items() if k.startswith(key + ".")})
    return ", ".join(below) if below else "unknown source"


# --- errors -------------------------------------------------------------------------------


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _sensitive(key: str) -> bool:
    last = key.rsplit(".", 1)[-1]
    return any(word in last for word in _SENSITIVE_WORDS)


def _problems(exc: ValidationError, sources: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    for err in exc.errors(include_url=False):
        base = _dotted(tuple(err["loc"]))
        message = str(err["msg"])
        kind = err["type"]
        ctx = err.get("ctx") or {}
        if kind == FIELD_ERROR:
            because = ctx.get("because")
            source_key = ".".join(filter(None, [base, because])) if because else base
            for field in str(ctx["field"]).split(","):
                key = ".".join(filter(None, [base, field]))
                hint = f"; set {env_var_name(key)}" if ctx.get("hint_env") else ""
                yield key, message + hint, _lookup(source_key if because else key, sources)
            continue
        if kind == "extra_forbidden":
            yield base, _unknown_message(base), _lookup(base, sources)
            continue
        if kind == "value_error":
            message = message.removeprefix("Value error, ")
        elif not _sensitive(base):
            value = err.get("input")
            if isinstance(value, str | int | float | bool) and not isinstance(value, SecretStr):
                shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
                message = f"{message} (got {shown})"
        yield base, message, _lookup(base, sources)


def _credential_problems(merged: dict[str, Any], sources: dict[str, str]) -> list[tuple[str, str, str]]:
    """The missing credentials, also when another section failed (the root check did not run)."""
    try:
        with sources_off():
            kis = KisSettings.model_validate(merged.get("kis") or {})
    except ValidationError:
        return []
    source = _lookup("kis.mode", sources)
    return [
        (key, f"{credentials_message(kis.mode)}; set {env_var_name(key)}", source)
        for key in kis.missing_for_mode()
    ]


def _lookup(key: str, sources: Mapping[str, str]) -> str:
    found = _source_for(key.split("[", 1)[0], sources)  # watchlist[2] came with watchlist
    return DEFAULT_SOURCE if found == "unknown source" else found


def _one_line(text: str) -> str:
    """Control characters escaped (a key read from a file may hold a newline): one line per problem."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _report(problems: list[tuple[str, str, str]]) -> str:
    seen: set[tuple[str, str]] = set()
    lines: list[str] = []
    for key, message, source in problems:
        if (key, message) in seen:
            continue
        seen.add((key, message))
        where = "default value" if source == DEFAULT_SOURCE else f"from {source}"
        lines.append(f"  {_one_line(key)}: {_one_line(message)} [{_one_line(where)}]")
    noun = "problem" if len(lines) == 1 else "problems"
    return f"invalid configuration ({len(lines)} {noun}):\n" + "\n".join(lines)
