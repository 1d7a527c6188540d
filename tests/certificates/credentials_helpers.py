"""Helpers shared by the credentials tests: walk a document's fields and change one."""

from __future__ import annotations

import copy


def leaf_paths(node, prefix=()):
    """Every path to a scalar value in ``node`` (dict keys and list indexes)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaf_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaf_paths(value, (*prefix, index))
    else:
        yield prefix


def field_paths(node, prefix=()):
    """Every path to a dict member, at any depth (for removal tests)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from field_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from field_paths(value, (*prefix, index))


def changed(value):
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value[:-1] + ("0" if value[-1:] != "0" else "1")
    raise TypeError(value)


def with_change(doc: dict, path: tuple) -> dict:
    """A copy of ``doc`` with the scalar at ``path`` changed."""
    result = copy.deepcopy(doc)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = changed(parent[path[-1]])
    return result


def without(doc: dict, path: tuple) -> dict:
    """A copy of ``doc`` with the member at ``path`` removed."""
    result = copy.deepcopy(doc)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return result


def path_id(path: tuple) -> str:
    return ".".join(str(step) for step in path)
