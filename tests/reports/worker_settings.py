"""Settings of the killable test worker: slow batches, and a short broker visibility timeout.

A batch sleeps inside its transaction (REPORTS_SNAPSHOT_BATCH_DELAY), so a
test can kill the worker mid-batch; the unacknowledged task is redelivered
after a visibility timeout of seconds instead of the production hour (a test
that wants the production behaviour, no redelivery while it runs, sets
TEST_VISIBILITY_TIMEOUT to an hour).
"""

import os

from config.settings.test import *  # noqa: F403

REPORTS_SNAPSHOT_BATCH_DELAY = float(os.environ.get("REPORTS_SNAPSHOT_BATCH_DELAY", "0"))
REPORTS_SNAPSHOT_BATCH = int(os.environ.get("REPORTS_SNAPSHOT_BATCH", "50"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "10")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
