"""Session-wide test hygiene."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kistrade.app.logging_setup import reset_logging


@pytest.fixture(autouse=True)
def _logging_handlers_end_with_the_test() -> Iterator[None]:
    """A command under test may point a log sink at pytest's captured stderr; that stream is
    closed after the test, so the sink goes with it (no "I/O operation on closed file")."""
    yield
    reset_logging()
