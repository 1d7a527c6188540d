"""Signal receivers: a certificate is issued the moment a course version is completed."""

from __future__ import annotations

from flask import Flask

from lms import signals
from lms.contracts import CompletionSnapshot
from lms.plugins import connect

from . import operations


def on_course_completed(sender, *, completion: CompletionSnapshot, **_ignored) -> None:
    """Issue the certificate in the completing request's transaction (once)."""
    operations.issue(completion)


def connect_receivers(app: Flask) -> None:
    connect(app, signals.course_completed, on_course_completed)
