"""Logging with loguru: stderr, a rotating file under the data directory, optional JSON lines.

Every record passes a patcher that masks secrets (exact values from the settings plus
secret-shaped strings, see :mod:`kistrade.app.redact`) in the message, the extra values and
the exception text before any sink sees it. Tracebacks are formatted by the patcher (without
variable values) so a secret inside an exception message or a chained cause is masked too.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from loguru import logger
from pydantic import SecretStr

from kistrade.app.redact import Redactor
from kistrade.app.settings_models import LoggingSettings

if TYPE_CHECKING:
    from loguru import Record

TEXT_FORMAT = (
    "{time:YYYY-MM-DD HH:mm:ss.SSS Z} | {level: <8} | {name}:{function}:{line} | {message}{extra[exc_text]}"
)
STDERR_FORMAT = (
    "<green>{time:HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | "
    "<cyan>{name}</cyan>:<cyan>{line}</cyan> | <level>{message}</level>{extra[exc_text]}"
)


class _State:
    """What the last :func:`setup_logging` call installed (module-level, so a second call replaces it)."""

    handler_ids: ClassVar[list[int]] = []
    redactor: ClassVar[Redactor] = Redactor()


_handler_ids = _State.handler_ids


def _redact_value(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return "<redacted>"
    if isinstance(value, str):
        return _State.redactor.redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


def _patch(record: Record) -> None:
    record["message"] = _State.redactor.redact(record["message"])
    extra = record["extra"]
    for key in list(extra):
        if key != "exc_text":
            extra[key] = _redact_value(extra[key])
    exception = record["exception"]
    text = ""
    if exception is not None and exception.type is not None:
        lines = traceback.format_exception(exception.type, exception.value, exception.traceback)
        text = "\n" + _State.redactor.redact("".join(lines)).rstrip("\n")
        record["exception"] = None
    extra["exc_text"] = text


def setup_logging(
    settings: LoggingSettings,
    secrets: Iterable[str | SecretStr | None] = (),
    *,
    stderr: Any = None,
    console_level: str | None = None,
) -> list[int]:
    """Configure loguru from ``settings``; safe to call again (it replaces what it added before).

    ``secrets`` are exact values to mask (``Settings.secret_values()``); ``stderr`` overrides the
    stream of the console sink (tests); ``console_level`` raises the console's threshold for
    interactive commands (the file keeps ``settings.level``). Returns the ids of the handlers.
    """
    _State.redactor = Redactor(secrets)
    for handler_id in _handler_ids:
        _remove(handler_id)
    _handler_ids.clear()
    _remove(0)  # loguru's default stderr handler, if still there
    logger.configure(patcher=_patch, extra={"exc_text": ""})
    level = settings.level
    if settings.stderr:
        _handler_ids.append(
            logger.add(
                stderr if stderr is not None else sys.stderr,
                level=console_level or level,
                format=STDERR_FORMAT,
                colorize=None if stderr is None else False,
                backtrace=False,
                diagnose=False,
            )
        )
    log_file = Path(settings.file)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    _handler_ids.append(
        logger.add(
            log_file,
            level=level,
            format=TEXT_FORMAT,
            rotation=settings.rotation,
            retention=settings.retention,
            encoding="utf-8",
            enqueue=False,
            backtrace=False,
            diagnose=False,
        )
    )
    if settings.json_lines:
        _handler_ids.append(
            logger.add(
                log_file.with_suffix(".jsonl"),
                level=level,
                serialize=True,
                rotation=settings.rotation,
                retention=settings.retention,
                encoding="utf-8",
                backtrace=False,
                diagnose=False,
            )
        )
    return list(_handler_ids)


def add_secrets(secrets: Iterable[str | SecretStr | None]) -> None:
    """Register more exact values to mask (e.g. an access token issued at run time)."""
    _State.redactor.add(secrets)


def redact_text(text: str) -> str:
    """Mask ``text`` with the redactor the logging setup uses."""
    return _State.redactor.redact(text)


def _remove(handler_id: int) -> None:
    with contextlib.suppress(ValueError):
        logger.remove(handler_id)


def reset_logging() -> None:
    """Remove what :func:`setup_logging` added and its patcher (tests; shutdown)."""
    for handler_id in _handler_ids:
        _remove(handler_id)
    _handler_ids.clear()
    _State.redactor = Redactor()
    logger.configure(patcher=None, extra={})
