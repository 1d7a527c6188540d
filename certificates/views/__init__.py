"""The certificates plugin's pages, in one blueprint ``certificates`` at ``/certificates``.

``learner``: My certificates and downloads; ``public``: verification, the issuer
profile and the status list; ``manage``: revoke, re-render, correct, settings.
"""

from flask import Blueprint

bp = Blueprint("certificates", "certificates", url_prefix="/certificates",
               template_folder="templates")

from . import admin, learner, manage, public  # noqa: E402, F401  (routes register)
