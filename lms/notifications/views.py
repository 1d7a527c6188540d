"""The notification pages: the list, opening and marking notices, preferences, unsubscribe."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import RadioField, SelectChoice

from ..db import db
from ..extensions import csrf
from ..forms import LmsForm
from ..paging import decode_cursor, keyset_page
from ..permissions import login_required, public
from .inbox import mark_read
from .mailing import DIGEST_TOKEN_KIND, read_unsubscribe_token
from .models import Notification
from .preferences import preferences_of, set_preferences
from .preferences import unsubscribe as turn_email_off  # the view below is ``unsubscribe``
from .service import kinds

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    """The signed-in person's notices, newest first (keyset paged); unread ones marked."""
    cursor = decode_cursor(request.args.get("after"), (int,))
    page = keyset_page(
        select(Notification).where(Notification.user_id == current_user.id),
        [Notification.id],
        cursor,
        lambda n: (n.id,),
        descending=True,
    )
    return render_template(
        "lms/notifications/index.html", page=page, kinds=kinds(), form=LmsForm()
    )


def _own(notification_id: int) -> Notification:
    notice = db.session.get(Notification, notification_id)
    if notice is None or notice.user_id != current_user.id:
        abort(404)
    return notice


@bp.post("/<int(max=2147483647):notification_id>/open")
@login_required
def open_notice(notification_id: int):
    """Mark a notice read and go to the page it is about (a POST: reading changes state)."""
    if not LmsForm().validate_on_submit():
        abort(400)
    notice = _own(notification_id)
    mark_read(current_user.id, notice.id)
    db.session.commit()
    return redirect(notice.link or url_for(".index"), 303)


@bp.post("/<int(max=2147483647):notification_id>/read")
@login_required
def read_one(notification_id: int):
    """Mark one notice read and come back to the list."""
    if not LmsForm().validate_on_submit():
        abort(400)
    _own(notification_id)
    mark_read(current_user.id, notification_id)
    db.session.commit()
    return redirect(url_for(".index"), 303)


@bp.post("/read")
@login_required
def read_all():
    """Mark every notice of the signed-in person read."""
    if not LmsForm().validate_on_submit():
        abort(400)
    n = mark_read(current_user.id)
    db.session.commit()
    flash(_("All your notifications are marked as read.") if n else
          _("You had no unread notifications."), "success")
    return redirect(url_for(".index"), 303)


def _choices():
    return [
        SelectChoice("email", _("Email me each one")),
        SelectChoice("digest", _("Email me once a day")),
        SelectChoice("site", _("Only on this site")),
        SelectChoice("off", _("Not at all")),
    ]


def _preferences_form(current: dict[str, str]):
    """A form with one radio group per declared kind, named after its key."""

    class PreferencesForm(LmsForm):
        pass

    for key, kind in kinds().items():
        setattr(
            PreferencesForm,
            _field(key),
            RadioField(kind.label, choices=_choices(), default=current.get(key),
                       description=kind.description),
        )
    return PreferencesForm()


def _field(key: str) -> str:
    return "kind_" + key.replace(".", "__")


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Choose, for each kind of notice, whether and how it reaches you."""
    current = preferences_of(current_user.id)
    form = _preferences_form(current)
    if form.validate_on_submit():
        choices = {key: form[_field(key)].data for key in kinds()}
        changed = set_preferences(current_user.id, choices)
        db.session.commit()
        flash(_("Your choices are saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for(".preferences"), 303)
    groups: dict[str, list] = {}
    for key in kinds():
        groups.setdefault(key.split(".")[0], []).append(form[_field(key)])
    # A refused form is a bad request, as on every other page (nothing was saved).
    status = 400 if form.errors else 200
    return render_template(
        "lms/notifications/preferences.html", form=form, groups=groups
    ), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token: str):
    """Stop one kind of email (or the digest) from a link in an email; no sign-in needed.

    GET asks (mail scanners follow links, and a GET never changes anything);
    POST does it: the button on that page, or a mail client's one-click
    ``List-Unsubscribe-Post`` request (RFC 8058), which carries no CSRF
    token: the signed token is the proof.
    """
    found = read_unsubscribe_token(token)
    if found is None:
        return render_template("lms/notifications/unsubscribe.html", invalid=True), 404
    user_id, kind = found
    from ..accounts.models import User

    person = db.session.get(User, user_id)
    if person is None:
        return render_template("lms/notifications/unsubscribe.html", invalid=True), 404
    from ..personal_data.drive import is_erased

    if is_erased(person):
        # Mail sent before the erasure still arrives: its link must not recreate choices.
        return render_template("lms/notifications/unsubscribe.html", closed=True)
    if kind == DIGEST_TOKEN_KIND:
        label = _("the daily email of notifications")
    elif kind in kinds():
        label = str(kinds()[kind].label)
    else:
        return render_template("lms/notifications/unsubscribe.html", invalid=True), 404
    if request.method == "POST":
        turn_email_off(user_id, kind)
        db.session.commit()
        return render_template("lms/notifications/unsubscribe.html", done=True, label=label)
    return render_template("lms/notifications/unsubscribe.html", token=token, label=label)
