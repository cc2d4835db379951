"""What a long-running process does once its code is loaded (the gunicorn workers, the Celery workers)."""

from __future__ import annotations

import gc


def freeze_loaded_objects() -> None:
    """Keep what the process has loaded so far out of the cycle collector's passes (gc.freeze).

    Django, DRF and the apps' modules are a few hundred thousand objects that
    live as long as the process, and every full pass of the collector walked
    all of them: a quarter of the Python time of a 5,000-row list POST
    (bench.api_ingest). Frozen, they are not walked again; collection itself
    goes on as before for everything a request or a task makes. (Pausing
    collection around a batch instead made CPython 3.11 crash: a pass run
    inside ContextVar.set whose finalizers set a context variable,
    python/cpython#148891.)
    """
    gc.collect()
    gc.freeze()
