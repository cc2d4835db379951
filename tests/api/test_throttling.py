"""Throttling: a client over its rate is told to wait (429)."""

from __future__ import annotations

import pytest
from rest_framework.throttling import UserRateThrottle

from engagements.api.views import VendorViewSet

pytestmark = pytest.mark.django_db


class TwoPerMinute(UserRateThrottle):
    rate = "2/min"


def test_a_client_over_its_rate_gets_429(ops_api, monkeypatch) -> None:
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(VendorViewSet, "throttle_classes", [TwoPerMinute])
    codes = [ops_api.get("/api/v1/vendors/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
