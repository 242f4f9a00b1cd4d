"""Property tests of the live API against its own OpenAPI document (schemathesis): no 5xx,
every status, content type, header and body as documented; bounded to stay quick."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Api, running_api

EXAMPLES = 20  # per operation: enough to cover each one's shapes, quick enough for CI
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]  # valid and invalid requests
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


@pytest.fixture(scope="module")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    path = tmp_path_factory.mktemp("fuzz") / "ironroute.db"
    # solves are cut short: the properties are about the HTTP contract, not plan quality
    with running_api(
        f"sqlite:///{path}", default_time_limit_s=0.05, max_time_limit_s=0.1, solver_workers=1
    ) as api:
        yield api


def test_the_api_keeps_its_openapi_contract(fuzzed_api):
    schema = schemathesis.openapi.from_url(fuzzed_api.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    headers = fuzzed_api.auth("crm")
    for operation, mode in itertools.product(operations, MODES):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def keeps_contract(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

        try:
            keeps_contract()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # no parameters: nothing invalid to send
        except Exception as err:
            raise AssertionError(f"{operation.label} ({mode.value} data): {err}") from err
