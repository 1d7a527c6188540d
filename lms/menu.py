"""Main-menu items and template slots that plugins contribute."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from .permissions import has_permission

#: Where each application keeps its built menus, in ``app.extensions``.
_MENU_CACHE = "lms.menu_links"
#: Built menus kept per application: (roles, locale, script root) combinations are few;
#: past this the cache starts again rather than grow.
_MENU_CACHE_SIZE = 256


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


@dataclass(frozen=True)
class MenuLink:
    """A menu item as the layout shows it: its URL built and its label translated."""

    endpoint: str
    url: str
    label: str


@dataclass(frozen=True)
class MainMenu:
    """The links the current user sees, and the endpoint of the one for the current page."""

    links: tuple[MenuLink, ...]
    current: str | None


def main_menu() -> MainMenu:
    """The main menu of the current page, for the layout.

    Which items a user sees depends only on whether they are signed in and on
    their roles; the URLs on the script root and the labels on the locale.
    The built links are kept per application for each such combination, so a
    page costs a dictionary lookup instead of a permission check, a URL build
    and a translation per item (twice over, for the current item).
    """
    roles = frozenset(current_user.role_names) if current_user.is_authenticated else None
    key = (roles, str(get_locale()), request.script_root)
    cache = current_app.extensions.setdefault(_MENU_CACHE, {})
    links = cache.get(key)
    if links is None:
        links = tuple(
            MenuLink(item.endpoint, url_for(item.endpoint), str(item.label))
            for item in menu_items()
        )
        if len(cache) >= _MENU_CACHE_SIZE:
            cache.clear()
        cache[key] = links
    return MainMenu(links, _current(links, request.path))


def _current(links: tuple[MenuLink, ...], path: str) -> str | None:
    """The rule of :func:`current_endpoint` over built links."""
    best, best_len = None, -1
    for link in links:
        url = link.url
        matches = (
            path == url if url == "/" else (path == url or path.startswith(url.rstrip("/") + "/"))
        )
        if matches and len(url) > best_len:
            best, best_len = link.endpoint, len(url)
    return best


def slot_templates(slot: str) -> list[str]:
    """Templates that loaded plugins placed into a named slot of a page."""
    return list(current_app.extensions["lms"].slots.get(slot, ()))


def current_endpoint(items: list[MenuItem]) -> str | None:
    """The one menu item the current page belongs to: the longest URL prefix wins.

    The home page (``/``) only matches itself, so it is not "current" everywhere.
    """
    links = tuple(MenuLink(item.endpoint, url_for(item.endpoint), "") for item in items)
    return _current(links, request.path)
