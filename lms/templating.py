"""Template globals and filters shared by every page."""

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, get_locale
from markupsafe import Markup

from .accounts.forms import LogoutForm
from .menu import current_endpoint, menu_items, slot_templates
from .permissions import has_permission


def register(app: Flask) -> None:
    @app.context_processor
    def _globals():
        return {
            "menu_items": menu_items,
            "current_menu_endpoint": current_endpoint,
            "slot_templates": slot_templates,
            "has_permission": has_permission,
            "logout_form": LogoutForm,
            "site_name": current_app.config["LMS_SITE_NAME"],
            "get_locale": get_locale,
        }

    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else ""
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.globals["Markup"] = Markup
