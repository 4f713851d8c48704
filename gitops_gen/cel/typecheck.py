"""Type checking of a policy's field reads against the schemas of the kinds it matches.

The API server type-checks a policy's expressions against the schema of every kind its
``matchConstraints`` select.  Here, ``object.a.b`` read in an expression (outside string
literals, up to a function call) is checked against the bundled Kubernetes schemas of the
target version: a field that exists in none of the matched kinds is an error when the policy is
loaded.  When the rules select a kind with no bundled schema (a custom resource) or everything
(``*``), nothing is checked: a field cannot be proven not to exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from gitops_gen.cel.inline import _segments
from gitops_gen.cel.match import ResourceRule, plural_of
from gitops_gen.schemas.versions import Version, bundled_versions

_CHAIN = re.compile(r"(?<![\w.])object((?:\s*\.\??\s*[A-Za-z_][A-Za-z0-9_]*)+)(\s*\()?")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@cache
def _definitions(version: Version) -> Mapping[str, Any]:
    raw = json.loads((bundled_versions()[version] / "_definitions.json").read_bytes())
    return raw["$defs"]  # type: ignore[no-any-return]


@cache
def _kinds(version: Version) -> Mapping[tuple[str, str, str], str]:
    """(group, version, plural) -> definition name of every kind of the version."""
    out: dict[tuple[str, str, str], str] = {}
    for name, schema in _definitions(version).items():
        gvks = schema.get("x-kubernetes-group-version-kind") if isinstance(schema, dict) else None
        if isinstance(gvks, list) and len(gvks) == 1 and isinstance(gvks[0], dict):
            group, ver, kind = (str(gvks[0].get(k, "")) for k in ("group", "version", "kind"))
            out[(group, ver, plural_of(group, kind, {}))] = name
    return out


def matched_definitions(rules: Sequence[ResourceRule], version: Version) -> list[str] | None:
    """The definitions of the kinds ``rules`` select, or None when one cannot be known."""
    found: list[str] = []
    kinds = _kinds(version)
    for rule in rules:
        if "*" in rule.groups or any(r in ("*", "*/*") or "/" in r for r in rule.resources):
            return None
        for resource in rule.resources:
            names = [name for (g, v, p), name in kinds.items()
                     if g in rule.groups and p == resource and ("*" in rule.versions or v in rule.versions)]
            if not names:
                return None  # a custom resource, or a resource this version does not serve
            found += names
    return list(dict.fromkeys(found))


def reads(text: str) -> Iterable[tuple[str, ...]]:
    """The field paths ``object.a.b`` that ``text`` reads (a trailing method call left out)."""
    for is_code, piece in _segments(text):
        if not is_code:
            continue
        for match in _CHAIN.finditer(piece):
            fields = tuple(_FIELD.findall(match.group(1)))
            if match.group(2):
                fields = fields[:-1]
            if fields:
                yield fields


def _resolve(node: Any, definitions: Mapping[str, Any]) -> Any:
    for _ in range(50):
        if not isinstance(node, dict) or "$ref" not in node:
            return node
        node = definitions.get(str(node["$ref"]).rpartition("/")[2], {})
    return node


def _exists(definition: str, fields: Sequence[str], definitions: Mapping[str, Any]) -> int | None:
    """None when the path can exist in the definition, else the index of the first field that cannot."""
    node = _resolve(definitions.get(definition, {}), definitions)
    for i, name in enumerate(fields):
        if not isinstance(node, dict):
            return None
        properties = node.get("properties")
        if isinstance(properties, dict) and name in properties:
            node = _resolve(properties[name], definitions)
        elif isinstance(node.get("additionalProperties"), dict):
            node = _resolve(node["additionalProperties"], definitions)
        elif isinstance(properties, dict) and not node.get("x-kubernetes-preserve-unknown-fields"):
            return i
        else:
            return None  # free-form (no declared fields): anything may be there
    return None


def unknown_field(text: str, definitions_of: Sequence[str], version: Version) -> str | None:
    """``object.x.y`` when ``text`` reads a field that exists in none of the kinds, else None."""
    definitions = _definitions(version)
    for fields in reads(text):
        misses = [_exists(d, fields, definitions) for d in definitions_of]
        if definitions_of and all(m is not None for m in misses):
            deepest = max(m for m in misses if m is not None)
            return "object." + ".".join(fields[:deepest + 1])
    return None
