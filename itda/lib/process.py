"""Settling a long-running worker process after its start-up."""

from __future__ import annotations

import gc

_FROZEN = [False]


def freeze_startup_objects() -> bool:
    """Keep the objects loaded at start-up out of every later garbage collection; once per process.

    A sweep loop lives for days. Everything it loaded before its first pass
    (Django, the models, the speech-analysis model's wrapper: about 130,000
    objects) stays alive for the whole life of the process, yet each full
    collection walks all of it again. The bench's week spent 3.7 s of its
    workers' 27 s of CPU in the collector; with the start-up objects frozen,
    0.9 s (docs/performance.md §3). What the loop allocates afterwards is
    collected as before. Returns whether this call froze them.
    """
    if _FROZEN[0]:
        return False
    gc.collect()  # what is garbage now is not frozen with the rest
    gc.freeze()
    _FROZEN[0] = True
    return True
