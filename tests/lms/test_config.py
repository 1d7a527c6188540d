"""Configuration layers, type conversion and the secret key rules."""

from __future__ import annotations

import os
import stat

import pytest

from lms import create_app
from lms.config import DEFAULTS, ConfigError

LONG_SECRET = "x" * 48


@pytest.fixture()
def instance(tmp_path, monkeypatch):
    """An empty instance folder and an environment without ``LMS_*`` settings."""
    for name in list(os.environ):
        if name in DEFAULTS:
            monkeypatch.delenv(name)
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(folder))
    return folder


def test_layers_apply_in_order(instance, monkeypatch):
    (instance / "lms.cfg").write_text(
        "LMS_SITE_NAME = 'From the file'\n"
        "LMS_PASSWORD_RESET_HOURS = 5\n"
        "LMS_BASE_URL = 'http://file.example'\n"
        "LMS_MAIL_FROM = 'file@example.org'\n"
    )
    monkeypatch.setenv("LMS_PASSWORD_RESET_HOURS", "7")
    monkeypatch.setenv("LMS_BASE_URL", "http://env.example")
    monkeypatch.setenv("LMS_SMTP_STARTTLS", "yes")
    monkeypatch.setenv("LMS_MAIL_FROM", "env@example.org")
    app = create_app({"LMS_MAIL_FROM": "override@example.org"})

    assert app.instance_path == str(instance)
    assert app.config["LMS_MAX_UPLOAD_BYTES"] == DEFAULTS["LMS_MAX_UPLOAD_BYTES"]  # default
    assert app.config["LMS_SITE_NAME"] == "From the file"  # file beats default
    assert app.config["LMS_PASSWORD_RESET_HOURS"] == 7  # environment beats file, as an int
    assert app.config["LMS_BASE_URL"] == "http://env.example"
    assert app.config["LMS_SMTP_STARTTLS"] is True
    assert app.config["LMS_MAIL_FROM"] == "override@example.org"  # overrides beat all
    # Derived settings follow the layers.
    assert app.config["SQLALCHEMY_DATABASE_URI"] == ("sqlite:///" + str(instance / "lms.sqlite3"))
    assert app.config["MAX_CONTENT_LENGTH"] == DEFAULTS["LMS_MAX_UPLOAD_BYTES"]


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("LMS_SMTP_PORT", "abc", "LMS_SMTP_PORT must be a whole number, not 'abc'"),
        ("LMS_SMTP_SSL", "maybe", "LMS_SMTP_SSL must be true or false, not 'maybe'"),
        ("LMS_ENV", "staging", "LMS_ENV must be one of development, production, testing"),
        ("LMS_DB_PING_AFTER_IDLE_SECONDS", "-1", "_SECONDS must be 0 or more seconds"),
        ("LMS_DB_PING_AFTER_IDLE_SECONDS", "ten", "must be a whole number, not 'ten'"),
    ],
)
def test_bad_values_are_refused_clearly(instance, monkeypatch, name, raw, expected):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ConfigError, match=expected):
        create_app()


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_false_spellings(instance, monkeypatch, raw):
    monkeypatch.setenv("LMS_SMTP_SSL", raw)
    assert create_app().config["LMS_SMTP_SSL"] is False


@pytest.mark.parametrize("secret", [None, "", "too-short-0123456789"])
def test_production_refuses_missing_or_short_secret(instance, monkeypatch, secret):
    monkeypatch.setenv("LMS_ENV", "production")
    if secret is not None:
        monkeypatch.setenv("LMS_SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        create_app()
    assert not (instance / "secret_key").exists()


def test_production_with_real_secret(instance, monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("LMS_SECRET_KEY", LONG_SECRET)
    app = create_app()
    assert app.config["SECRET_KEY"] == LONG_SECRET
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["TESTING"] is False
    assert not (instance / "secret_key").exists()


def test_development_generates_and_keeps_a_secret(instance):
    first = create_app()
    path = instance / "secret_key"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = first.config["SECRET_KEY"]
    assert len(key) >= 32
    assert path.read_text().strip() == key
    assert create_app().config["SECRET_KEY"] == key  # a restart keeps sessions valid
    assert first.config["SESSION_COOKIE_SECURE"] is False


def test_explicit_secret_wins_in_development(instance, monkeypatch):
    monkeypatch.setenv("LMS_SECRET_KEY", "an-explicit-development-secret")
    assert create_app().config["SECRET_KEY"] == "an-explicit-development-secret"
    assert not (instance / "secret_key").exists()
