"""What a long-running process does once its code is loaded (the gunicorn workers, the Celery workers)."""

from __future__ import annotations

import gc

# Allocations between two young collections (CPython's default is 700). A list POST of 5,000 rows makes a
# few hundred thousand objects that live for the request; with the default, the collector's passes over
# them took a sixth of the request's Python time (20 such POSTs of bench.api_ingest's rows: 37-38 µs of
# Python per row against 31-33 µs with 10,000, and no better with 50,000 or with the collector off).
# Garbage in cycles waits a little longer to be freed: at most this many objects' worth per generation.
YOUNG_COLLECTION_THRESHOLD = 10_000


def settle_loaded_process() -> None:
    """Keep what the process has loaded out of the cycle collector's passes, and collect young objects less often.

    Django, DRF and the apps' modules are a few hundred thousand objects that
    live as long as the process, and every full pass of the collector walked
    all of them: a quarter of the Python time of a 5,000-row list POST
    (bench.api_ingest). Frozen (gc.freeze), they are not walked again;
    collection itself goes on for everything a request or a task makes, at
    YOUNG_COLLECTION_THRESHOLD. (Pausing collection around a batch instead
    made CPython 3.11 crash: a pass run inside ContextVar.set whose
    finalizers set a context variable, python/cpython#148891.)
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, oldest)


def load_url_conf() -> None:
    """Import the views and build the URL resolver now, as the first request would.

    A web process then answers its first request as fast as the others (the
    URL conf imports every app's views: about half a second), and what the
    views load is frozen with the rest by settle_loaded_process.
    """
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 - the property builds the resolver's tables
