"""pylti1p3 wired to this site: registrations from the database, signed single-use nonces.

Nothing is written while a platform starts a login (a GET may start it, and GET never
writes): the nonce is a random value signed with the site's key and dated; the launch
checks the signature and age, then records the nonce (a unique row), so a replayed
launch finds it used and is refused. The state travels in pylti1p3's own short-lived
cookie. The id_token's signature (against the platform's key set), expiry, audience
(the registered client id) and deployment are checked by pylti1p3.
"""

from __future__ import annotations

import secrets
from typing import Any

import requests
from flask import current_app
from flask import request as flask_request
from itsdangerous import BadSignature, TimestampSigner
from pylti1p3.contrib.flask import (
    FlaskCookieService,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.session import SessionService
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select

from ..db import db, is_unique_violation
from .keys import private_key_pem, public_key_pem
from .models import LtiLaunch, LtiNonce, LtiPlatform

NONCE_SECONDS = 10 * 60


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.config["SECRET_KEY"], salt="lms-lti-nonce")


def registration_of(platform: LtiPlatform) -> Registration:
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(private_key_pem(current_app.instance_path))
        .set_tool_public_key(public_key_pem(current_app.instance_path))
    )


class ToolConf(ToolConfAbstract):
    """Registrations and deployments as admins entered them (``lms_lti_platform``)."""

    def _platforms(self, iss: str) -> list[LtiPlatform]:
        return list(db.session.scalars(select(LtiPlatform).where(LtiPlatform.issuer == iss)))

    def check_iss_has_one_client(self, iss: str) -> bool:
        # Never: pylti1p3 then looks a registration up by issuer alone, ignoring the client
        # id the platform sent (a login for an unregistered client would be sent on with the
        # registered one's). By issuer and client id, a missing client id (optional in a
        # login initiation) still finds an issuer's only registration (``_platform``).
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _platform(self, iss: str, client_id: str | None = None) -> LtiPlatform | None:
        found = self._platforms(iss)
        if client_id is not None:
            found = [p for p in found if p.client_id == client_id]
        return found[0] if len(found) == 1 else None

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        platform = self._platform(iss)
        return registration_of(platform) if platform else None

    def is_registered(self, iss: str, client_id: str | None) -> bool:
        """Whether a login for ``iss`` and ``client_id`` (``None``: not sent) finds one
        registration."""
        return self._platform(iss, client_id) is not None

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = self._platform(iss, client_id)
        return registration_of(platform) if platform else None

    def find_deployment(self, iss, deployment_id):
        platform = self._platform(iss)
        return self._deployment(platform, deployment_id)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        return self._deployment(self._platform(iss, client_id), deployment_id)

    @staticmethod
    def _deployment(platform, deployment_id):
        if platform is None or deployment_id not in platform.deployment_ids.split():
            return None
        return Deployment().set_deployment_id(deployment_id)

    def platform_for(self, iss: str, client_id: str) -> LtiPlatform | None:
        return self._platform(iss, client_id)


class Sessions(SessionService):
    """pylti1p3's session service without the Flask session (the launch is a cross-site POST,
    which the site's ``SameSite=Lax`` cookie does not come with)."""

    def __init__(self, request):
        super().__init__(request)
        self._values: dict[str, Any] = {}

    def _set_value(self, key, value):
        self._values[key] = value

    def _get_value(self, key):
        return self._values.get(key)

    def save_nonce(self, nonce):  # signed and dated instead: see the module's docstring
        return None

    def check_nonce(self, nonce) -> bool:
        try:
            _signer().unsign(nonce, max_age=NONCE_SECONDS)
        except BadSignature:
            return False
        try:
            with db.session.begin_nested():
                db.session.add(LtiNonce(nonce=nonce[:200]))
        except Exception as exc:
            if is_unique_violation(exc):
                return False  # used already: a replay
            raise
        return True

    def save_launch_data(self, key, jwt_body):
        db.session.add(LtiLaunch(launch_id=key[:100], data=jwt_body))
        db.session.flush()

    def get_launch_data(self, key):
        row = db.session.scalar(select(LtiLaunch).where(LtiLaunch.launch_id == key[:100]))
        return row.data if row else None


def _http() -> requests.Session:
    """The HTTP session pylti1p3 fetches key sets with (tests give one that answers in-process)."""
    return current_app.extensions.get("lms_lti_http") or requests.Session()


#: Hosts whose plain-http pages browsers treat as secure contexts (Secure cookies work there).
_LOOPBACK = ("127.0.0.1", "[::1]")


class Cookies(FlaskCookieService):
    """pylti1p3's state cookie, marked ``SameSite=None; Secure`` wherever browsers allow it.

    The launch is a cross-site POST from the platform: a cookie without ``SameSite=None``
    (browsers default to ``Lax``) does not come with it, and the state check fails.
    pylti1p3 marks it so on https only; a development server on a loopback address
    (``make run``) is a secure context too, so it is marked there as well.
    """

    def update_response(self, response):
        host = flask_request.host.rsplit(":", 1)[0]
        if self._request.is_secure() or host not in _LOOPBACK:
            return super().update_response(response)
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(key=key, value=data["value"], max_age=data["exp"], secure=True,
                                path="/", httponly=True, samesite="None")
        return response


class Login(FlaskOIDCLogin):
    def _generate_nonce(self) -> str:
        return _signer().sign(secrets.token_urlsafe(24)).decode()


def login(target: str) -> Login:
    request = FlaskRequest()
    return Login(request, ToolConf(), session_service=Sessions(request),
                 cookie_service=Cookies(request))


def launch(request_data: dict | None = None) -> FlaskMessageLaunch:
    request = FlaskRequest(request_data=request_data) if request_data else FlaskRequest()
    return FlaskMessageLaunch(
        request, ToolConf(), session_service=Sessions(request), requests_session=_http()
    )


def from_saved(launch_id: str) -> FlaskMessageLaunch | None:
    request = FlaskRequest()
    return FlaskMessageLaunch.from_cache(
        launch_id, request, ToolConf(), session_service=Sessions(request),
        requests_session=_http(),
    )
