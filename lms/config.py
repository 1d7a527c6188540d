"""Configuration layers: defaults, then the instance file, then ``LMS_*`` variables.

Every setting of our own is named ``LMS_<NAME>`` both in the instance file
(``instance/lms.cfg``, a Python file) and in the environment, so one table in
the README documents both. Environment values are strings; they are converted
to the type of the setting's default.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

#: Every ``LMS_*`` setting with its default. The README's configuration table
#: lists the same names; a test keeps the two in step.
DEFAULTS: dict[str, Any] = {
    "LMS_ENV": "development",
    "LMS_SECRET_KEY": "",
    "LMS_DATABASE_URL": "",
    "LMS_REDIS_URL": "",
    "LMS_PLUGINS": "",
    "LMS_BASE_URL": "http://127.0.0.1:5000",
    "LMS_SITE_NAME": "Co-operative Education Centre",
    "LMS_LANGUAGES": "en,ur,pl,gu",
    "LMS_LANGUAGE_MIN_TRANSLATED": 100,
    "LMS_MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "LMS_UPLOAD_FOLDER": "",
    "LMS_SQLITE_BUSY_TIMEOUT_MS": 15000,
    "LMS_DB_PING_AFTER_IDLE_SECONDS": 10,
    "LMS_LOGIN_LIMIT_PER_ADDRESS": "20 per minute; 200 per hour",
    "LMS_LOGIN_LIMIT_PER_ACCOUNT": "5 per minute; 30 per hour",
    "LMS_RESET_LIMIT_PER_ADDRESS": "5 per minute; 30 per hour",
    "LMS_PASSWORD_RESET_HOURS": 2,
    "LMS_INVITATION_DAYS": 14,
    "LMS_PASSWORD_MIN_LENGTH": 10,
    "LMS_ARGON2_TIME_COST": 3,
    "LMS_ARGON2_MEMORY_KIB": 65536,
    "LMS_TRUSTED_PROXIES": 0,
    "LMS_SMTP_HOST": "",
    "LMS_SMTP_PORT": 25,
    "LMS_SMTP_USERNAME": "",
    "LMS_SMTP_PASSWORD": "",
    "LMS_SMTP_STARTTLS": False,
    "LMS_SMTP_SSL": False,
    "LMS_SMTP_TIMEOUT": 10,
    "LMS_MAIL_FROM": "Co-operative Education Centre <no-reply@localhost>",
    "LMS_JOBS_IMMEDIATE": False,
    "LMS_JOBS_LEASE_SECONDS": 600,
    "LMS_JOBS_WORKERS": 2,
    "LMS_METRICS_TOKEN": "",
    "LMS_METRICS_NETWORKS": "",
    "LMS_LOG_FORMAT": "text",
    "LMS_NOTIFY_DIGEST_HOUR": 7,
    "LMS_CLOSURE_GRACE_DAYS": 14,
    "LMS_DATA_EXPORT_HOURS": 24,
    "LMS_OUTBOX_RETENTION_DAYS": 90,
    "LMS_TIME_ZONE": "UTC",
    "LMS_API_RATE_LIMIT": "120 per minute; 3000 per hour",
    "LMS_XAPI_ENDPOINT": "",
    "LMS_XAPI_USERNAME": "",
    "LMS_XAPI_PASSWORD": "",
    "LMS_XAPI_TIMEOUT": 10,
    "LMS_XAPI_ACTOR_KEY": "",
}

ENVIRONMENTS = ("development", "production", "testing")
_MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _coerce(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        value = raw.strip().lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"{name} must be true or false, not {raw!r}.")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    return raw


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``app.config`` from the layers, then derive Flask's own settings.

    :param app: the application being configured.
    :param overrides: settings applied last (tests and embedding code).
    """
    app.config.update(DEFAULTS)
    app.config.from_pyfile(os.path.join(app.instance_path, "lms.cfg"), silent=True)
    for name, default in DEFAULTS.items():
        if name in os.environ:
            app.config[name] = _coerce(name, os.environ[name], default)
    if overrides:
        app.config.update(overrides)
    _derive(app)


def _derive(app: Flask) -> None:
    cfg = app.config
    env = cfg["LMS_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"LMS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    production = env == "production"
    if cfg["LMS_LOG_FORMAT"] not in ("text", "json"):
        raise ConfigError(f"LMS_LOG_FORMAT must be text or json, not {cfg['LMS_LOG_FORMAT']!r}.")
    cfg["TESTING"] = cfg.get("TESTING", False) or env == "testing"
    cfg["SECRET_KEY"] = _secret_key(app, production)
    cfg["SQLALCHEMY_DATABASE_URI"] = cfg["LMS_DATABASE_URL"] or (
        "sqlite:///" + os.path.join(app.instance_path, "lms.sqlite3")
    )
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(cfg)
    cfg["MAX_CONTENT_LENGTH"] = cfg["LMS_MAX_UPLOAD_BYTES"]
    cfg["MAX_FORM_MEMORY_SIZE"] = cfg["LMS_MAX_UPLOAD_BYTES"]
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_COOKIE_SECURE"] = production
    cfg["SESSION_COOKIE_NAME"] = "lms_session"
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_SECURE"] = production
    cfg["PREFERRED_URL_SCHEME"] = "https" if production else "http"
    # lms-memory:// is limits' memory storage with fewer sweeps (lms.limiter_storage).
    cfg["RATELIMIT_STORAGE_URI"] = cfg["LMS_REDIS_URL"] or "lms-memory://"
    cfg["RATELIMIT_HEADERS_ENABLED"] = True
    # Redis down: count in this process's memory until it is back, and never
    # fail a request because the counters cannot be reached.
    cfg.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    cfg.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    cfg.setdefault("RATELIMIT_ENABLED", True)
    cfg["BABEL_DEFAULT_LOCALE"] = "en"
    # Tests add a folder of their own catalogues (``;``-separated, as Flask-Babel reads it).
    cfg.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", os.path.join(os.path.dirname(__file__), "translations")
    )
    configured = [c.strip() for c in cfg["LMS_LANGUAGES"].split(",") if c.strip()]
    cfg.setdefault("WTF_CSRF_TIME_LIMIT", None)
    from babel import Locale, UnknownLocaleError

    for code in configured:
        try:
            Locale.parse(code)
        except (ValueError, UnknownLocaleError):
            # Caught here, not as a broken page for every visitor who picks it.
            raise ConfigError(
                f"LMS_LANGUAGES: {code!r} is not a language code Babel knows (e.g. en, ur, pl, gu)."
            ) from None
    from .i18n import servable_languages, time_zone_names

    # Offered (chooser, browser, account) only where the catalogue can serve the language, so
    # <html lang> is always the language of the text; read once here, never per request.
    cfg["LMS_LANGUAGE_LIST"], cfg["LMS_LANGUAGES_WITHHELD"] = servable_languages(
        configured, cfg["BABEL_TRANSLATION_DIRECTORIES"], cfg["LMS_LANGUAGE_MIN_TRANSLATED"]
    )

    if cfg["LMS_TIME_ZONE"] not in time_zone_names():
        raise ConfigError(
            f"LMS_TIME_ZONE must be an IANA time zone such as Europe/London, not"
            f" {cfg['LMS_TIME_ZONE']!r}."
        )
    cfg["BABEL_DEFAULT_TIMEZONE"] = cfg["LMS_TIME_ZONE"]
    if not 0 <= cfg["LMS_NOTIFY_DIGEST_HOUR"] <= 23:
        raise ConfigError("LMS_NOTIFY_DIGEST_HOUR must be an hour from 0 to 23 (UTC).")
    if cfg["LMS_DB_PING_AFTER_IDLE_SECONDS"] < 0:
        raise ConfigError(
            "LMS_DB_PING_AFTER_IDLE_SECONDS must be 0 or more seconds (0: check every pooled"
            f" connection before use), not {cfg['LMS_DB_PING_AFTER_IDLE_SECONDS']!r}."
        )


def _engine_options(cfg: Mapping[str, Any]) -> dict[str, Any]:
    url = cfg["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": cfg["LMS_SQLITE_BUSY_TIMEOUT_MS"] / 1000}}
    # No ``pool_pre_ping``: it costs every request a round trip. A pooled PostgreSQL
    # connection is checked only after LMS_DB_PING_AFTER_IDLE_SECONDS in the pool
    # (lms.db.ping_after_idle, attached when the engine is made).
    return {}


def _secret_key(app: Flask, production: bool) -> str:
    key = app.config["LMS_SECRET_KEY"]
    if production:
        if len(key) < _MIN_SECRET_LENGTH:
            raise ConfigError(
                "LMS_SECRET_KEY must be set to a random value of at least"
                f" {_MIN_SECRET_LENGTH} characters in production, for example the output of"
                " `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        return key
    if key:
        return key
    # Development: a key generated once and kept, so sessions survive restarts.
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker won the race; use its key
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
