"""The courses plugin's permissions and the object-level rules for courses.

Browsing the catalogue and learning need no permission (public, or any
signed-in account); authoring needs the constants below.
"""

from __future__ import annotations

from flask_login import current_user

from lms.permissions import ROLE_TUTOR, has_permission

COURSES_AUTHOR = "courses:course:author"
#: Publish, unpublish and retire courses, and change a live course directly, when no
#: curriculum authority (governance) is loaded; with one, nobody does (``courses.authority``).
COURSES_PUBLISH = "courses:course:publish"
COURSES_DRAFT_VIEW = "courses:draft:view"
COURSES_REPORT_VIEW = "courses:report:view"
#: Create cohorts, change their dates and capacity, assign their tutors (admins only).
COURSES_COHORT_MANAGE = "courses:cohort:manage"
#: Teach cohorts: a tutor sees the cohorts they are assigned to (see ``courses.cohorts.access``).
COURSES_COHORT_TEACH = "courses:cohort:teach"
#: Open the moderators' queue of reported posts (a tutor sees the reports of the spaces
#: they moderate; see ``courses.discussions.access``).
COURSES_DISCUSSION_MODERATE = "courses:discussion:moderate"
#: Open the marking queue (a tutor sees the submissions of the learners they may mark;
#: see ``courses.assignments.access``).
COURSES_ASSIGNMENT_MARK = "courses:assignment:mark"

#: Permission -> roles granted it (admins hold every permission).
GRANTS: dict[str, tuple[str, ...]] = {
    COURSES_AUTHOR: (ROLE_TUTOR,),
    # Administrators only (they hold every permission): tutors prepare drafts and revisions.
    COURSES_PUBLISH: (),
    COURSES_DRAFT_VIEW: (ROLE_TUTOR,),
    COURSES_REPORT_VIEW: (ROLE_TUTOR,),
    COURSES_COHORT_MANAGE: (),
    COURSES_COHORT_TEACH: (ROLE_TUTOR,),
    COURSES_DISCUSSION_MODERATE: (ROLE_TUTOR,),
    COURSES_ASSIGNMENT_MARK: (ROLE_TUTOR,),
}


def can_see_drafts(user=None) -> bool:
    """Tell whether ``user`` (default: the current user) may see unpublished courses."""
    return has_permission(current_user if user is None else user, COURSES_DRAFT_VIEW)
