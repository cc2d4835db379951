"""Production security settings: the secret key, HTTPS options, the shared cache, `check --deploy`, the CSP."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import EXAMPLE_SECRET_KEYS

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "Zq3-production-secret-with-plenty-of-variety-0123456789"
# The production settings docs/operations.md documents (behind a TLS proxy).
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "tracker.example.org"}
OURS = {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "CACHE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
OURS |= {name for name in os.environ if name.startswith("SECURE_")}


def run_django(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.base", VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )


def settings_of(tmp_path: Path, *names: str, **env: str) -> dict[str, object]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = run_django(code, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_env_example_placeholder_is_a_refused_key() -> None:
    example = (ROOT / ".env.example").read_text()
    placeholder = re.search(r"^SECRET_KEY=(.*)$", example, re.MULTILINE).group(1)
    assert placeholder in EXAMPLE_SECRET_KEYS


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (next(iter(sorted(EXAMPLE_SECRET_KEYS))), "example value"),
        ("change-me-to-a-long-random-string-of-50-characters-or-more", "example value"),
        ("x" * 40, "at least 50 characters"),
        ("Ab3-" * 10, "at least 50 characters"),
        ("x" * 64, "at least 5 distinct characters"),
        ("abcd" * 16, "at least 5 distinct characters"),
    ],
)
def test_production_refuses_a_weak_secret_key(tmp_path: Path, key: str, message: str) -> None:
    result = run_django("import django; django.setup()", tmp_path, DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="x.org")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_check_deploy_prints_no_warnings_with_the_documented_production_settings(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in OURS},
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "VAR_DIR": str(tmp_path),
            **PRODUCTION,
        },
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = result.stdout + result.stderr
    assert "WARNINGS" not in output, output
    assert result.returncode == 0, output


def test_https_is_enforced_by_default_in_production(tmp_path: Path) -> None:
    names: tuple[str, ...] = (
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
    )
    names = (*names, "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    values = settings_of(tmp_path, *names, **PRODUCTION)
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    # A plain-HTTP check (the CI's production stack) switches them off through the environment.
    plain = settings_of(
        tmp_path,
        *names,
        **PRODUCTION,
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SECURE_PROXY_SSL_HEADER="",
        SECURE_COOKIES="0",
    )
    assert set(plain.values()) <= {False, None}, plain


def test_the_cache_is_the_brokers_redis_unless_cache_url_says_otherwise(tmp_path: Path) -> None:
    def default_cache(**env: str) -> dict[str, str]:
        return settings_of(tmp_path, "CACHES", DEBUG="1", **env)["CACHES"]["default"]

    assert default_cache()["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert default_cache(CELERY_BROKER_URL="amqp://guest@localhost//")["BACKEND"].endswith("LocMemCache")
    shared = default_cache(CELERY_BROKER_URL="redis://127.0.0.1:6379/4")
    assert shared["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shared["LOCATION"] == "redis://127.0.0.1:6379/4"
    own = default_cache(CELERY_BROKER_URL="redis://127.0.0.1:6379/4", CACHE_URL="redis://cache:6379/1")
    assert own["LOCATION"] == "redis://cache:6379/1"


def test_the_api_throttle_counts_in_a_cache_every_process_shares(tmp_path: Path) -> None:
    """Two processes count against one Redis: the second sees the first one's requests."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis"):
        pytest.skip("needs Redis (CI's PostgreSQL + Redis stage sets CELERY_BROKER_URL)")
    prefix = f"test-{secrets.token_hex(4)}"
    code = (
        "import django; django.setup(); from django.core.cache import cache; "
        "from rest_framework.throttling import UserRateThrottle as T; "
        "t = T(); t.rate = '3/min'; t.num_requests, t.duration = t.parse_rate(t.rate); "
        "key = t.cache_format % {'scope': 'user', 'ident': 1}; "
        "history = cache.get(key, []); import time; cache.set(key, [time.time(), *history], 60); "
        "print(len(history) + 1)"
    )
    counts = [
        run_django(code, tmp_path, CELERY_BROKER_URL=url, CACHE_KEY_PREFIX=prefix, DEBUG="1").stdout.strip()
        for _ in range(3)
    ]
    assert counts == ["1", "2", "3"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/reports/login/", "/admin/login/", "/healthz", "/api/docs/", "/api/v1/"])
def test_every_response_carries_the_content_security_policy(superuser_client, settings, path: str) -> None:
    policy = superuser_client.get(path).headers["Content-Security-Policy"]
    assert policy == settings.CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    templates = [p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts]
    assert templates
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.IGNORECASE)
    found = {str(p.relative_to(ROOT)): inline.findall(p.read_text()) for p in templates}
    assert {path: hits for path, hits in found.items() if hits} == {}


@pytest.mark.django_db
def test_swagger_ui_loads_its_start_up_script_as_a_file(superuser_client) -> None:
    page = superuser_client.get("/api/docs/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    script = re.search(r'<script src="([^"]*\?script[^"]*)"', page)
    assert script, page
    response = superuser_client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200 and "SwaggerUIBundle" in response.content.decode()
