"""JSON-LD contexts pinned in the package, and a loader that serves only them.

Canonicalisation must never reach the network: a credential's meaning (and so
its signature) must not change because a remote server changed a file, and a
verifier must work offline. Every context the plugin needs is a file in
``contexts/`` whose SHA-256 is recorded in ``contexts/manifest.json``; the
files are checked against the manifest when first loaded and a mismatch stops
loading. Any other URL is refused with :class:`ContextNotAllowed`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from importlib import resources
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


class ContextNotAllowed(Exception):
    """A document asked for a JSON-LD context that is not pinned locally."""


class ContextIntegrityError(Exception):
    """A pinned context file does not match the checksum in the manifest."""


@functools.cache
def pinned_contexts() -> dict[str, Any]:
    """Read, check and parse every pinned context once; ``{url: parsed document}``.

    :raises ContextIntegrityError: if a file's SHA-256 differs from the manifest.
    """
    folder = resources.files(__package__) / "contexts"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    loaded = {}
    for entry in manifest["contexts"]:
        data = (folder / entry["file"]).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            raise ContextIntegrityError(
                f"pinned context {entry['url']} ({entry['file']}) has SHA-256 {digest},"
                f" the manifest says {entry['sha256']}"
            )
        loaded[entry["url"]] = json.loads(data)
    return loaded


def document_loader(url: str, options: dict | None = None) -> dict:
    """pyld document loader serving only the pinned contexts.

    :raises ContextNotAllowed: for any URL that is not pinned (pyld wraps it in
        its own ``JsonLdError``, keeping this one as the cause).
    """
    contexts = pinned_contexts()
    if url not in contexts:
        raise ContextNotAllowed(
            f"JSON-LD context {url!r} is not pinned in certificates/credentials/contexts;"
            " remote documents are never fetched"
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        # pyld may annotate what it is given; hand it a copy of the cached parse.
        "document": copy.deepcopy(contexts[url]),
    }
