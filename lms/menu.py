"""Main-menu items and template slots that plugins contribute."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_login import current_user

from .permissions import has_permission


@dataclass(frozen=True)
class MenuItem:
    """One link in the main menu.

    :param label: a lazily translated label.
    :param endpoint: the view the link points to.
    :param permission: shown only to users holding it; ``None`` shows it to everyone.
    :param signed_in: ``True`` shows it only to signed-in users.
    :param order: lower numbers come first.
    """

    label: object
    endpoint: str
    permission: str | None = None
    signed_in: bool = False
    order: int = 100

    def visible(self) -> bool:
        if self.signed_in and not current_user.is_authenticated:
            return False
        return self.permission is None or has_permission(current_user, self.permission)


def menu_items() -> list[MenuItem]:
    """The menu items the current user may see, in order."""
    return [item for item in current_app.extensions["lms"].menu if item.visible()]


def slot_templates(slot: str) -> list[str]:
    """Templates that loaded plugins placed into a named slot of a page."""
    return list(current_app.extensions["lms"].slots.get(slot, ()))


def current_endpoint(items: list[MenuItem]) -> str | None:
    """The one menu item the current page belongs to: the longest URL prefix wins.

    The home page (``/``) only matches itself, so it is not "current" everywhere.
    """
    best, best_len = None, -1
    for item in items:
        url = url_for(item.endpoint)
        matches = (
            request.path == url
            if url == "/"
            else (request.path == url or request.path.startswith(url.rstrip("/") + "/"))
        )
        if matches and len(url) > best_len:
            best, best_len = item.endpoint, len(url)
    return best
