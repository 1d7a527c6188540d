"""The one form in which the site keeps and looks up an email address.

Kept apart from :mod:`.operations` (and free of Flask and the database) so that
anything that matches addresses, the rate limiter's key included, can use the
same rule without importing the accounts' writes.
"""

from __future__ import annotations

import unicodedata


def normalise_email(email: str) -> str:
    """``email`` as accounts keep it and every look-up compares it.

    Trimmed, lower-cased, then Unicode NFC (last, so what is kept is NFC
    whatever lower-casing produced). NFC because the same address
    reaches the site in two spellings: "zoë" typed as one character "ë" or as
    "e" followed by a combining diaeresis (some keyboards, text copied out of
    a PDF), which compare unequal in the database. The domain is kept as typed
    (a punycode ``xn--`` domain stays so): converting it is a different address
    to the database, and the accounts registered before stay findable.

    :param email: any text; a look-up normalises what was typed before checking it.
    """
    return unicodedata.normalize("NFC", email.strip().lower())
