"""Cohorts: dated groups of learners taking a course together, with their tutors.

``models`` (the tables), ``access`` (the one object-level check every cohort
query goes through), ``schedule`` (when modules open and fall due for a
cohort), ``matrix`` (the tutors' progress report, built on
:func:`courses.progress.progress_for`), ``roster_csv`` (bulk enrolment files),
``operations`` (the writes) and ``views``.
"""
