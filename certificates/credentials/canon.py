"""RDF Dataset Canonicalization (RDFC-1.0, a.k.a. URDNA2015) with pyld, in "safe mode".

JSON-LD silently drops properties it cannot map to an IRI and RDF drops
relative IRIs; a dropped field would not be covered by a signature, so anyone
could change it without breaking the proof. Data Integrity therefore requires
"safe mode": here every dropped property or relative ``@id`` / ``@type`` is an
error (:class:`UndefinedTermError`) instead.
"""

from __future__ import annotations

from typing import Any

from pyld import jsonld

from .documents import document_loader


class UndefinedTermError(ValueError):
    """A property or type of the document has no meaning under its contexts."""


def _raise_dropped(expanded_property: str | None) -> None:
    raise UndefinedTermError(
        f"property {expanded_property!r} is not defined by the document's contexts"
    )


# Relative IRIs are resolved against this base during expansion so they can be
# recognised and refused (pyld would otherwise resolve them against a made-up
# default base, and other processors would drop them).
_RELATIVE_BASE = "https://relative-iri.invalid/"


def _is_absolute(iri: str) -> bool:
    if iri.startswith(_RELATIVE_BASE):
        return False
    return iri.startswith("_:") or (":" in iri and not iri.startswith(":"))


def _check_iris(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _check_iris(item)
    elif isinstance(node, dict):
        if "@value" in node:
            return
        for key in ("@id", "@type"):
            values = node.get(key, ())
            for value in values if isinstance(values, list) else (values,):
                if isinstance(value, str) and not _is_absolute(value):
                    value = value.removeprefix(_RELATIVE_BASE)
                    raise UndefinedTermError(f"{key} value {value!r} is not defined as an IRI")
        for key, value in node.items():
            if key not in ("@id", "@type"):
                _check_iris(value)


def expand_safely(document: dict) -> list:
    """Expand ``document`` with the pinned contexts, refusing anything that would be dropped."""
    options = {"documentLoader": document_loader, "base": _RELATIVE_BASE}
    expanded = jsonld.expand(document, options, on_property_dropped=_raise_dropped)
    _check_iris(expanded)
    return expanded


def canonicalize(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads of ``document`` (safe mode, pinned contexts only).

    :raises UndefinedTermError: if part of the document would not be signed.
    :raises pyld.jsonld.JsonLdError: if it is not valid JSON-LD or asks for an
        unpinned context (the cause is then a ``ContextNotAllowed``).
    """
    expanded = expand_safely(document)
    return jsonld.normalize(
        expanded,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
        },
    )
