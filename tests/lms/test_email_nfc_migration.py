"""Migration ``lms_0174`` rewrites account addresses kept before in another Unicode form."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.operations import find_user_by_email
from lms.db import db as _db

from .conftest import fresh_database_url  # noqa: F401  (a fixture)

ZOE_NFC = "zo\u00eb@example.org"
ZOE_NFD = "zoe\u0308@example.org"


def test_addresses_kept_decomposed_become_nfc_unless_taken(fresh_database_url, make_app):  # noqa: F811
    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    with app.app_context():
        flask_migrate.upgrade(revision="lms_0173")
        kept_before = (ZOE_NFD, "noe\u0308@example.org", "no\u00eb@example.org",
                       "plain@example.org")
        for email in kept_before:
            # As create_user kept them before: trimmed and lower case, in the form typed.
            _db.session.add(User(email=email, display_name="X"))
        _db.session.commit()
        _db.session.remove()
        flask_migrate.upgrade(revision="heads")
        emails = set(_db.session.scalars(select(User.email)))
        found = find_user_by_email(ZOE_NFD)
        _db.session.remove()
    # Noë's decomposed twin stays: the NFC form belongs to another account.
    assert emails == {ZOE_NFC, "noe\u0308@example.org", "no\u00eb@example.org",
                      "plain@example.org"}
    assert found is not None and found.email == ZOE_NFC
