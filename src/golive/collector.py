"""Pausing Python's cyclic garbage collector around work that makes many objects and no cycles.

Reading 100,000 findings, or importing the policy language, allocates millions of small
objects; the collector's passes over them cost more than the work itself (measured with
``bench/gate_large.py``), while reference counting still frees what is dropped.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """The collector paused for the block (as it was before, after it).

    With ``freeze``, everything alive when the block ends is moved out of the collector's
    sight before it resumes (:func:`gc.freeze`): for what lives until the process ends
    (imported modules, a decision about to be written), which it would otherwise walk again
    at its next full pass, right away.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        if enabled:
            gc.enable()
