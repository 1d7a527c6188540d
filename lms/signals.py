"""Every signal that crosses a plugin boundary, with its contract.

Signals are blinker signals. They are always sent with the current Flask
application as sender (``current_app._get_current_object()``), and plugins
connect their receivers for *their* application only
(``signal.connect(receiver, sender=app, weak=False)``), so a plugin that is
disabled in one application never hears another application's events.

Keyword arguments are plain data (ids, strings, datetimes, contract
dataclasses), never another plugin's model objects. Unless a signal says
otherwise, it is sent inside the sender's open transaction, after the change
is flushed: receivers may read and write through ``db.session`` and their
writes commit or roll back with the sender's; a receiver must never commit.
"""

from blinker import Namespace

_signals = Namespace()

user_registered = _signals.signal("user-registered")
"""A person created an account.

kwargs: ``user_id`` (int), ``email`` (str), ``display_name`` (str).
"""

roles_changed = _signals.signal("roles-changed")
"""An admin granted or revoked a role.

kwargs: ``user_id`` (int), ``role`` (str), ``granted`` (bool), ``actor_id`` (int | None).
Receivers may drop cached per-user state; the change applies on the user's next request.
"""

enrolment_created = _signals.signal("enrolment-created")
"""A learner was enrolled in a course.

kwargs: ``enrolment`` (:class:`lms.contracts.EnrolmentSnapshot`).
"""

lesson_completed = _signals.signal("lesson-completed")
"""A learner completed a lesson for the first time in this enrolment.

kwargs: ``enrolment`` (:class:`lms.contracts.EnrolmentSnapshot`), ``lesson_key`` (str),
``completed_dt`` (aware datetime).
"""

quiz_attempted = _signals.signal("quiz-attempted")
"""A learner's quiz attempt was graded and stored.

kwargs: ``enrolment`` (:class:`lms.contracts.EnrolmentSnapshot`), ``quiz_key`` (str),
``attempt_no`` (int), ``score`` (float, percent 0-100), ``passed`` (bool),
``submitted_dt`` (aware datetime).
"""

course_completed = _signals.signal("course-completed")
"""A learner completed a course version. Sent exactly once per learner and course version,
in the request that completed the last required item.

kwargs: ``completion`` (:class:`lms.contracts.CompletionSnapshot`).
Receivers (certificates) may write in the same transaction.
"""

certificate_issued = _signals.signal("certificate-issued")
"""A certificate was issued. kwargs: ``certificate_id`` (int), ``user_id`` (int),
``course_slug`` (str), ``code`` (str)."""

certificate_revoked = _signals.signal("certificate-revoked")
"""A certificate was revoked. kwargs: ``certificate_id`` (int), ``user_id`` (int),
``revoked_dt`` (aware datetime)."""

decision_made = _signals.signal("decision-made")
"""A ballot closed and its result was fixed.

kwargs: ``decision`` (:class:`lms.contracts.DecisionRecord`).
"""

decision_enacted = _signals.signal("decision-enacted")
"""A passed decision was carried out. kwargs: ``decision`` (:class:`lms.contracts.DecisionRecord`),
``result`` (:class:`lms.contracts.EnactmentResult`)."""

notifications_created = _signals.signal("notifications-created")
"""Notices of one kind were stored for some people (:func:`lms.notifications.notify`).

kwargs: ``kind`` (str, a registered :class:`lms.contracts.NotificationKind` key),
``user_ids`` (tuple[int], those who got a notice; people who turned the kind off
are not among them). Sent in the publisher's transaction.
"""
