"""Discussions: threads and replies in a course's or a group's space.

``models`` (the tables), ``access`` (who may read, post in and moderate a
space: the one check every discussion view goes through), ``operations``
(the writes), ``forms`` and ``views`` (blueprint ``courses_discuss`` at
``/courses/discuss``).
"""
