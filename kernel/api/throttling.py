"""The API's rate limit, counted in the cache every web process shares, and never a 500 when that cache is down."""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)


class SharedCacheUserRateThrottle(UserRateThrottle):
    """DRF's per-user rate (API_THROTTLE_RATE), letting requests through, logged, while the cache does not answer.

    The counts live in the default cache (Redis in production). DRF's own
    throttle lets the cache's connection error escape, so a Redis restart
    turned every API call into a 500; like the sign-in limits
    (config.throttling), an outage suspends the limit instead of the API.
    """

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # whatever the cache backend raises: the limit, not the API, gives way
            logger.warning("throttle cache unavailable; not limiting", exc_info=True)
            return True
