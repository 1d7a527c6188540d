"""Outgoing email: one small module every package sends through.

With ``LMS_SMTP_HOST`` set, messages go out over SMTP (optionally STARTTLS or
SSL, optionally authenticated). Without it they are written to the outbox
table, which admins read in the admin area; development and tests use it.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, db, utcnow


class OutboxMessage(db.Model):
    """A message kept locally because no SMTP server is configured."""

    __tablename__ = "lms_outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)


class MailError(RuntimeError):
    """The SMTP server refused or could not be reached."""


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["LMS_MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="lms.local")
    msg.set_content(body)
    return msg


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message now (SMTP) or put it in the outbox.

    :raises MailError: SMTP is configured but delivery failed.
    """
    send_many([(to, subject, body)])


def send_many(messages: list[tuple[str, str, str]]) -> None:
    """Send ``(to, subject, body)`` messages over one SMTP connection, or to the outbox.

    :raises MailError: SMTP is configured but delivery failed (some messages
        may have gone; the caller rolls back what they announced).
    """
    if not messages:
        return
    cfg = current_app.config
    if not cfg["LMS_SMTP_HOST"]:
        db.session.add_all(
            OutboxMessage(recipient=to, subject=subject, body=body)
            for to, subject, body in messages
        )
        db.session.flush()
        return
    host, port, timeout = cfg["LMS_SMTP_HOST"], cfg["LMS_SMTP_PORT"], cfg["LMS_SMTP_TIMEOUT"]
    to = messages[0][0]
    try:
        if cfg["LMS_SMTP_SSL"]:
            smtp = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if cfg["LMS_SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if cfg["LMS_SMTP_USERNAME"]:
                smtp.login(cfg["LMS_SMTP_USERNAME"], cfg["LMS_SMTP_PASSWORD"])
            for to, subject, body in messages:
                smtp.send_message(build_message(to, subject, body))
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.error("mail to %s failed: %s", to, exc)
        raise MailError(str(exc)) from exc
