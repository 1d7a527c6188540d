"""Builders for the API tests: tokens with chosen scopes, and a small world of data."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lms.api import state_of
from lms.api.tokens import create_token
from lms.db import db as _db


@pytest.fixture()
def make_token(app) -> Callable[..., str]:
    """``make_token(user, scopes=None, days=30)``: a committed token's secret (all scopes
    by default)."""

    def factory(user, scopes=None, days: int = 30) -> str:
        known = set(state_of(app).scopes)
        _, secret = create_token(
            user, "test", list(scopes or known), days, known_scopes=known
        )
        _db.session.commit()
        return secret

    return factory


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
