"""LTI 1.3: the platforms registered by admins, accounts linked to platform users,
nonces already used, and launches kept for Deep Linking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db, utcnow


class LtiPlatform(db.Model):
    """A learning platform (Moodle, Canvas, ...) that launches this site as an LTI 1.3 tool."""

    __tablename__ = "lms_lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(200))
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    key_set_url: Mapped[str] = mapped_column(String(500))
    #: Space-separated deployment ids this registration accepts.
    deployment_ids: Mapped[str] = mapped_column(String(1000))
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiAccount(db.Model):
    """A platform's user (``sub``) linked, with their consent, to an account here."""

    __tablename__ = "lms_lti_account"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lms_lti_platform.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lms_user.id", ondelete="CASCADE"), index=True
    )
    linked_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiNonce(db.Model):
    """A launch's nonce, recorded when it is used: a replayed launch finds it and is refused."""

    __tablename__ = "lms_lti_nonce"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(200), unique=True)
    used_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiLaunch(db.Model):
    """A validated launch's claims, kept briefly so a Deep Linking answer can be built."""

    __tablename__ = "lms_lti_launch"

    id: Mapped[int] = mapped_column(primary_key=True)
    launch_id: Mapped[str] = mapped_column(String(100), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiGradeLink(db.Model):
    """Where a learner's grade for a course goes back to: the platform's line item (AGS)."""

    __tablename__ = "lms_lti_grade_link"
    __table_args__ = (UniqueConstraint("platform_id", "user_id", "course_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lms_lti_platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lms_user.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(255))
    course_path: Mapped[str] = mapped_column(String(300))
    #: The launch's Assignment and Grade Services claim (line item URL and scopes).
    ags: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiContext(db.Model):
    """A platform's course (LTI "context") someone launched from, with its roster's address.

    Kept from launches that carry the Names and Role Provisioning claim, so that a
    group here can be linked to it and filled from its roster (:mod:`lms.lti.roster`).
    """

    __tablename__ = "lms_lti_context"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lms_lti_platform.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(300), default="")
    memberships_url: Mapped[str] = mapped_column(String(1000))
    updated_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiContextTeacher(db.Model):
    """An account here that launched from a platform's course as its instructor.

    Only they (and admins) may link one of their groups to that course's roster.
    """

    __tablename__ = "lms_lti_context_teacher"
    __table_args__ = (UniqueConstraint("context_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lms_lti_context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lms_user.id", ondelete="CASCADE"), index=True
    )


class LtiGroupLink(db.Model):
    """A group here (a cohort of the plugin that provides cohorts) linked to a platform's course.

    ``cohort_id`` is the providing plugin's id, without a foreign key: the core does not
    know that plugin's tables; a link whose cohort is gone is ignored and replaced.
    """

    __tablename__ = "lms_lti_group_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(unique=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("lms_lti_context.id", ondelete="CASCADE"), index=True
    )
    linked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    linked_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
