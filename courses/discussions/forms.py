"""Discussion forms: they validate; the views save."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.forms import LmsForm, SentOnceForm, SingleLine

MAX_BODY = 20_000


class _Posting(SentOnceForm):
    body = TextAreaField(
        _l("Your message"),
        description=_l("Markdown: *emphasis*, **strong**, lists, links. Raw HTML shows as text."),
        validators=[
            DataRequired(_l("Write your message.")),
            Length(max=MAX_BODY, message=_l("Keep your message under 20,000 characters.")),
        ],
    )


class ThreadForm(_Posting):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give your thread a title.")),
            Length(max=200, message=_l("Keep the title under 200 characters.")),
            # A title is a line in listings and in the subject of reply notices (mail).
            SingleLine(),
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
