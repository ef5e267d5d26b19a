"""The API against its own OpenAPI schema, fuzzed with schemathesis (a bounded run, part of CI).

Every operation of `/api/schema/` is called with data generated from the schema (valid data, then
invalid data), with an RSSI's personal token and a national read-only service token, through the
WSGI application in-process. Any server error, undocumented status, wrong content type or body
that does not match the schema fails the test; so does invalid data that is accepted.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.service_tokens import issue_service_token
from assessments.answers import save_answers

# Examples per operation, per mode and per kind of path (free or pinned to real objects): the
# whole run stays within a few hundred cases.
EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def callers(world, campaign, settings):
    # The run makes hundreds of calls in seconds: throttling is tested on its own.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"service": None, "user": None, "anon": None},
    }
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-COMITE": "partial", "D3-BASTION": "not_applicable"},
        expected_version=0,
        user=world.rssi,
    )
    _account, _token, national_key = issue_service_token(name="outil-national", role="national")
    return {
        "rssi": Token.objects.create(user=world.rssi).key,
        "national service": national_key,
    }


def _real_path_parameters(operation, world, campaign) -> dict:
    referential = campaign.campaign.referential
    known = {
        "id": campaign.hospital.pk,
        "finess": world.hospital.finess,
        "code": referential.code,
        "version": referential.version,
    }
    names = {parameter.name for parameter in operation.path_parameters}
    return {name: known[name] for name in names if name in known}


@pytest.fixture
def operations():
    """The schema's operations, called through the WSGI application in this test's transaction.

    Like Django's test client, the calls must not close the database connection at the end of
    each request (that would end the test's transaction).
    """
    schema = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(schema)
    loaded.app = get_wsgi_application()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield [result.ok() for result in loaded.get_all_operations()]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(strategy, keys, checks) -> None:
    """Call the API with the cases of `strategy`, once per key, and check every response."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        for key in keys:
            case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=checks)

    run()


@pytest.mark.api_fuzz
@pytest.mark.django_db
def test_the_api_keeps_to_its_schema(callers, operations, world, campaign):
    assert len(operations) >= 10
    for operation in operations:
        pinned = _real_path_parameters(operation, world, campaign)
        # An operation without any input (a plain list such as the funding calls) has no
        # invalid data to generate: only the valid call is made.
        inputs = any(
            len(group) for group in (operation.path_parameters, operation.query, operation.body)
        )
        modes = (
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            if inputs
            else (GenerationMode.POSITIVE,)
        )
        for mode in modes:
            checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])
            # Invalid data goes in the path too; valid data also reaches real objects.
            real = pinned and mode == GenerationMode.POSITIVE
            for path_parameters in [None, pinned] if real else [None]:
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters=path_parameters
                )
                _fuzz(strategy, list(callers.values()), checks)
