"""The governance plugin's pages, in one blueprint ``governance`` at ``/governance``.

``membership``: apply, my membership, withdraw, the register and the rules.
``proposals``: list, raise (a kind, then its fields), second, comment.
``ballots``: vote, the result with its arithmetic, the published papers, receipts.
``secretary``: applications, lapsing, CSV export, failed enactments.
``todo``: the secretary's to-do page; opening and closing a ballot early.
"""

from flask import Blueprint

bp = Blueprint("governance", "governance", url_prefix="/governance", template_folder="templates")

from . import ballots, membership, proposals, secretary, todo  # noqa: E402, F401  (routes register)
