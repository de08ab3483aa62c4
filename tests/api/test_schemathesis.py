"""Schemathesis against the portal's own schema: every operation, as anonymous and as each role.

Requests go to the WSGI application in-process, inside the test's transaction (rolled back after
each test), against a world built once for the module. Each operation is called with generated
data (fuzzed path values, and the world's real ids, years and codes) and must answer without a
server error, with a documented status code and a body that conforms to the schema.
"""

from __future__ import annotations

import io
import itertools

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from hanoi_ict.wsgi import application
from tests.api.world import World, build_world

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
OPERATIONS = sorted(result.ok().label for result in SCHEMA.get_all_operations())
ROLES = ["anonymous", "officer", "other_officer", "reviewer", "other_reviewer", "admin_user"]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = 20


@pytest.fixture
def in_process():
    """Requests inside the test's transaction, as Django's test client makes them: the WSGI
    handler would otherwise close the connection (and the transaction) after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module and flushed after it; each test's writes are rolled back."""
    with django_db_blocker.unblock():
        built = build_world()
    yield built
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0, stdout=io.StringIO())


def _strategies(operation, world: World):
    """Fuzzed values, and each combination of the world's real path values."""
    names = [parameter.name for parameter in operation.path_parameters]
    yield operation.as_strategy()
    yield operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    choices = [world.path_values.get(name, []) for name in names]
    for combination in itertools.product(*choices) if names else ():
        yield operation.as_strategy(path_parameters=dict(zip(names, combination, strict=True)))


def test_the_schema_has_the_operations_of_the_issue():
    assert "GET /api/v1/results/" in OPERATIONS
    assert "POST /api/v1/submissions/{id}/approve/" in OPERATIONS
    assert "POST /api/v1/auth/token/" in OPERATIONS
    assert len(OPERATIONS) >= 20


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_answers_as_documented(db, in_process, world, label, role):
    operation = SCHEMA.find_operation_by_label(label)
    headers = {} if role == "anonymous" else {"Authorization": f"Token {world.tokens[role]}"}
    strategy = st.one_of(*_strategies(operation, world))

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()
