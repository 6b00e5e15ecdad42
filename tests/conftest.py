"""Session-wide test hygiene."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kistrade.app.logging_setup import reset_logging


@pytest.fixture(autouse=True)
def _logging_handlers_end_with_the_test() -> Iterator[None]:
    """A command under test may point a log sink at pytest's captured stderr; that stream is
    closed after the test, so the sink goes with it (no "I/O operation on closed file")."""
    yield
    reset_logging()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No KISTRADE variables and no ./config.yaml or ./.env from the developer's machine (the
    settings tests use it: ``pytestmark = pytest.mark.usefixtures("clean_env")``)."""
    for name in list(os.environ):
        if name.upper().startswith("KISTRADE"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path
