"""A learning platform simulated in the tests: it signs real id_tokens with its own RSA key
and serves its key set in-process (a requests adapter, no network)."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lms.db import db
from lms.lti.models import LtiPlatform
from tests.courses.conftest import make_course  # noqa: F401  (fixture)

ISSUER = "https://platform.example.org"
CLIENT_ID = "centre-tool"
DEPLOYMENT = "deployment-1"
KID = "platform-key-1"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


class _KeySetAdapter(requests.adapters.BaseAdapter):
    """Answers the platform's key set URL from memory."""

    def __init__(self, jwks: dict):
        super().__init__()
        self.jwks = jwks
        self.calls = 0
        #: What the platform's token and score endpoints received.
        self.token_requests: list[dict] = []
        self.scores: list[dict] = []
        #: Set to make the score endpoint fail (the platform down).
        self.down = False
        #: Further endpoints: URL -> ``handler(request, response)`` filling the response.
        self.routes: dict = {}

    def send(self, request, **kwargs):
        self.calls += 1
        response = requests.Response()
        response.request = request
        response.url = request.url
        if request.url == f"{ISSUER}/jwks":
            response.status_code = 200
            response._content = json.dumps(self.jwks).encode()
            response.headers["Content-Type"] = "application/json"
        elif request.url == f"{ISSUER}/token" and request.method == "POST":
            self.token_requests.append(
                {k: v[0] for k, v in parse_qs(request.body).items()}
            )
            response.status_code = 200
            response._content = json.dumps(
                {"access_token": "platform-access-token", "token_type": "Bearer",
                 "expires_in": 3600}).encode()
            response.headers["Content-Type"] = "application/json"
        elif request.url == f"{ISSUER}/lineitems/7/scores" and request.method == "POST":
            if self.down:
                response.status_code = 503
                response._content = b"down"
                return response
            assert request.headers["Authorization"] == "Bearer platform-access-token"
            self.scores.append(json.loads(request.body))
            response.status_code = 200
            response._content = b"{}"
        elif request.url in self.routes:
            self.routes[request.url](request, response)
        else:
            response.status_code = 404
            response._content = b"{}"
        return response

    def close(self):
        pass


class Platform:
    """Signs launches as a platform would."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def login(self, client, target: str, message_hint: str = "") -> tuple[str, str]:
        """Start the OIDC login at the tool; return the (state, nonce) it sends back."""
        response = client.get("/lti/login", query_string={
            "iss": ISSUER, "login_hint": "user-1", "target_link_uri": target,
            "client_id": CLIENT_ID, "lti_message_hint": message_hint,
        })
        assert response.status_code == 302, response.get_data(as_text=True)
        location = urlsplit(response.location)
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/auth"
        query = parse_qs(location.query)
        assert query["redirect_uri"] == ["http://localhost/lti/launch"]
        return query["state"][0], query["nonce"][0]

    def id_token(self, nonce: str, *, sub: str = "platform-user-7", deep_link: bool = False,
                 target: str = "http://localhost/courses/co-op-basics", **changes) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER, "aud": CLIENT_ID, "sub": sub, "iat": now, "exp": now + 300,
            "nonce": nonce, "name": "Pat Platform", "email": "pat@university.example",
            CLAIM + "deployment_id": DEPLOYMENT,
            CLAIM + "version": "1.3.0",
            CLAIM + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            CLAIM + "target_link_uri": target,
        }
        if deep_link:
            claims[CLAIM + "message_type"] = "LtiDeepLinkingRequest"
            claims[CLAIM + "roles"] = [
                "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]
            claims[DL + "deep_linking_settings"] = {
                "deep_link_return_url": f"{ISSUER}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["window", "iframe"],
                "data": "platform-opaque-data",
            }
        else:
            claims[CLAIM + "message_type"] = "LtiResourceLinkRequest"
            claims[CLAIM + "resource_link"] = {"id": str(uuid.uuid4())}
        claims.update(changes)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.pem, algorithm="RS256", headers={"kid": KID})


@pytest.fixture()
def platform(app) -> Platform:
    simulated = Platform()
    session = requests.Session()
    simulated.adapter = _KeySetAdapter(simulated.jwks)
    session.mount(ISSUER, simulated.adapter)
    app.extensions["lms_lti_http"] = session
    db.session.add(LtiPlatform(
        name="University VLE", issuer=ISSUER, client_id=CLIENT_ID,
        auth_login_url=f"{ISSUER}/auth", auth_token_url=f"{ISSUER}/token",
        key_set_url=f"{ISSUER}/jwks", deployment_ids=f"{DEPLOYMENT} other-deployment",
    ))
    db.session.commit()
    return simulated
