"""Settings of the killable test worker: slow batches, and a short broker visibility timeout.

A batch sleeps inside its transaction (REPORTS_SNAPSHOT_BATCH_DELAY), so a
test can kill the worker mid-batch; the unacknowledged task is redelivered
after a visibility timeout of seconds instead of the production hour (a test
that wants the production behaviour, no redelivery while it runs, sets
TEST_VISIBILITY_TIMEOUT to an hour).

Kombu keeps every consumer's unacknowledged messages under one set of Redis
keys, and any worker's sweep restores any of them once they are older than
*its* visibility timeout, behind one mutex that lives 300 s. Under xdist two
killable workers share the broker: one could restore the other's killed batch
(which that test wants lost), and a worker killed while holding the mutex
stopped every restore for five minutes. So each test queue gets keys of its
own, and a mutex that a dead holder keeps for seconds only.
"""

import os

from config.settings.test import *  # noqa: F403

_QUEUE = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
REPORTS_SNAPSHOT_BATCH_DELAY = float(os.environ.get("REPORTS_SNAPSHOT_BATCH_DELAY", "0"))
REPORTS_SNAPSHOT_BATCH = int(os.environ.get("REPORTS_SNAPSHOT_BATCH", "50"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "10")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    "unacked_key": f"unacked.{_QUEUE}",
    "unacked_index_key": f"unacked_index.{_QUEUE}",
    "unacked_mutex_key": f"unacked_mutex.{_QUEUE}",
    "unacked_mutex_expire": 5,
}
