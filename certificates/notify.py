"""The mail a learner gets when a certificate is issued."""

from __future__ import annotations

import logging

from flask_babel import gettext as _

from lms.i18n import in_language_of
from lms.mail import MailError, send_mail

from . import signing
from .models import Certificate

log = logging.getLogger(__name__)


def tell_learner(cert: Certificate) -> None:
    """Mail the learner about their new certificate.

    Without SMTP the message goes to the outbox in this transaction (it commits or
    rolls back with the certificate). With SMTP, a failure to send is logged and
    the certificate is kept: the learner still finds it on My certificates.
    """
    # The values are worked out before the call: Babel's extractor (2.19) flags
    # any f-string among a message's arguments.
    mine = f"{signing.base_url()}/certificates/my"
    # In the certificate's language (the learner's at issue), not the issuer's.
    with in_language_of(cert.language):
        subject = _("Your certificate: %(course)s", course=cert.course_title)
        body = _(
            "Hello %(name)s,\n\n"
            "Well done: you completed “%(course)s” and your certificate is ready.\n\n"
            "Download it from My certificates:\n%(mine)s\n\n"
            "Anyone you show it to can check it here (code %(code)s):\n%(verify)s\n",
            name=cert.learner_name, course=cert.course_title,
            mine=mine, code=cert.code,
            verify=signing.verify_url(cert.code),
        )
    try:
        send_mail(cert.learner_email, subject, body)
    except MailError:
        log.exception("could not mail certificate %s to its learner; it is issued", cert.code)

