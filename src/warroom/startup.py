"""Starting a process without the cyclic garbage collector.

Importing warroom and building its app makes about 125,000 objects that live as long as
the process, and next to no garbage. The collector would still walk them again and again
while they are made: about 0.2 s of a 1.7 s start on the reference machine, more than half of
it in two full collections. So a command pauses the collector while it starts, then moves
everything made so far into the permanent generation (`gc.freeze`) and resumes it. Later
full collections skip those objects too, so the pauses requests see are shorter.

The collector's first threshold is then raised from 700 to 100,000 objects. A request,
or one of the alert writer's batches (about 20 objects an alert, up to 2,000 alerts), makes
objects that all go when it is answered; at 700 the collector walks them again and again
while they live. Measured under batches of 100 alerts (`bench/ingest.py`, 16 s): the
writer process spends 2.7 s collecting with the default threshold and an unfrozen start,
1.1 s with its start frozen, and under 0.01 s at 100,000; the server process 1.0 s and
0.02 s. The garbage left for the collector (cycles) is rare, so the higher threshold costs
little memory.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

COLLECT_AFTER_OBJECTS = 100_000  # the collector's first threshold (default 700)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No collection inside; after it, everything alive is kept for good (it is the
    program) and what comes after is collected once COLLECT_AFTER_OBJECTS have piled up."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(COLLECT_AFTER_OBJECTS)
        gc.enable()
