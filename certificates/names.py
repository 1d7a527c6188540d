"""Which language a holder's name is written in, when the page cannot say.

A certificate's page is in the certificate's language, and its CSS picks
fonts by the page's language: Urdu is written in Nastaliq, Arabic and
Persian in Naskh, from the same Unicode letters. An Urdu name on a page in
another language (English, because Urdu was not offered when it was issued,
or Polish) would then print in Naskh, which is not how its holder writes it.
:func:`name_language` gives the name its own ``lang`` from two signals, both
read from what the certificate keeps (never from the account now), for a
name written in the Arabic script alone:

1. the holder's own language (``certificate.language``, their account's
   language at issue), when it is written in the Arabic script (``ur``,
   ``ar``, ``fa``...);
2. otherwise, letters of the Urdu alphabet that Arabic and Persian do not
   use (``ٹ ڈ ڑ ں ے ۓ ہ ۂ ھ``). Punjabi in Shahmukhi shares them and is
   written in Nastaliq too, so the font is right for it as well.
"""

from __future__ import annotations

import re
from functools import cache

from babel.core import get_global

#: Arabic-script letters (Arabic, its supplement and extended-A, presentation forms); also
#: what :mod:`certificates.actual_text` looks for.
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
#: Letters of Urdu's alphabet that neither Arabic nor Persian writes.
_URDU_ONLY = re.compile("[\u0679\u0688\u0691\u06ba\u06be\u06c1\u06c2\u06d2\u06d3]")


@cache
def _script(language: str) -> str:
    """The script ``language`` is usually written in (CLDR's likely subtags: ``ur`` -> Arab)."""
    base = language.replace("-", "_").split("_")[0].lower()
    likely = get_global("likely_subtags").get(base, "")
    parts = likely.split("_")
    return parts[1] if len(parts) > 1 and len(parts[1]) == 4 else ""


def name_language(name: str, holder_language: str | None, page_language: str) -> str:
    """The ``lang`` to mark ``name`` with on a page in ``page_language``; ``""``: the page's.

    :param holder_language: the holder's own language (the certificate's, as issued).
    """
    letters = [c for c in name if c.isalpha()]
    # A name in several scripts is no one language's: the page's fonts, letter by letter.
    if not letters or not all(ARABIC.match(c) for c in letters):
        return ""
    if holder_language and _script(holder_language) == "Arab":
        language = holder_language
    elif _URDU_ONLY.search(name):
        language = "ur"
    else:
        return ""
    return "" if language == page_language else language
