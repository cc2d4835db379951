"""Fuzzing every operation with what the schema allows: no server error, no answer outside the schema."""

import pytest
from schemathesis import GenerationMode

from tests.api.fuzzing import fuzz_every_operation

pytestmark = [pytest.mark.slow, pytest.mark.django_db, pytest.mark.usefixtures("keep_the_test_connection")]


def test_no_operation_errors_or_answers_outside_its_schema_with_positive_data(operations_user) -> None:
    fuzz_every_operation(operations_user, GenerationMode.POSITIVE)
