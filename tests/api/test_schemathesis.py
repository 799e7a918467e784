"""Property-based contract run: schemathesis generates requests from the live schema (served
at /api/schema/ by the app) for every operation and checks each response.

Checks: no 5xx (`not_a_server_error`); every status documented (`status_code_conformance`);
documented content type and body schema (`content_type_conformance`,
`response_schema_conformance`); authentication really enforced (`ignored_auth`, the upstream
"/health" bypass); undeclared methods answered 405 (`unsupported_method`); schema-invalid
input rejected with a 4xx (`negative_data_rejection`).
Not run: `positive_data_acceptance` (schema-valid input is legitimately refused for domain
reasons: an org you do not belong to, a building the engine rejects, an illegal transition),
and the stateful checks (`use_after_free`, `ensure_resource_availability`): the run is not
stateful.

Requests go through the WSGI app in this test's transaction (nothing is committed, nothing
is queued to the broker, and the database is rolled back afterwards). Django's
close_old_connections is detached meanwhile, as Django's own test client does, because it
would close the connection that holds the test transaction. Bounded: a few examples per
operation, derandomized, so the run is quick and repeatable.
"""

import pytest
import schemathesis
from schemathesis import GenerationMode
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, ignored_auth, negative_data_rejection, response_schema_conformance,
    status_code_conformance, unsupported_method,
)

from django.core.wsgi import get_wsgi_application

from .conftest import client_for, make_user

# Django's application, not hsim_project.wsgi's: that entry point refuses the test suite's
# development SECRET_KEY (DEBUG is off under pytest).
application = get_wsgi_application()

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, ignored_auth, unsupported_method, negative_data_rejection]
MAX_EXAMPLES = 12


@pytest.fixture
def detached_connection_cleanup():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_headers(db):
    from simulator_app.services.tokens import issue_token

    user = make_user("fuzzer", staff=True)
    return {"Authorization": f"Token {issue_token(user)}"}


@pytest.fixture
def api_schema(db, detached_connection_cleanup, simulator, settings):
    settings.HSIM_API_CONTROL_THROTTLE_RATE = "none"  # throttling would hide the endpoints
    settings.HSIM_API_CREATE_THROTTLE_RATE = "none"
    settings.HSIM_API_BULK_THROTTLE_RATE = "none"
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    real_ids = {"id": simulator.poller_id, "poller_id": simulator.poller_id,
                "org_id": simulator.org_id}

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # Random ids almost never exist: half of the cases address the real simulator and
        # org instead, so the handlers behind the 404 run too (never for DELETE, which
        # would remove it for the rest of the run).
        if not path_parameters or context.operation.method.upper() == "DELETE":
            return st.just(path_parameters)
        # Only integers are swapped: a non-integer is a negative case's mutation to keep.
        real = {k: real_ids[k] if k in real_ids and type(v) is int else v
                for k, v in path_parameters.items()}
        return st.sampled_from([real, path_parameters])

    return schema


def run_operation(operation, mode, headers):
    """One bounded Hypothesis run of one operation in one generation mode."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_the_api_honours_its_schema(api_schema, staff_headers):
    # One test over every operation (schemathesis' lazy pytest integration does not run on
    # pytest 9: it reads Node._nodeid), so the fixtures are built once, not per operation.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode, staff_headers)
            except Unsatisfiable:
                pass  # nothing to negate: the operation takes no parameters and no body
            except (Exception, BaseExceptionGroup) as exc:  # report every failing operation
                failures.append(f"{operation.label} [{mode}]: {exc}")
    assert not failures, "\n\n".join(failures)


def test_the_fuzzed_client_really_authenticates(staff_headers, simulator):
    """Sanity check of the fixture the run depends on: the staff token works."""
    assert staff_headers["Authorization"].startswith("Token ")
    assert client_for(None).get(f"/simulator/state/{simulator.poller_id}").status_code == 401
