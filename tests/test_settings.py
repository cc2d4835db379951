"""Production (DEBUG off) refuses to start without its required settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def start_django(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.base", **env)
    code = "import django; django.setup(); print('started')"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "example.org"}, "Set the SECRET_KEY environment variable"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "Set the ALLOWED_HOSTS environment variable"),
        ({"DEBUG": "0", "SECRET_KEY": "short", "ALLOWED_HOSTS": "example.org"}, "at least 50 characters"),
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
    ],
)
def test_production_refuses_to_start_without_its_settings(env: dict[str, str], message: str) -> None:
    result = start_django(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_secret_key_and_allowed_hosts() -> None:
    result = start_django(DEBUG="0", SECRET_KEY="a-long-and-varied-production-secret-" * 2, ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
