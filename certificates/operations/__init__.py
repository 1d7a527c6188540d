"""The certificates plugin's writes: check, mutate, flush, send signals; never commit.

Two modules, imported from here:

- :mod:`.issuing`: issuing a certificate (code, row, signed credential, PDF,
  audit entry, signal and mail) and the validity new certificates get;
- :mod:`.amending`: what happens to an issued one (re-render, revoke, correct)
  and the status list a revocation re-signs.
"""

from .amending import correct, original, rebuild_status_list, rerender, revoke
from .issuing import (
    CODE_CHARS,
    CROCKFORD,
    CertificateError,
    add_months,
    issue,
    issue_prepared,
    new_certificate,
    new_code,
    normalise_code,
    page_data,
    render,
    render_arguments,
    set_pdf,
    set_validity,
    validity_months,
)

__all__ = [
    "CODE_CHARS",
    "CROCKFORD",
    "CertificateError",
    "add_months",
    "correct",
    "original",
    "issue",
    "issue_prepared",
    "new_certificate",
    "new_code",
    "normalise_code",
    "page_data",
    "rebuild_status_list",
    "render",
    "render_arguments",
    "rerender",
    "revoke",
    "set_pdf",
    "set_validity",
    "validity_months",
]
