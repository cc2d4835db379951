"""Schema-driven fuzzing, shared by the positive and the negative fuzz tests (two files, so xdist runs them side by side).

Every operation of the live schema, as Operations: no 5xx, no answer outside
the schema. Positive data (what the schema allows) and negative data (what it
forbids) for every operation, checked for server errors, undocumented status
codes and answers that do not match their documented schema (issue 13).

One test per mode drives every operation with Hypothesis, so the data is set
up once. (schemathesis's lazy `from_fixture` integration does the same, but
needs a pytest node attribute that pytest 9 no longer has.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import build_world

# Examples per operation and mode: under a minute for the whole API on SQLite.
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 5}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def keep_the_test_connection() -> Iterator[None]:
    """Serve requests on the test's connection, as Django's test client does (the WSGI handler would close it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def fuzz_every_operation(user: object, mode: GenerationMode) -> None:
    """Drive every operation of the schema with data of one mode, as the user; fail listing every failure."""
    build_world(entries=2)
    headers = {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 90

    extra = [negative_data_rejection] if mode is GenerationMode.NEGATIVE else []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS + extra)

        try:
            fuzz()
        except Unsatisfiable:
            # Nothing of this operation can be made invalid (no parameters, no body).
            continue
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
