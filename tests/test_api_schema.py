"""Schemathesis against the API's own OpenAPI document, served live.

Generated requests for every operation, valid ones and ones the schema
forbids: no server error, every response documented and matching its
schema, forbidden input rejected. Domain rules the schema cannot express (a
SKU's characters, a price's format) answer 422 problems, so the check that
demands 2xx for any schema-valid input is not used.
(schemathesis.pytest.from_fixture needs a pytest private attribute that
pytest 9 no longer has, so the operations are driven with Hypothesis here.)
"""

import pytest
import schemathesis
from api_server import serving
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from pipelines.access.tokens import create_token

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.negative_data_rejection,
]
EXAMPLES = 40


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(db_url, folders, mode):
    failures = {}
    _, token = create_token(db_url, "schemathesis")  # as in production: the API asks for a token
    auth = {"Authorization": f"Bearer {token}"}
    with serving(db_url, folders.folders()) as base:
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 20
        for operation in operations:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def run(case):
                # A negative case that leaves out Authorization must go without it (then 401 rejects
                # it); every other case gets the live token in place of the generated one.
                dropped = mode == GenerationMode.NEGATIVE and "Authorization" not in (case.headers or {})
                case.call_and_validate(headers=None if dropped else auth, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # an operation without parameters has no invalid input
            except Exception as failure:  # every operation is tried; all failures are reported
                failures[operation.label] = str(failure)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
