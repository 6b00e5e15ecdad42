"""Reading the settings files safely: UTF-8 text or a ConfigError naming the file and line, YAML
whose tree has string keys only, no alias cycles, bounded depth and size (an alias bomb is
refused), and the check for JSON values nested too deeply for the decoder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from kistrade.domain.errors import ConfigError


def is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte: not a file we can read
        return False


def read_text(path: Path, what: str) -> str:
    """The file as UTF-8 text; unreadable or not UTF-8: a ConfigError naming the file and line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{what} {path} is not UTF-8 text (line {line}, byte offset {exc.start})") from None


#: Limits of a config file's tree: far above any real settings file, low enough that a YAML alias
#: bomb (each level referring to the one before twice) or a self-referring alias is refused.
_MAX_DEPTH = 16
_MAX_NODES = 10_000


def _check_tree(data: object, path: Path) -> None:
    """Every mapping key is a string, no alias refers to its own ancestor, and the tree is small."""
    nodes = 0
    ancestors: set[int] = set()

    def walk(node: object, where: str, depth: int) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > _MAX_NODES:
            raise ConfigError(f"config file {path} holds more than {_MAX_NODES} values (an alias bomb?)")
        if not isinstance(node, dict | list):
            return
        place = where or "the top level"
        if id(node) in ancestors:
            raise ConfigError(
                f"config file {path}: the value of {place} refers to itself (a YAML alias cycle)"
            )
        if depth > _MAX_DEPTH:
            raise ConfigError(f"config file {path}: {place} is nested deeper than {_MAX_DEPTH} levels")
        ancestors.add(id(node))
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    raise ConfigError(
                        f"config file {path}: key {str(key)[:40]!r} in {place} is not a string"
                        " (quote it: YAML reads on/off/yes/no/null/numbers/dates as other types)"
                    )
                walk(value, f"{where}.{key}" if where else key, depth + 1)
        else:
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]", depth + 1)
        ancestors.discard(id(node))

    walk(data, "", 0)


def read_yaml(path: Path) -> dict[str, Any]:
    text = read_text(path, "config file")
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"config file {path} is not valid YAML: {exc.problem}{where}") from None
    except yaml.YAMLError:
        raise ConfigError(f"config file {path} is not valid YAML") from None
    except RecursionError:
        raise ConfigError(f"config file {path} is nested too deeply to be read") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of sections (kis:, risk:, ...) at the top")
    _check_tree(data, path)
    return data


def too_deep(value: str) -> bool:
    """Whether a JSON-looking variable value nests too deeply for the JSON decoder."""
    if value.lstrip()[:1] not in ("[", "{"):
        return False
    try:
        json.loads(value)
    except RecursionError:
        return True
    except ValueError:
        return False
    return False
