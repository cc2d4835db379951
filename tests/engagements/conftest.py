"""Fixtures shared by the engagements tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from engagements.models import Contractor, TimeEntry
from engagements.services.engagements import contractor_create, engagement_create, service_area_create, vendor_create


@pytest.fixture
def anna() -> Contractor:
    """A contractor on a staff augmentation engagement from January 2026, with the audit's content type cached."""
    vendor = vendor_create(name="Acme", kind="both")
    area = service_area_create(name="Help desk")
    engagement = engagement_create(
        name="Help desk (Acme)", vendor=vendor, model="staff_aug", service_area=area, start_date=dt.date(2026, 1, 1)
    )
    ContentType.objects.get_for_model(TimeEntry)
    return contractor_create(engagement=engagement, name="Anna")


@pytest.fixture
def api(operations_user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=operations_user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
