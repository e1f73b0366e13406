"""schemathesis against the schema the API serves, in-process through WSGI on the test
database: generated requests to every operation, with a partner's write token and a
distributor's token, must never get a 5xx, and every answer must match the schema (its
status codes, content type and body). Bounded: a few examples per operation."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dealreg.wsgi import application
from portal import api_tokens
from portal.dealregcheck import create_api_token
from portal.models import Deal

pytestmark = pytest.mark.django_db


# schemathesis's WSGI client says "Host: localhost".
with override_settings(ALLOWED_HOSTS=["localhost"]):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "15"))


@pytest.fixture
def connection_kept_open():
    """As Django's test client does: a request must not close the connection that holds
    the test's transaction (PostgreSQL would lose the test data with it)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def bearer(connection_kept_open, make_deal, partner_user, distributor_user, catalogue, settings):
    settings.RATE_LIMITS_ENABLED = False
    settings.ALLOWED_HOSTS = ["localhost"]
    make_deal(Deal.Status.APPROVED)
    make_deal(Deal.Status.SUBMITTED)
    partner = api_tokens.create_token(user=partner_user, name="CRM", scope="write")[1]
    distributor = create_api_token(distributor=distributor_user.distributor, name="ERP")[1]
    return {"partner": partner, "distributor": distributor}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_request_breaks_the_api_or_its_schema(case, bearer):
    who = "distributor" if "/distributor/" in case.operation.path else "partner"
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer[who]}"}, checks=CHECKS)
