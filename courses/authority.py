"""Who may change the curriculum directly: the one place every authoring path asks.

A *live* course is one learners can reach (published or retired). Drafts,
including revisions in preparation, are the authors' to edit freely. Every
change to a live course's content, and every change of a course's status or
retire date, asks :func:`refusal`:

* when a plugin provides a curriculum authority (governance), it rules; a
  change that needs a decision is refused for everyone, with the way to
  propose it. Only the rulebook's minor corrections to a live lesson are
  allowed, and :mod:`courses.revisions` records each one;
* otherwise administrators (``courses:course:publish``) make the change
  directly, as before governance existed, and others are refused.

The courses plugin never imports governance: it asks through
:func:`lms.plugins.curriculum_authority` and the contract types.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user

from lms.contracts import (
    CURRICULUM_PUBLISH,
    CURRICULUM_RETIRE,
    CURRICULUM_REVISE,
    CurriculumRuling,
)
from lms.permissions import has_permission
from lms.plugins import curriculum_authority

from .models import STATUS_DRAFT, Course
from .permissions import COURSES_PUBLISH

__all__ = [
    "CURRICULUM_PUBLISH",
    "CURRICULUM_RETIRE",
    "CURRICULUM_REVISE",
    "is_live",
    "correction_labels",
    "minor_corrections",
    "refusal",
    "ruling",
]

#: The decision kind (of ``courses.decisions``) that makes each change.
_KIND_FOR = {
    CURRICULUM_PUBLISH: "courses:revise",
    CURRICULUM_RETIRE: "courses:retire",
    CURRICULUM_REVISE: "courses:revise",
}


def is_live(course: Course) -> bool:
    """Tell whether learners can reach ``course`` (so changing it may need a decision)."""
    return course.status != STATUS_DRAFT


def ruling(change: str, course: Course) -> CurriculumRuling:
    """The authority's ruling on ``change`` to ``course`` (no authority: no decision needed)."""
    authority = curriculum_authority(current_app)
    if authority is None:
        return CurriculumRuling(needs_decision=False)
    return authority.ruling(change, course.slug)


def minor_corrections(course: Course) -> dict[str, str]:
    """The corrections authors may make to ``course``'s live lessons without a decision,
    key -> label as the rules hold it (what a correction records)."""
    found = ruling(CURRICULUM_REVISE, course)
    return dict(found.minor_corrections) if found.needs_decision else {}


def correction_labels(course: Course) -> dict[str, Any]:
    """The same corrections, key -> label as the reader's language shows it (what pages
    print: a shipped label translated, the co-op's own as written)."""
    found = ruling(CURRICULUM_REVISE, course)
    if not found.needs_decision:
        return {}
    return {
        key: found.correction_labels.get(key, label)
        for key, label in found.minor_corrections.items()
    }


def refusal(change: str, course: Course, user=None) -> str | None:
    """Say why ``user`` (default: the current user) may not make ``change`` directly.

    :return: ``None`` when they may; otherwise a message saying how the change
        can be made (the proposal to raise, or who publishes).
    """
    user = current_user if user is None else user
    if change == CURRICULUM_REVISE and not is_live(course):
        return None
    if course.revision_of_id is not None and change != CURRICULUM_REVISE:
        return _(
            "This is a revision in preparation: it goes live by replacing its course, through "
            "“Publish this revision” or a members' decision, never on its own."
        )
    found = ruling(change, course)
    if found.needs_decision:
        return _propose(change, found)
    if has_permission(user, COURSES_PUBLISH):
        return None
    if change == CURRICULUM_REVISE:
        return _(
            "This course is live, so only an administrator changes it. Prepare a revision "
            "(“Prepare a revision” on the course's authoring page) and ask an administrator "
            "to publish it."
        )
    return _("Only an administrator publishes or retires a course.")


def _propose(change: str, found: CurriculumRuling) -> str:
    where = f"{found.propose_path}?kind={_KIND_FOR[change]}" if found.propose_path else ""
    if change == CURRICULUM_PUBLISH:
        return _(
            "Publishing a course is the members' decision. Propose it: raise a proposal "
            "“Revise a course” for this course with “Publish it” ticked (%(where)s).",
            where=where,
        )
    if change == CURRICULUM_RETIRE:
        return _(
            "Retiring a course, or taking it out of the catalogue, is the members' decision. "
            "Propose it: raise a proposal “Retire a course” (%(where)s).",
            where=where,
        )
    return _(
        "This course is live: its lessons and quizzes change only by the members' decision. "
        "Prepare a revision (“Prepare a revision” on the course's authoring page), then "
        "propose it: raise a proposal “Revise a course” for this course with “Publish it” "
        "ticked (%(where)s). A passed proposal publishes the revision.",
        where=where,
    )
