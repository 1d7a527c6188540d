"""The layout must not overwrite page variables with names of its own."""

from flask import Blueprint, render_template_string

from lms.permissions import public


def test_layout_leaves_items_and_current_alone(make_app):
    bp = Blueprint("layoutcheck", __name__)

    @bp.route("/layout-check")
    @public
    def page():
        return render_template_string(
            '{% extends "lms/base.html" %}{% block content %}<h1>Check</h1>'
            "<p id=items>{{ items|join(',') }}</p><p id=current>{{ current }}</p>{% endblock %}",
            items=["alpha", "beta"],
            current="mine",
        )

    app = make_app()
    app.register_blueprint(bp)
    html = app.test_client().get("/layout-check").get_data(as_text=True)
    assert "<p id=items>alpha,beta</p>" in html
    assert "<p id=current>mine</p>" in html
