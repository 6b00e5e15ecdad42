"""The cyclic garbage collector paused for the length of a backtest run.

A run allocates many small objects that live to its end (orders with their transitions and
fills, ledger records, fill events) and almost no reference cycles. CPython's cyclic collector
still walks every tracked object of the process in each of its passes: about a tenth of a
1,000,000-bar run (bench/backtest_bars.py), for nothing to collect. Reference counting frees
everything acyclic as usual while the collector is paused; it is enabled again when the run
ends (if it was enabled before), and collects the few cycles then.
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
