"""Locale selection: the user's choice, else the browser's, else English."""

from flask import current_app, has_request_context, request
from flask_login import current_user


def select_locale() -> str:
    """Choose the locale of the current request, once per request (Flask-Babel keeps it).

    With one language there is nothing to choose: no user is loaded and no
    header parsed for it.
    """
    languages = current_app.config["LMS_LANGUAGE_LIST"]
    if len(languages) == 1 or not has_request_context():
        # The CLI and cron jobs (e.g. enacting decisions at close-due) have no request.
        # One language: the answer is known without loading anyone.
        return languages[0]
    chosen = getattr(current_user, "locale", None) if current_user else None
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]
