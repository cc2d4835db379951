"""Test settings: the base settings with safe defaults for a test run.

DATABASE_URL and CELERY_BROKER_URL still come from the environment, so the
same suite runs on the embedded default and on PostgreSQL + Redis.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-checks")

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# A copy, so config.settings.base keeps the production throttle (tests/api/test_throttling.py uses it).
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Tests never collect static files; WhiteNoise need not look for them.
WHITENOISE_AUTOREFRESH = True
# Each test process counts in its own memory unless CACHE_URL asks for a shared cache:
# the tests clear the cache, and clearing the default Redis cache would empty the broker's database.
if "CACHE_URL" not in os.environ:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks a request runs after its response (no broker) run in the request's own thread, where the
# test's transaction is (engagements.queue); tests that want the background thread set "thread".
AFTER_RESPONSE_TASKS = "inline"
# Every commit sends its recompute: the cache (Redis on PostgreSQL runs) is shared by the test
# processes, and one test's flag must not hold back another's. tests/reports/test_coalesce.py turns it on.
RECOMPUTE_COALESCE_SECONDS = 0
RECOMPUTE_DELAY_SECONDS = 0
# Tests sign in with wrong passwords and tokens on purpose; tests/test_login_throttling.py sets its own limits.
LOGIN_FAILURE_LIMIT = 10_000
API_TOKEN_FAILURE_LIMIT = 10_000
