"""Discussion forms: they validate; the views save."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from lms.forms import LmsForm

MAX_BODY = 20_000


def new_token() -> str:
    """A fresh token for a form: the same form sent twice carries the same one."""
    return secrets.token_urlsafe(24)


class _Posting(LmsForm):
    body = TextAreaField(
        _l("Your message"),
        description=_l("Markdown: *emphasis*, **strong**, lists, links. Raw HTML shows as text."),
        validators=[
            DataRequired(_l("Write your message.")),
            Length(max=MAX_BODY, message=_l("Keep your message under 20,000 characters.")),
        ],
    )
    submit_token = HiddenField(
        validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")],
    )

    def fresh(self) -> _Posting:
        if not self.submit_token.data:
            self.submit_token.data = new_token()
        return self


class ThreadForm(_Posting):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give your thread a title.")),
            Length(max=200, message=_l("Keep the title under 200 characters.")),
        ],
    )
    lesson = HiddenField()


class ReplyForm(_Posting):
    pass


class EditForm(LmsForm):
    body = _Posting.body


class ReasonForm(LmsForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Say why.")),
            Length(max=500, message=_l("Keep the reason under 500 characters.")),
        ],
    )
