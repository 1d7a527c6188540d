"""Wiring of the core's personal data: its own declarations, settings' use, tasks, views."""

from __future__ import annotations

from flask import Flask

from .registry import register_personal_data


def init_app(app: Flask) -> None:
    """Register the core's declarations (first, so the core exports first and erases last)."""
    from .core import PROVIDER

    register_personal_data(app, PROVIDER)
