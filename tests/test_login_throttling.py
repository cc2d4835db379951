"""Sign-in limits: after N failures for a username and address, even the right password is refused; bad tokens get 429."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from rest_framework.test import APIClient

from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

LIMIT = 5
PASSWORD = "the-right-password-42"
LOGIN_PAGES = ["/reports/login/", "/admin/login/"]
SERIAL = itertools.count()


@pytest.fixture(autouse=True)
def limits(settings):
    """The production-like limits (the test settings raise them), counted from zero."""
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.API_TOKEN_FAILURE_LIMIT = LIMIT
    if isinstance(cache, LocMemCache) or isinstance(getattr(cache, "_cache", None), dict):
        cache.clear()
    yield
    if isinstance(cache, LocMemCache):
        cache.clear()


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser(f"victim{next(SERIAL)}", password=PASSWORD)


def sign_in(client: Client, page: str, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(page, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_the_right_password_is_refused_after_30_wrong_ones(staff, page: str) -> None:
    client = Client()
    codes = [sign_in(client, page, staff.username, f"wrong-{n}").status_code for n in range(30)]
    assert codes[:LIMIT] == [200] * LIMIT  # the form again, with its error
    assert set(codes[LIMIT:]) == {429}
    response = sign_in(client, page, staff.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts; try again in 15 minutes." in response.content.decode()
    assert int(response.headers["Retry-After"]) > 0
    assert not signed_in(client)


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_a_success_resets_the_count(staff, page: str) -> None:
    for _round in range(3):
        client = Client()
        for n in range(LIMIT - 1):
            assert sign_in(client, page, staff.username, f"wrong-{n}").status_code == 200
        assert sign_in(client, page, staff.username, PASSWORD).status_code == 302
        assert signed_in(client)


def test_the_lock_is_per_username_and_address(staff) -> None:
    get_user_model().objects.create_superuser("bystander", password=PASSWORD)
    for n in range(LIMIT):
        sign_in(Client(), "/admin/login/", staff.username, f"wrong-{n}")
    assert sign_in(Client(), "/admin/login/", staff.username, PASSWORD).status_code == 429
    # The same user from another address, another user from the same address: not locked.
    assert sign_in(Client(), "/admin/login/", staff.username, PASSWORD, address="10.0.0.7").status_code == 302
    assert sign_in(Client(), "/admin/login/", "bystander", PASSWORD).status_code == 302
    # Case does not make a new username.
    assert sign_in(Client(), "/admin/login/", staff.username.upper(), PASSWORD).status_code == 429


def test_the_lock_holds_on_both_pages(staff) -> None:
    for n in range(LIMIT):
        sign_in(Client(), "/reports/login/", staff.username, f"wrong-{n}")
    assert sign_in(Client(), "/admin/login/", staff.username, PASSWORD).status_code == 429


def test_bad_api_tokens_get_429_after_the_limit(operations_user) -> None:
    bad = APIClient(REMOTE_ADDR="127.0.0.1")
    codes = []
    for n in range(LIMIT + 3):
        bad.credentials(HTTP_AUTHORIZATION=f"Token {'0' * 39}{n}")
        codes.append(bad.get("/api/v1/vendors/").status_code)
    assert codes == [401] * LIMIT + [429] * 3
    # Once over, a request from that address is refused whatever token it carries (no oracle).
    assert token_client(operations_user).get("/api/v1/vendors/").status_code == 429
    other_address = token_client(operations_user)
    assert other_address.get("/api/v1/vendors/", REMOTE_ADDR="10.0.0.8").status_code == 200


def test_valid_tokens_are_never_counted(operations_user) -> None:
    client = token_client(operations_user)
    assert {client.get("/api/v1/vendors/").status_code for _ in range(LIMIT * 2)} == {200}


PROXY = "10.9.9.9"  # the TLS proxy in front of gunicorn: every request's REMOTE_ADDR


def bad_token_codes(forwarded_for: str, tries: int) -> list[int]:
    client = APIClient(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    codes = []
    for n in range(tries):
        client.credentials(HTTP_AUTHORIZATION=f"Token {'0' * 39}{n}")
        codes.append(client.get("/api/v1/vendors/").status_code)
    return codes


def test_behind_a_proxy_one_client_with_bad_tokens_does_not_lock_out_the_others(settings, operations_user) -> None:
    settings.NUM_PROXIES = 1
    assert bad_token_codes("203.0.113.5", LIMIT + 1) == [401] * LIMIT + [429]
    # Another client through the same proxy still gets in with its token.
    other = token_client(operations_user)
    assert other.get("/api/v1/vendors/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200


def test_behind_a_proxy_a_client_cannot_dodge_the_limit_by_writing_its_own_forwarded_for(settings) -> None:
    settings.NUM_PROXIES = 1
    # The proxy appends the address it saw; what the client wrote before it is ignored.
    codes = [bad_token_codes(f"192.0.2.{n}, 203.0.113.5", 1)[0] for n in range(LIMIT + 2)]
    assert codes == [401] * LIMIT + [429] * 2


def test_without_proxies_configured_the_forwarded_for_header_is_not_trusted(staff) -> None:
    # NUM_PROXIES=0 (the default): rotating the header changes nothing, the peer's address is counted.
    for n in range(LIMIT):
        Client().post(
            "/admin/login/",
            {"username": staff.username, "password": f"wrong-{n}"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = Client().post(
        "/admin/login/",
        {"username": staff.username, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429
