"""Personal data: the registry every package declares to, and export, closure and retention.

See :mod:`lms.personal_data.contract` for what a package declares and provides.
"""

from .contract import (
    CONSENT,
    CONTRACT,
    ERASED,
    KEPT,
    LAWFUL_BASES,
    LEGAL_OBLIGATION,
    LEGITIMATE_INTERESTS,
    NOT_PERSONAL,
    PSEUDONYMISED,
    ErasureSubject,
    ExportSection,
    Kept,
    PersonalDataProvider,
    RetentionRule,
    TableDeclaration,
    not_personal,
)
from .registry import (
    PersonalDataError,
    coverage_problems,
    declarations,
    providers,
    register_personal_data,
)

__all__ = [
    "CONSENT", "CONTRACT", "ERASED", "KEPT", "LAWFUL_BASES", "LEGAL_OBLIGATION",
    "LEGITIMATE_INTERESTS", "NOT_PERSONAL", "PSEUDONYMISED", "ErasureSubject", "ExportSection",
    "Kept", "PersonalDataError", "PersonalDataProvider", "RetentionRule", "TableDeclaration",
    "coverage_problems", "declarations", "not_personal", "providers", "register_personal_data",
]
