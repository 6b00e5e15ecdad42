"""The cyclic garbage collector paused for the length of a backtest run.

A run allocates many small objects that live to its end (orders with their transitions and
fills, ledger records, fill events) and no reference cycles (tests/unit/test_backtest_gc_pause.py:
the whole graph is freed by reference counting when the result goes). CPython's cyclic collector
still walks every tracked object of the process in each of its passes: about a tenth of a
1,000,000-bar run (bench/backtest_bars.py), for nothing to collect. Reference counting frees
everything acyclic as usual while the collector is paused; it is enabled again when the run
ends (if it was enabled before); its first pass after that still walks what the run left alive
(the result's equity curve and fills).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block; restore its previous state after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
