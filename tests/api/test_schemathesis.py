"""Schemathesis against the served OpenAPI document, as each role.

For every operation and role, cases generated from the document (plus one with
real ids) go through the test client with that role's token. Each answer must
not be a server error, must conform to the document (status, content type,
headers, schema), and must carry no person outside what the role may see.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 8


def _user_ids(body: Any) -> set[int]:
    """Every ``user_id`` anywhere in a JSON body."""
    found: set[int] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "user_id" and isinstance(value, int):
                found.add(value)
            else:
                found |= _user_ids(value)
    elif isinstance(body, list):
        for value in body:
            found |= _user_ids(value)
    return found


def _real(operation, world) -> dict[str, Any]:
    from certificates.models import Certificate
    from lms.db import db

    code = db.session.scalar(db.select(Certificate.code).order_by(Certificate.id))
    known = {
        "slug": world["course"].slug,
        "cohort_id": world["group"].id,
        "code": code,
        "proposal_id": world["proposal"].id,
    }
    names = {p.name for p in operation.path_parameters}
    return {name: known[name] for name in names}


ROLES = {
    # role: (user key, scopes or None for all, the people it may see)
    "learner": ("learner", None, ("learner",)),
    "tutor": ("tutor", None, ("tutor", "learner", "classmate")),
    "admin": ("admin", None, ("admin", "tutor", "other_tutor", "learner", "classmate",
                              "stranger")),
    "narrow": ("stranger", ["courses:catalogue:read"], ("stranger",)),
}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_api_conforms_to_its_document_as_each_role(role, app, client, world, make_token):
    key, scopes, visible = ROLES[role]
    secret = make_token(world[key], scopes)
    allowed = {world[name].id for name in visible}
    granted = set(scopes) if scopes else None
    document = client.get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(document)
    seen = 0

    def send(case) -> None:
        nonlocal seen
        sent = case.as_transport_kwargs(base_url="http://localhost", headers=bearer(secret))
        response = client.open(
            urlsplit(sent["url"]).path,
            method=sent["method"],
            headers=sent["headers"],
            query_string=sent.get("params"),
        )
        case.validate_response(response, checks=CHECKS)
        body = response.get_json(silent=True)
        assert _user_ids(body) <= allowed, (case.path, body)
        scope = case.operation.definition.raw.get("x-required-scope")
        if granted is not None and scope not in granted:
            # Refused: for the scope, or earlier for the request itself (a control character
            # in the path or query is 400 before any view, lms/input_guard.py).
            assert (response.status_code, body["code"]) in {
                (403, "insufficient_scope"), (400, "bad_request"), (404, "not_found")
            }, (case.path, response.status_code, body)
        seen += 1

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    for operation in operations:
        send(operation.Case(path_parameters=_real(operation, world), query={}))

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @hypothesis.given(case=operation.as_strategy())
        def generated(case):
            send(case)

        generated()
    assert seen > len(operations) * 2
