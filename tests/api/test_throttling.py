"""Throttling: a client over the configured rate is told to wait (429), and another client is not."""

from __future__ import annotations

import pytest
from rest_framework.settings import api_settings, perform_import

from config.settings import base
from engagements.api.views import VendorViewSet
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured_throttle(monkeypatch, settings) -> None:
    """Put back the production throttle classes (test settings switch them off) at a rate of 2 a minute."""
    from django.core.cache import cache

    cache.clear()
    # Resolved the way DRF resolves the production setting.
    classes = perform_import(base.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"], "DEFAULT_THROTTLE_CLASSES")
    assert classes, "the base settings configure no throttle"
    # DRF binds a view's throttle classes when the view class is defined, under the test settings.
    monkeypatch.setattr(VendorViewSet, "throttle_classes", classes)
    # The throttles read this dict (api_settings.DEFAULT_THROTTLE_RATES) on every request.
    for scope in base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]:
        monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, scope, "2/min")


def test_a_client_over_the_configured_rate_gets_429(ops_api, configured_throttle) -> None:
    codes = [ops_api.get("/api/v1/vendors/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_rate_is_counted_per_user(ops_api, superuser, configured_throttle) -> None:
    for _ in range(2):
        ops_api.get("/api/v1/vendors/")
    assert ops_api.get("/api/v1/vendors/").status_code == 429
    assert token_client(superuser).get("/api/v1/vendors/").status_code == 200


@pytest.fixture
def unreachable_cache(settings) -> None:
    """The shared cache is a Redis that refuses connections (down, or restarting)."""
    from tests.engagements.test_queue import closed_port_url

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": closed_port_url(),
            "OPTIONS": {"socket_timeout": 1.0, "socket_connect_timeout": 1.0},
        }
    }


def test_a_cache_outage_lets_requests_through_unthrottled_and_says_so_in_the_log(
    ops_api, configured_throttle, unreachable_cache, caplog
) -> None:
    codes = [ops_api.get("/api/v1/vendors/").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert "throttle cache unavailable" in caplog.text


def test_a_cache_outage_does_not_stop_a_batch_of_time_entries(ops_api, configured_throttle, unreachable_cache) -> None:
    from engagements.models import TimeEntry
    from tests.factories import ContractorFactory

    contractor = ContractorFactory()
    start = contractor.engagement.start_date
    rows = [
        {"contractor": contractor.pk, "date": str(start), "hours": "8.00", "source": "t", "external_id": str(n)}
        for n in range(2)
    ]
    response = ops_api.post("/api/v1/time-entries/", rows, format="json")
    assert response.status_code == 200, response.content
    assert TimeEntry.objects.filter(contractor=contractor).count() == 2
