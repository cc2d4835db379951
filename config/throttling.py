"""Limits on failed sign-ins and unknown API tokens, counted in the default cache.

The cache is Redis when one is configured (settings.CACHES), so every web
process shares the counts. A sign-in is counted per username and client
address: after settings.LOGIN_FAILURE_LIMIT failures within
settings.LOGIN_LOCKOUT_SECONDS, the admin and report login pages answer 429
(even to the right password) until the window ends; a successful sign-in
resets the count. An API request with an unknown token is counted per address
(settings.API_TOKEN_FAILURE_LIMIT) and answers 429 when over, whatever token
it carries. A cache that does not answer lets requests through (logged): the
limits never lock everyone out.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """Return the client's address: the web server's peer, or behind NUM_PROXIES proxies the one they forwarded.

    Each proxy appends the address it received the request from to
    X-Forwarded-For, so the entry NUM_PROXIES from the right is the one the
    outermost trusted proxy saw; entries left of it are whatever the client
    wrote and are never trusted (as DRF's own NUM_PROXIES).
    """
    hops = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        addresses = [address.strip() for address in forwarded.split(",")]
        return addresses[-min(hops, len(addresses))] or "unknown"
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"throttle:{kind}:{digest}"


def _login_key(username: str, request: HttpRequest) -> str:
    return _key("login", username.strip().casefold(), client_address(request))


def _token_key(request: HttpRequest) -> str:
    return _key("token", client_address(request))


def seconds_locked(key: str, limit: int) -> int:
    """Return how long the key stays locked (0 when it may try again)."""
    try:
        failures, until = cache.get(key, 0), cache.get(key + ":until")
    except Exception:  # a cache outage must not lock everyone out
        logger.warning("throttle cache unavailable; not limiting", exc_info=True)
        return 0
    if failures < limit:
        return 0
    return max(1, math.ceil((until or time.time() + 1) - time.time()))


def record_failure(key: str) -> None:
    """Count one failure; the window starts at the first one."""
    window = settings.LOGIN_LOCKOUT_SECONDS
    try:
        if cache.add(key, 1, window):
            cache.set(key + ":until", time.time() + window, window)
            return
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            cache.set(key + ":until", time.time() + window, window)
    except Exception:  # a cache outage must not break the sign-in
        logger.warning("throttle cache unavailable; failure not counted", exc_info=True)


def reset(key: str) -> None:
    """Forget the failures of a key."""
    try:
        cache.delete_many([key, key + ":until"])
    except Exception:  # a cache outage must not break the sign-in
        logger.warning("throttle cache unavailable; count not reset", exc_info=True)


def wait_message(seconds: int) -> str:
    """Return the message of a refused attempt."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"Too many failed attempts; try again in {minutes} minute{'s' if minutes != 1 else ''}."


# --- sign-in pages ------------------------------------------------------------


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Count a failed sign-in made through a request."""
    if request is not None:
        record_failure(_login_key(str(credentials.get("username", "")), request))


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Forget the failures of a user who signed in."""
    if request is not None:
        reset(_login_key(user.get_username(), request))


def connect_signals() -> None:
    """Connect the counters (WiringConfig.ready)."""
    user_login_failed.connect(on_login_failed, dispatch_uid="throttling.login_failed")
    user_logged_in.connect(on_logged_in, dispatch_uid="throttling.logged_in")


class LoginThrottleMiddleware:
    """Refuse a sign-in POST on the admin and report login pages for a locked username and address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._paths: frozenset[str] | None = None

    def login_paths(self) -> frozenset[str]:
        if self._paths is None:
            self._paths = frozenset({reverse("admin:login"), reverse("reports:login")})
        return self._paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in self.login_paths():
            username = request.POST.get("username", "")
            wait = seconds_locked(_login_key(username, request), settings.LOGIN_FAILURE_LIMIT)
            if wait:
                response = HttpResponse(wait_message(wait), status=429, content_type="text/plain; charset=utf-8")
                response.headers["Retry-After"] = str(wait)
                return response
        return self.get_response(request)


# --- API tokens ---------------------------------------------------------------


class ThrottledTokenAuthentication(TokenAuthentication):
    """Token authentication that answers 429 to an address after too many unknown tokens."""

    def authenticate(self, request: Request) -> Any:
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        key = _token_key(request)
        wait = seconds_locked(key, settings.API_TOKEN_FAILURE_LIMIT)
        if wait:
            raise Throttled(wait=wait, detail=wait_message(wait))
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            record_failure(key)
            raise
