"""The certificates plugin's models. Every table carries the ``certificates_`` prefix.

A :class:`Certificate` is a snapshot: the learner's name, the course's title,
outcomes and hours, and the dates are copied from the completion when it is
issued and never read again from the user or the course. The signed credential
is kept exactly as issued (text, so its bytes never change), and so is the PDF.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from lms.db import UTCDateTime, db, utcnow

#: Bits in the one status list (the Bitstring Status List minimum, 16 KiB), so an index
#: chosen at random tells nothing about when or in which order a certificate was issued.
STATUS_LIST_SIZE = 131_072
#: The stable id of the one status list (``/certificates/status/1``).
STATUS_LIST_ID = 1


def certificate_status(
    revoked_dt: dt.datetime | None, valid_until: dt.datetime | None, now: dt.datetime
) -> str:
    """``valid``, ``revoked`` or ``expired`` at ``now``, from a certificate's two dates."""
    if revoked_dt is not None:
        return "revoked"
    if valid_until is not None and valid_until <= now:
        return "expired"
    return "valid"


class Certificate(db.Model):
    """One certificate: a learner's completion of one course version, as it was then."""

    __tablename__ = "certificates_certificate"
    __table_args__ = (
        # One certificate per learner and course version. A correction adds revision 2, 3, ...
        # (the old one revoked); issuing on completion always inserts revision 1, so
        # concurrent completions collide on this constraint.
        UniqueConstraint("user_id", "course_slug", "course_version", "revision"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint(
            f"status_index >= 0 AND status_index < {STATUS_LIST_SIZE}", name="status_index_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public short code, e.g. ``7KQ2-M4XD-9TPW`` (60 random bits, Crockford base32).
    code: Mapped[str] = mapped_column(String(20), unique=True)
    #: The learner; NULL once their account is deleted. A certificate is a public record:
    #: the row, its snapshots and its verification page outlive the account.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True, index=True
    )
    enrolment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    course_slug: Mapped[str] = mapped_column(String(80), index=True)
    course_version: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)

    # Snapshots taken at issue: never re-read from the user or the course.
    learner_name: Mapped[str] = mapped_column(String(120))
    learner_email: Mapped[str] = mapped_column(String(320))
    course_title: Mapped[str] = mapped_column(String(200))
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    estimated_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    final_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    completed_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    issued_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status_index: Mapped[int] = mapped_column(Integer, unique=True)

    revoked_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Why it was revoked: shown to tutors and admins, never on the public page.
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    #: The certificate that corrected this one, if any. Unique: a reissue replaces one
    #: certificate (and the index finds it for the reissue's public history).
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates_certificate.id"), nullable=True, index=True, unique=True
    )
    #: When its PDF was last re-rendered from the same credential (public history).
    rerendered_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The language of its page and of the mail about it: the learner's at issue (a
    #: re-render keeps it). NULL for certificates issued before it was kept: the site's.
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)

    #: The signed OpenBadgeCredential, exactly as issued (its bytes are what the PDF embeds).
    credential_json: Mapped[str] = deferred(mapped_column(Text))
    #: The rendered PDF/A-3b, stored once and served as is; NULL until rendered.
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pdf_rendered_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def status(self, now: dt.datetime | None = None) -> str:
        """``valid``, ``revoked`` or ``expired`` at ``now``."""
        return certificate_status(self.revoked_dt, self.valid_until, now or utcnow())


class CourseSetting(db.Model):
    """Per-course certificate settings, keyed by the course's slug."""

    __tablename__ = "certificates_course_setting"
    __table_args__ = (
        CheckConstraint(
            "validity_months IS NULL OR validity_months > 0", name="validity_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: Certificates of this course expire this many months after issue; NULL: never.
    validity_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusList(db.Model):
    """The signed Bitstring Status List credential, re-signed when a certificate is revoked.

    Kept in the database so every process serves the same list and a GET never signs.
    """

    __tablename__ = "certificates_status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_json: Mapped[str] = mapped_column(Text)
    updated_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseTemplate(db.Model):
    """An admin's certificate template for one course (HTML and CSS, rendered in a sandbox).

    Only new renders use it: issued PDFs are stored and never change; "re-render"
    renders the same credential with the template current at that moment.
    """

    __tablename__ = "certificates_course_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(80), unique=True)
    html: Mapped[str] = mapped_column(Text)
    css: Mapped[str] = mapped_column(Text, default="")
    updated_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
