"""Every table the certificates plugin declares personal is in its part of "Download my data".

Walks the plugin's declarations as ``tests/lms/personal_data/test_export.py`` walks the
core's, with an admin who holds a certificate and changed a certificate design.
"""

from __future__ import annotations

import json

from certificates import design, pdf
from lms.db import db
from lms.testing import export_walked


def test_every_table_the_certificates_plugin_declares_personal_is_exported(
    app, make_user, complete
):
    """Before, the sections named no tables, and the certificate designs a person last
    changed (``updated_by_id``, declared personal) were left out."""
    admin = make_user(name="Ada Admin", roles=("learner", "admin"))
    other = make_user(name="Other Admin", roles=("learner", "admin"))
    cert = complete(admin)
    with app.test_request_context(method="POST"):
        design.save("co-op-basics", pdf.DEFAULT_DESIGN, actor_id=admin.id)
        design.save("bookkeeping", pdf.DEFAULT_DESIGN, actor_id=other.id)
    db.session.commit()

    with app.test_request_context(method="POST"):
        by_key = export_walked(app, "certificates", admin.id)
    assert {key for key, s in by_key.items() if not s.rows} == set()
    (held,) = by_key["certificates"].rows
    assert held["code"] == cert.code
    assert by_key["certificates"].files[held["pdf"]].startswith(b"%PDF")
    (changed,) = by_key["certificate_designs"].rows
    assert changed["course"] == "co-op-basics"
    assert changed["changed"]
    assert "bookkeeping" not in json.dumps(by_key["certificate_designs"].rows)
