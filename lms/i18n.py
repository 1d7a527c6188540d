"""Locale selection: the user's choice, else the browser's, else English."""

from flask import current_app, has_request_context, request
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LMS_LANGUAGE_LIST"]
    if not has_request_context():
        # The CLI and cron jobs (e.g. enacting decisions at close-due) have no request.
        return languages[0]
    chosen = getattr(current_user, "locale", None) if current_user else None
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]
