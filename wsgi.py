"""The WSGI entry point: what gunicorn and ``flask --app wsgi`` load."""

import gc

from lms import create_app

app = create_app()

# What is loaded by now (modules, the app, mappers, templates' code) lives as long as
# the process. Freezing it keeps the garbage collector's full passes from rescanning
# it during requests: a tutor's report on a 500-learner cohort spent 40% of its time
# there. Each gunicorn worker imports this module, so each freezes its own heap.
gc.freeze()
