"""Each endpoint answers what the matching page shows its owner, and nothing more."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from lms.db import db

from .conftest import bearer


def _get(client, path, secret, status=200):
    response = client.get(path, headers=bearer(secret))
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _all(client, path, secret, limit=2):
    """Every item of a list, following the cursor."""
    items, after, pages = [], None, 0
    while True:
        query = f"?limit={limit}" + (f"&after={after}" if after else "")
        body = _get(client, path + query, secret)
        items += body["items"]
        pages += 1
        after = body["next_cursor"]
        if after is None:
            return items, pages


def test_catalogue_pages_by_cursor_and_hides_drafts(client, world, make_token):
    secret = make_token(world["learner"], ["courses:catalogue:read"])
    items, pages = _all(client, "/api/v1/courses/", secret)
    slugs = [c["slug"] for c in items]
    assert "secret-draft" not in slugs and len(slugs) == len(set(slugs)) == 5
    assert pages == 3
    assert slugs == [c["slug"] for c in sorted(items, key=lambda c: c["title"])]
    # A cursor that does not decode starts again from the first page.
    first = _get(client, "/api/v1/courses/?after=%21%21", secret)
    assert first["items"][0]["slug"] == slugs[0]



def test_catalogue_sends_each_course_s_outcomes_as_stored(client, world, make_token):
    """The catalogue sends the outcomes' stored JSON as it is: the same list, quotes,
    backslashes and other scripts included, as the course holds."""
    from courses.models import Course

    course = db.session.scalars(
        db.select(Course).where(Course.status == "published").order_by(Course.id)
    ).first()
    course.outcomes = ['Say "one member, one vote"', "Rôle \\ back", "تعاون کو سمجھیں"]
    db.session.commit()
    secret = make_token(world["learner"], ["courses:catalogue:read"])
    items, _pages = _all(client, "/api/v1/courses/", secret, limit=50)
    (sent,) = [c for c in items if c["slug"] == course.slug]
    assert sent["outcomes"] == course.outcomes

def test_course_structure_and_drafts_as_on_the_pages(client, world, make_token):
    learner = make_token(world["learner"], ["courses:catalogue:read"])
    course = _get(client, "/api/v1/courses/co-op-basics", learner)
    assert [m["key"] for m in course["modules"]] == ["m1"]
    assert [i["key"] for i in course["modules"][0]["items"]] == ["l1", "l2", "l3"]
    assert _get(client, "/api/v1/courses/secret-draft", learner, 404)["code"] == "not_found"
    tutor = make_token(world["tutor"], ["courses:catalogue:read"])
    assert _get(client, "/api/v1/courses/secret-draft", tutor)["slug"] == "secret-draft"


def test_my_enrolments_and_completions_are_mine(client, world, make_token):
    secret = make_token(world["learner"], ["courses:progress:read"])
    enrolments, _ = _all(client, "/api/v1/courses/my/enrolments", secret, limit=1)
    by_slug = {e["course"]["slug"]: e for e in enrolments}
    assert set(by_slug) == {"co-op-basics", "course-00"}
    assert by_slug["co-op-basics"]["progress"] == {
        "done": 1, "total": 3, "percent": 33, "completed": False
    }
    completions, _ = _all(client, "/api/v1/courses/my/completions", secret)
    assert [c["course"]["slug"] for c in completions] == ["course-00"]


def test_groups_follow_the_tutor_scope(client, world, make_token):
    tutor = make_token(world["tutor"], ["courses:cohort:read"])
    groups = _get(client, "/api/v1/courses/cohorts/", tutor)["items"]
    assert [g["id"] for g in groups] == [world["group"].id]
    members = _get(client, f"/api/v1/courses/cohorts/{world['group'].id}/members", tutor)
    assert {m["user_id"] for m in members["items"]} == {world["learner"].id,
                                                        world["classmate"].id}
    assert "email" not in members["items"][0]
    # Another tutor's group is as absent as one that does not exist.
    other = _get(client, f"/api/v1/courses/cohorts/{world['other_group'].id}/members", tutor, 404)
    missing = _get(client, "/api/v1/courses/cohorts/999999/members", tutor, 404)
    assert other == missing
    learner = make_token(world["learner"], ["courses:cohort:read"])
    assert _get(client, "/api/v1/courses/cohorts/", learner)["items"] == []
    _get(client, f"/api/v1/courses/cohorts/{world['group'].id}/members", learner, 404)
    admin = make_token(world["admin"], ["courses:cohort:read"])
    assert len(_get(client, "/api/v1/courses/cohorts/", admin)["items"]) == 2


def test_removing_the_tutor_role_takes_effect_at_once(client, world, make_token):
    from lms.accounts.models import UserRole

    secret = make_token(world["tutor"], ["courses:cohort:read"])
    assert _get(client, "/api/v1/courses/cohorts/", secret)["items"]
    db.session.query(UserRole).filter_by(user_id=world["tutor"].id, role="tutor").delete()
    db.session.commit()
    assert _get(client, "/api/v1/courses/cohorts/", secret)["items"] == []


def test_certificates_as_on_the_pages(client, world, make_token):
    def codes(user):
        secret = make_token(user, ["certificates:certificate:read"])
        items, _ = _all(client, "/api/v1/certificates/", secret)
        return {c["user_id"] for c in items}, items

    mine, items = codes(world["learner"])
    assert mine == {world["learner"].id}
    assert items[0]["status"] == "valid" and "/certificates/verify/" in items[0]["verify_url"]
    assert "learner_email" not in items[0]
    tutors, seen = codes(world["tutor"])
    assert tutors == {world["learner"].id, world["classmate"].id}
    # The tutor scope is per course: the classmate's certificate of another course is not theirs.
    assert {c["course_slug"] for c in seen} == {"co-op-basics"}
    admins, _ = codes(world["admin"])
    assert admins == {world["learner"].id, world["classmate"].id, world["stranger"].id}
    stranger = make_token(world["stranger"], ["certificates:certificate:read"])
    code = items[0]["code"]
    assert _get(client, f"/api/v1/certificates/{code}", stranger, 404)["code"] == "not_found"


def test_proposals_show_results_never_who_voted_how(client, world, make_token):
    secret = make_token(world["stranger"], ["governance:proposal:read"])
    body = _get(client, "/api/v1/governance/proposals/", secret)
    [proposal] = body["items"]
    assert proposal["secret"] is True
    result = proposal["ballot"]["result"]
    assert (result["votes_for"], result["votes_against"], result["abstentions"]) == (3, 1, 1)
    assert result["passed"] is True
    text = str(body)
    for person in world["members"]:
        assert f"'user_id': {person.id}" not in text
    assert "choice" not in text and "receipt" not in text
    one = _get(client, f"/api/v1/governance/proposals/{proposal['id']}", secret)
    assert one == proposal


@contextmanager
def _counting():
    """Every statement sent: through the engine and read directly (lms.directread)."""
    from lms import directread

    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    directread.observers.append(statements.append)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        directread.observers.remove(statements.append)


def test_lists_run_a_constant_number_of_queries(client, world, make_token, make_user):
    from tests.courses.cohort_helpers import seat

    secret = make_token(world["admin"])
    paths = [
        "/api/v1/courses/?limit=100",
        "/api/v1/courses/my/enrolments?limit=100",
        f"/api/v1/courses/cohorts/{world['group'].id}/members?limit=100",
        "/api/v1/courses/cohorts/?limit=100",
        "/api/v1/certificates/?limit=100",
        "/api/v1/governance/proposals/?limit=100",
    ]

    learner = make_token(world["learner"])

    def counts():
        found = {}
        for path, token in [*((p, secret) for p in paths),
                            ("/api/v1/courses/my/enrolments?limit=100", learner)]:
            with _counting() as statements:
                _get(client, path, token)
            found[path, token] = len(statements)
        return found

    before = counts()
    assert all(before.values())
    from courses.models import Enrolment, Progress
    from tests.api.conftest import _course

    for n in range(6):
        person = make_user()
        seat(world["group"], person)
        course = _course(f"more-{n}")
        db.session.flush()
        # More enrolments of the learner, with items done, on the same page.
        enrolment = Enrolment(user_id=world["learner"].id, course_id=course.id)
        db.session.add(enrolment)
        db.session.flush()
        db.session.add(Progress(enrolment_id=enrolment.id, item_id=course.items[0].id))
    db.session.commit()
    assert counts() == before


def test_numbers_beyond_the_id_columns_are_not_found(client, world, make_token):
    from lms.paging import encode_cursor

    secret = make_token(world["admin"])
    _get(client, f"/api/v1/courses/cohorts/{2**31}/members", secret, 404)
    _get(client, f"/api/v1/governance/proposals/{2**40}", secret, 404)
    huge = encode_cursor([2**40])
    first = _get(client, "/api/v1/certificates/", secret)
    assert _get(client, f"/api/v1/certificates/?after={huge}", secret) == first


def test_enrolment_progress_counts_as_the_pages_do(client, world, make_token):
    """The API counts required items done in SQL; "My learning" counts item states: they agree,
    with optional items, items done and a course fully done."""
    from courses.models import Enrolment, Progress
    from courses.progress import progress_for
    from tests.api.conftest import _course

    learner = world["learner"]
    for n, done in enumerate((0, 1, 3)):
        course = _course(f"counted-{n}")
        course.items[1].required = False  # optional: never counted
        db.session.flush()
        enrolment = Enrolment(user_id=learner.id, course_id=course.id)
        db.session.add(enrolment)
        db.session.flush()
        for item in course.items[:done]:
            db.session.add(Progress(enrolment_id=enrolment.id, item_id=item.id))
    db.session.commit()
    items, _ = _all(client, "/api/v1/courses/my/enrolments",
                    make_token(learner, ["courses:progress:read"]))
    enrolments = db.session.query(Enrolment).filter_by(user_id=learner.id).all()
    expected = progress_for(enrolments)
    assert len(items) == len(enrolments) == 5
    for item in items:
        p = expected[item["id"]]
        assert item["progress"] == {"done": p.done, "total": p.total, "percent": p.percent,
                                    "completed": p.completed}
    assert {(i["progress"]["done"], i["progress"]["total"]) for i in items} >= {
        (0, 2), (1, 2), (2, 2)}


def test_a_cursor_holding_text_no_database_takes_starts_from_the_first_page(
        client, world, make_token, login):
    """A tampered cursor whose text is a lone surrogate (which UTF-8 cannot encode) or a null
    byte (which PostgreSQL's text refuses) is ignored like any other bad cursor, not a 500."""
    import base64
    import json

    def tampered(values):
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    secret = make_token(world["learner"])
    first = _get(client, "/api/v1/courses/", secret)
    for text in ("\ud800", "a\x00b"):
        after = tampered([text, 1])
        assert _get(client, f"/api/v1/courses/?after={after}", secret) == first
        # The admin's list of accounts pages by (name, id) the same way.
        page = login(world["admin"]).get(f"/admin/users?after={after}")
        assert page.status_code == 200
