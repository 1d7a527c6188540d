"""Assignments: course items a learner answers in writing and/or with files, marked by a tutor.

``spec`` (an assignment's settings and rubric as plain data), ``models``
(submissions, their versions, marks and files), ``files`` (checking uploads
by their content and keeping them outside the static folder), ``access``
(who may mark whose work: the one place it is decided), ``operations`` (the
writes) and ``views`` (blueprint ``courses_assign`` at ``/courses/assignments``;
the assignment page itself is a course item page, ``courses.item``).
"""
