"""Every route declares its access policy; GET requests never write."""

from __future__ import annotations

from sqlalchemy import event

from lms.permissions import POLICY_ATTR

from .conftest import sample_entry_points


def _missing_policies(app) -> list[str]:
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        if not hasattr(app.view_functions[rule.endpoint], POLICY_ATTR):
            missing.append(f"{rule.rule} ({rule.endpoint})")
    return missing


def test_every_route_of_the_full_app_declares_a_policy(app):
    # ``app`` loads every installed plugin, so this keeps guarding later plugins.
    assert len(list(app.url_map.iter_rules())) > 10
    assert _missing_policies(app) == []


def test_sample_plugin_routes_declare_policies(make_app):
    app = make_app(plugins=sample_entry_points("alpha", "beta"))
    assert "alpha.alpha_index" in app.view_functions
    assert _missing_policies(app) == []


def test_walk_catches_a_route_without_policy(make_app):
    app = make_app()

    @app.route("/forgotten")
    def forgotten():
        return "no policy"

    assert _missing_policies(app) == ["/forgotten (forgotten)"]


def test_get_pages_never_write(app, db, make_user, login):
    """Visit every argument-free GET page, as an admin, and watch the SQL."""
    admin = make_user(roles=("learner", "admin"))
    client = login(admin)
    statements: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        visited = []
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.arguments or rule.endpoint == "static":
                continue
            response = client.get(rule.rule)
            assert response.status_code < 500, rule.rule
            visited.append(rule.rule)
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    assert {"/", "/admin/", "/admin/audit", "/account/profile"} <= set(visited)
    assert any(s.lstrip().upper().startswith("SELECT") for s in statements)  # the watch works
    writes = [
        s for s in statements if s.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
