"""Turn a CustomResourceDefinition's ``openAPIV3Schema`` into a strict JSON Schema.

The result behaves like the API server with strict field validation:

* unknown fields are rejected, except under ``x-kubernetes-preserve-unknown-fields: true``;
* ``x-kubernetes-int-or-string`` accepts an integer or a string;
* ``nullable: true`` accepts null; an optional field that is not nullable also accepts null,
  because the API server prunes such nulls before validating (a required one does not);
* a required field with a ``default`` is not required (defaulting fills it in first);
* ``x-kubernetes-embedded-resource`` objects get ``apiVersion``, ``kind`` (both required) and
  ``metadata``; the root gets them too, with ``metadata.name`` checked as a DNS subdomain;
* ``x-kubernetes-list-type: set`` rejects duplicate items;
* ``format`` is dropped: Kubernetes formats (int32, int64, byte, ...) mean other things than
  JSON Schema formats, and rejecting a valid value is worse than not checking it;
* ``exclusiveMinimum: true`` (OpenAPI 3.0) becomes the draft 2020-12 number form;
* descriptions, defaults, examples and CEL rules are dropped; ``$ref`` (not allowed in CRDs)
  is never copied, so nothing can make validation fetch a schema from the network.

Anything that is not a schema (a list where a mapping belongs, an unknown type name) raises
:class:`ConversionError` with the path of the offending node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitops_gen.model import FieldPath
from gitops_gen.schemas.names import DNS_SUBDOMAIN, object_meta_schema

_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean"})
_NUMBERS = ("minimum", "maximum", "multipleOf")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_JUNCTIONS = ("allOf", "anyOf", "oneOf")


class ConversionError(Exception):
    """A CRD schema node that cannot be a schema; ``path`` is relative to the given root path."""

    def __init__(self, path: FieldPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return "a mapping"


def _mapping(value: Any, path: FieldPath, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConversionError(path, f"{what} must be a mapping, not {_kind_of(value)}")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Converter:
    def __init__(self, preserve_all: bool = False) -> None:
        self.preserve_all = preserve_all

    def node(self, schema: Any, path: FieldPath, *, structural: bool, allow_null: bool) -> dict[str, Any]:
        s = _mapping(schema, path, "a schema")
        out: dict[str, Any] = {}
        nullable = s.get("nullable") is True
        preserve = self.preserve_all or s.get("x-kubernetes-preserve-unknown-fields") is True
        embedded = s.get("x-kubernetes-embedded-resource") is True
        declared = s.get("type")
        if declared not in (None, "") and (not isinstance(declared, str) or declared not in _TYPES):
            raise ConversionError((*path, "type"), f"unknown type {declared!r} (expected one of "
                                  f"{', '.join(sorted(_TYPES))})")
        types: list[str] = []
        if s.get("x-kubernetes-int-or-string") is True:
            types = ["integer", "string"]
        elif declared:
            types = [declared]
        elif embedded:
            types = ["object"]
        null_ok = nullable or allow_null or not structural
        if types:
            out["type"] = [*types, "null"] if null_ok else (types[0] if len(types) == 1 else types)
        self._values(s, path, out, null_ok)
        if "items" in s:
            out["items"] = self.node(s["items"], (*path, "items"), structural=structural, allow_null=False)
        is_object = "object" in types or "properties" in s or embedded
        if is_object or "required" in s:
            self._object(s, path, out, structural=structural, preserve=preserve, embedded=embedded)
        for key in _JUNCTIONS:
            if key in s:
                options = s[key]
                if not isinstance(options, list) or not options:
                    raise ConversionError((*path, key), f"{key} must be a non-empty list of schemas")
                out[key] = [self.node(o, (*path, key, i), structural=False, allow_null=True)
                            for i, o in enumerate(options)]
        if "not" in s:
            out["not"] = self.node(s["not"], (*path, "not"), structural=False, allow_null=True)
        return out

    def _values(self, s: Mapping[str, Any], path: FieldPath, out: dict[str, Any], null_ok: bool) -> None:
        if "enum" in s:
            enum = s["enum"]
            if not isinstance(enum, list):
                raise ConversionError((*path, "enum"), f"enum must be a list, not {_kind_of(enum)}")
            out["enum"] = [*enum, None] if null_ok and None not in enum else list(enum)
        for key in _NUMBERS:
            if key in s and s[key] is not None:
                if not _is_number(s[key]):
                    raise ConversionError((*path, key), f"{key} must be a number, not {_kind_of(s[key])}")
                out[key] = s[key]
        for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            flag = s.get(key)
            if flag is True and bound in out:  # OpenAPI 3.0: a flag on the bound
                out[key] = out.pop(bound)
            elif _is_number(flag):
                out[key] = flag
        for key in _COUNTS:
            if key in s and s[key] is not None:
                if not isinstance(s[key], int) or isinstance(s[key], bool) or s[key] < 0:
                    raise ConversionError((*path, key), f"{key} must be a non-negative integer")
                out[key] = s[key]
        if "pattern" in s and s["pattern"] is not None:
            if not isinstance(s["pattern"], str):
                raise ConversionError((*path, "pattern"),
                                      f"pattern must be a string, not {_kind_of(s['pattern'])}")
            out["pattern"] = s["pattern"]
        if s.get("uniqueItems") is True or s.get("x-kubernetes-list-type") == "set":
            out["uniqueItems"] = True

    def _object(self, s: Mapping[str, Any], path: FieldPath, out: dict[str, Any], *, structural: bool,
                preserve: bool, embedded: bool) -> None:
        raw = s.get("properties")
        props = {} if raw is None else _mapping(raw, (*path, "properties"), "properties")
        required = s.get("required") or []
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise ConversionError((*path, "required"), "required must be a list of field names")
        defaulted = {k for k, v in props.items() if isinstance(v, Mapping) and v.get("default") is not None}
        needed = [r for r in dict.fromkeys(required) if not (structural and r in defaulted)]
        converted: dict[str, Any] = {}
        for name, child in props.items():
            optional = name not in needed
            converted[str(name)] = self.node(child, (*path, "properties", name), structural=structural,
                                             allow_null=optional)
        if embedded:
            converted.setdefault("apiVersion", {"type": "string"})
            converted.setdefault("kind", {"type": "string"})
            converted.setdefault("metadata", _nullable_object(object_meta_schema(None)))
            needed = list(dict.fromkeys([*needed, "apiVersion", "kind"]))
        if converted:
            out["properties"] = converted
        if needed:
            out["required"] = needed
        extra = s.get("additionalProperties")
        if isinstance(extra, bool):
            out["additionalProperties"] = extra or preserve
        elif extra is not None:
            out["additionalProperties"] = self.node(extra, (*path, "additionalProperties"),
                                                    structural=structural, allow_null=False)
        elif structural and not preserve:
            out["additionalProperties"] = False


def _nullable_object(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": ["object", "null"]}


def convert(schema: Any, path: FieldPath = (), *, preserve_unknown: bool = False) -> dict[str, Any]:
    """The strict JSON Schema of a custom resource, from its version's ``openAPIV3Schema``.

    ``path`` is where the schema sits in the CRD document, for the errors' paths.
    ``preserve_unknown`` keeps unknown fields everywhere (an ``apiextensions.k8s.io/v1beta1``
    CRD with ``spec.preserveUnknownFields``, its default, prunes nothing).
    """
    s = _mapping(schema, path, "openAPIV3Schema")
    declared = s.get("type")
    if declared not in (None, "object"):
        raise ConversionError((*path, "type"), f"the root of a custom resource schema must be an object, "
                              f"not {declared!r}")
    converter = _Converter(preserve_unknown)
    out = converter.node(s, path, structural=True, allow_null=False)
    out["type"] = "object"
    props: dict[str, Any] = out.setdefault("properties", {})
    props["apiVersion"] = {"type": "string"}
    props["kind"] = {"type": "string"}
    metadata = object_meta_schema(DNS_SUBDOMAIN)
    given = s.get("properties", {}).get("metadata") if isinstance(s.get("properties"), Mapping) else None
    if isinstance(given, Mapping) and ("properties" in given or any(k in given for k in _JUNCTIONS)):
        # The CRD may narrow name/generateName; those rules apply on top of ObjectMeta's.
        metadata["allOf"] = [converter.node(given, (*path, "properties", "metadata"), structural=False,
                                            allow_null=True)]
    props["metadata"] = metadata
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out
