"""OpenAPI-driven fuzzing (schemathesis): no API operation answers hostile input with a 5xx.

Every operation of ``/api/v1/openapi.json`` — whatever routes exist when the test
runs — gets generated requests, valid and invalid (negative mode: wrong types,
out-of-range numbers, missing fields), once anonymously and once with an
analyst's API token. Each response must not be a server error, must have the
documented content type, and must match the documented schema for its status.

The app is a second instance over a *copy* of the web test home, so that requests
the fuzzer sends to routes that write (saved searches, jobs, tokens) never change
the data the other web tests read. Runs are reproducible (``derandomize``) and
bounded (:data:`EXAMPLES` per operation and caller), about a minute on 2 cores.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from ipnav.accounts import Accounts, Role
from ipnav.settings import Settings
from ipnav.store.patents import PatentStore
from ipnav.web import create_app

#: Generated requests per operation and caller (anonymous, analyst).
EXAMPLES = 30
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
FUZZ_ANALYST = "fuzz-analyst@example.org"
BASE_URL = "http://testserver"


@pytest.fixture(scope="module")
def fuzz_home(web_settings, tmp_path_factory):
    """A copy of the web test home with an analyst of its own; settings pointing at it."""
    home = tmp_path_factory.mktemp("fuzz") / "home"
    shutil.copytree(web_settings.home, home)
    settings = web_settings.model_copy(update={"home": home})
    with PatentStore.open(settings) as store:
        accounts = Accounts(store.engine)
        user = accounts.create_user(
            FUZZ_ANALYST, "fuzz password 2026", role=Role.analyst, organisation="Fuzz TISC"
        )
        secret, _ = accounts.create_token(user, "fuzzing")
    return settings, secret


def openapi_schema():
    """The API's OpenAPI document, as the app builds it (no data needed: nothing is opened)."""
    app = create_app(Settings(home=Path("schema-only"), secret_key="schema only"))
    loaded = schemathesis.openapi.from_dict(app.openapi())
    loaded.config.generation.update(max_examples=EXAMPLES, deterministic=True)
    return loaded


# Loaded when the module is collected, so that each operation is a test of its own
# (schemathesis's fixture-based loading breaks under pytest 9).
schema = openapi_schema()


@pytest.fixture(scope="module")
def fuzz_client(fuzz_home):
    """A requests session that reaches the app over the copied home in-process (ASGI)."""
    from schemathesis.python import asgi

    settings, _ = fuzz_home
    with asgi.get_client(create_app(settings)) as client:  # runs the app's lifespan
        yield client
    asgi.shutdown_lifespans()  # close the store and the indexes of the copy


FUZZ = hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_anonymous_requests_never_get_a_server_error(case, fuzz_client):
    response = case.call(session=fuzz_client, base_url=BASE_URL)
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_analyst_requests_never_get_a_server_error(case, fuzz_client, fuzz_home):
    _, token = fuzz_home
    headers = {"Authorization": f"Bearer {token}"}
    response = case.call(session=fuzz_client, base_url=BASE_URL, headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)


def test_the_fuzzing_analyst_is_logged_in(fuzz_client, fuzz_home):
    """Else every analyst request would stop at 401 and fuzz nothing behind the login."""
    _, token = fuzz_home
    me = fuzz_client.get(f"{BASE_URL}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["role"] == "analyst"
    assert fuzz_client.get(f"{BASE_URL}/api/v1/me").status_code == 401


def test_openapi_declares_the_error_body_the_api_sends(client):
    """Every documented 4xx/5xx is the ``Error`` body, which a real error matches."""
    document = client.get("/api/v1/openapi.json").json()
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "status"}
    statuses = [
        (path, status, response)
        for path, operations in document["paths"].items()
        for operation in operations.values()
        for status, response in operation["responses"].items()
        if status[0] in "45"
    ]
    assert len(statuses) >= 6
    for path, status, response in statuses:
        schema_ref = response["content"]["application/json"]["schema"]["$ref"]
        assert schema_ref == "#/components/schemas/Error", (path, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    body = client.get("/api/v1/search", params={"q": "x", "top": 0}).json()
    assert set(error["required"]) <= set(body) and body["status"] == 422
