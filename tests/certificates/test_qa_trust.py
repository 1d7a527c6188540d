"""QA as a hostile insider (qa-trust): refused amendments keep what the officer typed."""

from __future__ import annotations

from tests.certificates.test_amendment_authority import _amend, _state


def test_a_correction_refused_by_the_operation_keeps_the_name_and_reason_typed(
    app, make_user, login, complete
):
    cert = complete(make_user(name="Owner Person"))
    before = _state(cert.id)
    client = login(make_user(roles=("certificate_officer",)))
    response = _amend(client, cert, "correct", learner_name="Owner  Person",
                      reason="Spelling checked against the passport")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "nothing to correct" in html
    assert "Spelling checked against the passport" in html
    assert 'value="Owner  Person"' in html
    assert _state(cert.id) == before
