"""The reference page's view of the OpenAPI document: operations and schemas, in order."""

from __future__ import annotations

from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_of(schema: dict[str, Any]) -> str:
    """A schema's type in a few words: ``string``, ``array of Course``, ``Course``..."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return " or ".join(type_of(s) for s in schema[key])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        return " or ".join(
            type_of({**schema, "type": k}) if k != "null" else "null" for k in kind
        )
    if kind == "array":
        return "array of " + type_of(schema.get("items", {}))
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            responses = []
            for status, response in op.get("responses", {}).items():
                if "$ref" in response:
                    name = _ref_name(response["$ref"])
                    response = spec["components"]["responses"].get(name, {})
                content = response.get("content", {}).get("application/json", {})
                responses.append(
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "type": type_of(content.get("schema", {})) if content else "",
                    }
                )
            params = [
                {
                    "name": p.get("name"),
                    "in": p.get("in"),
                    "required": p.get("required", False),
                    "type": type_of(p.get("schema", {})),
                    "description": p.get("description", ""),
                }
                for p in [*item.get("parameters", []), *op.get("parameters", [])]
            ]
            found.append(
                {
                    "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "scope": op.get("x-required-scope", ""),
                    "tags": op.get("tags", []),
                    "parameters": params,
                    "responses": responses,
                }
            )
    return found


def schemas(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        found.append(
            {
                "name": name,
                "properties": [
                    {
                        "name": prop,
                        "type": type_of(sub),
                        "required": prop in required,
                        "description": sub.get("description", ""),
                    }
                    for prop, sub in schema.get("properties", {}).items()
                ],
            }
        )
    return found
