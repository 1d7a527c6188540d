"""Outgoing email: one small module every package sends through, as a transactional outbox.

:func:`send_mail` (and :func:`send_many`) write each message as an
:class:`OutboxMessage` in the caller's transaction: a request that rolls back
sends nothing, and one that commits cannot lose its mail. With
``LMS_SMTP_HOST`` set, the same transaction enqueues the job
``lms.mail.deliver``, which a worker runs once the transaction has
committed: it sends each message over SMTP and marks it sent, one commit per
message, so a page never waits for the mail server and a slow or refusing
server never fails it. Without SMTP the outbox is where the messages stay,
and admins read it at ``/admin/outbox``.

Each message's ``Message-ID`` is made from its outbox row, so it is the same
on every attempt: a job killed between the server's acceptance and the
row's "sent" mark sends that one message again with the same id, which
receiving servers recognise as a duplicate; a message marked sent is never
sent again.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, db, utcnow

#: An outbox message's states: ``kept`` (no SMTP: the outbox is its destination),
#: ``queued`` (a delivery job will send it), ``sent``, ``failed`` (refused for good).
KEPT, QUEUED, SENT, FAILED = "kept", "queued", "sent", "failed"
#: Messages one delivery job sends over one connection.
DELIVERY_BATCH = 100


class OutboxMessage(db.Model):
    """A message written by the application: kept locally, or queued for SMTP and then sent."""

    __tablename__ = "lms_outbox_message"
    __table_args__ = (
        CheckConstraint("status IN ('kept', 'queued', 'sent', 'failed')", name="status"),
        Index(
            "ix_lms_outbox_message_queued",
            "id",
            sqlite_where=text("status = 'queued'"),
            postgresql_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=KEPT, server_default=KEPT)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sent_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Extra headers (name -> value), e.g. a notification's ``List-Unsubscribe``.
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON)


_LONG_HEADERS = email.policy.default.clone(max_line_length=998)


class MailError(RuntimeError):
    """The SMTP server refused or could not be reached (raised inside delivery jobs)."""


def build_message(
    to: str, subject: str, body: str, headers: dict[str, str] | None = None
) -> EmailMessage:
    # A List-Unsubscribe URL is longer than the usual fold width; folded, Python would
    # encode it as RFC 2047 words that mail clients cannot read as a URL (RFC 5322 allows 998).
    msg = EmailMessage(policy=_LONG_HEADERS) if headers else EmailMessage()
    msg["From"] = current_app.config["LMS_MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="lms.local")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg


def message_id(row: OutboxMessage) -> str:
    """The ``Message-ID`` of an outbox message: the same on every attempt (an idempotency key)."""
    host = urlsplit(current_app.config["LMS_BASE_URL"]).hostname or "lms.local"
    return f"<outbox.{row.id}.{int(row.created_dt.timestamp())}@{host}>"


#: The longest subject an outbox row keeps (its column's length).
SUBJECT_MAX = 300


def header_text(value: str, limit: int = SUBJECT_MAX) -> str:
    """``value`` as one header line of at most ``limit`` characters.

    Forms refuse line breaks in what becomes a subject (:class:`lms.forms.SingleLine`);
    this is the last guard for subjects made from stored text (a course title, a
    group's name): a line break would make :mod:`email` refuse the message in the
    delivery job, and a subject made of two 200-character names would not fit
    the column on PostgreSQL.
    """
    line = " ".join(value.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def send_mail(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> None:
    """Write one plain-text message to the outbox; with SMTP, it is sent after commit."""
    send_many([(to, subject, body, headers)])


def send_many(messages: list[tuple]) -> None:
    """Write ``(to, subject, body)`` or ``(to, subject, body, headers)`` messages to the
    outbox in the current transaction.

    With SMTP configured, delivery jobs of up to :data:`DELIVERY_BATCH`
    messages (one SMTP connection each) are enqueued in the same transaction.
    """
    if not messages:
        return
    smtp = bool(current_app.config["LMS_SMTP_HOST"])
    rows = [
        OutboxMessage(
            recipient=m[0], subject=header_text(m[1]), body=m[2],
            headers=m[3] if len(m) > 3 else None, status=QUEUED if smtp else KEPT,
        )
        for m in messages
    ]
    db.session.add_all(rows)
    db.session.flush()
    if smtp:
        from .jobs import enqueue

        for start in range(0, len(rows), DELIVERY_BATCH):
            enqueue("lms.mail.deliver", ids=[r.id for r in rows[start : start + DELIVERY_BATCH]])


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    host, port, timeout = cfg["LMS_SMTP_HOST"], cfg["LMS_SMTP_PORT"], cfg["LMS_SMTP_TIMEOUT"]
    if cfg["LMS_SMTP_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    if cfg["LMS_SMTP_STARTTLS"]:
        smtp.starttls(context=ssl.create_default_context())
    if cfg["LMS_SMTP_USERNAME"]:
        smtp.login(cfg["LMS_SMTP_USERNAME"], cfg["LMS_SMTP_PASSWORD"])
    return smtp


def _refused_for_good(exc: smtplib.SMTPException) -> bool:
    """A 5xx answer about this message (recipient, content): another attempt would fail too."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", 0)
    return isinstance(exc, smtplib.SMTPDataError | smtplib.SMTPSenderRefused) and code >= 500


def deliver(ctx, ids: list[int]) -> None:
    """The ``lms.mail.deliver`` task: send the still-queued messages among ``ids``.

    Each message is marked sent (or refused for good) and committed before
    the next; a connection failure raises, and the job is tried again later
    with the messages not yet sent.
    """
    rows = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == QUEUED)
            .order_by(OutboxMessage.id)
        )
    )
    if not rows:
        return
    total = len(ids)
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot reach the mail server: {exc}") from exc
    with smtp:
        for done, row in enumerate(rows, start=total - len(rows) + 1):
            msg = build_message(row.recipient, row.subject, row.body, row.headers)
            msg.replace_header("Message-ID", message_id(row))
            row.attempts += 1
            try:
                smtp.send_message(msg)
            except smtplib.SMTPException as exc:
                if not isinstance(exc, smtplib.SMTPServerDisconnected) and _refused_for_good(exc):
                    row.status, row.last_error = FAILED, str(exc)[:2000]
                    current_app.logger.warning("mail %s to %s refused: %s", row.id, row.recipient,
                                               exc)
                    ctx.checkpoint(done, total)
                    continue
                raise MailError(f"mail {row.id} to {row.recipient} failed: {exc}") from exc
            except OSError as exc:
                raise MailError(f"mail {row.id} to {row.recipient} failed: {exc}") from exc
            row.status, row.sent_dt, row.last_error = SENT, utcnow(), None
            ctx.checkpoint(done, total)


def register_tasks(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from .jobs import Task, register_task

    register_task(
        app,
        Task("lms.mail.deliver", deliver, retries=8, retry_delay=30, label=_l("Send email")),
        owner="lms",
    )
