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
from typing import Any, TypeGuard

from gitops_gen.model import FieldPath
from gitops_gen.schemas.names import DNS_SUBDOMAIN, object_meta_schema

#: Bump when what :func:`convert` makes of a schema changes: it keys the cache of converted
#: schemas (:mod:`gitops_gen.schemas.crd_cache`), with this module's and ``names``' own text.
CONVERTER_VERSION = 2

_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean"})
_NUMBERS = ("minimum", "maximum", "multipleOf")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_JUNCTIONS = ("allOf", "anyOf", "oneOf")
#: The keys :meth:`_Converter._values` reads; nine nodes in ten have none of them and skip it.
_VALUE_KEYS = frozenset({"enum", *_NUMBERS, "exclusiveMinimum", "exclusiveMaximum", *_COUNTS, "pattern",
                         "uniqueItems", "x-kubernetes-list-type"})
_JUNCTION_KEYS = frozenset({*_JUNCTIONS, "not"})
#: Every key the converter reads but ``type``: a node with none of them and a scalar or array
#: type (two nodes in three) converts to its type alone.
_SPECIAL_KEYS = frozenset({*_VALUE_KEYS, *_JUNCTION_KEYS, "nullable", "items", "properties", "required",
                           "additionalProperties", "x-kubernetes-preserve-unknown-fields",
                           "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string"})
_PLAIN_TYPES = frozenset({"array", "string", "integer", "number", "boolean"})

#: Where a node sits, as a chain ``(parent, *keys)`` ending in ``(None, *base path)``: one small
#: tuple per node instead of a copy of the whole path, made a FieldPath only for an error.
_Chain = tuple[Any, ...]


class ConversionError(Exception):
    """A CRD schema node that cannot be a schema; ``path`` is relative to the given root path."""

    def __init__(self, path: FieldPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _path(chain: _Chain, *keys: Any) -> FieldPath:
    parts: list[tuple[Any, ...]] = [keys]
    while chain is not None:
        parts.append(chain[1:])
        chain = chain[0]
    return tuple(key for part in reversed(parts) for key in part)


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


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return type(value) is dict or isinstance(value, Mapping)


def _mapping(value: Any, chain: _Chain, what: str) -> Mapping[str, Any]:
    if type(value) is dict or isinstance(value, Mapping):
        return value
    raise ConversionError(_path(chain), f"{what} must be a mapping, not {_kind_of(value)}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Converter:
    def __init__(self, preserve_all: bool, fragments: list[dict[str, Any]] | None) -> None:
        self.preserve_all = preserve_all
        self.fragments = fragments

    def node(self, schema: Any, chain: _Chain, structural: bool, allow_null: bool) -> dict[str, Any]:
        s = _mapping(schema, chain, "a schema")
        get = s.get
        declared = get("type")
        keys = s.keys()
        if type(declared) is str and declared in _PLAIN_TYPES and keys.isdisjoint(_SPECIAL_KEYS):
            return {"type": [declared, "null"] if allow_null or not structural else declared}
        out: dict[str, Any] = {}
        embedded = get("x-kubernetes-embedded-resource") is True
        if declared not in (None, "") and (not isinstance(declared, str) or declared not in _TYPES):
            raise ConversionError(_path(chain, "type"), f"unknown type {declared!r} (expected one of "
                                  f"{', '.join(sorted(_TYPES))})")
        if get("x-kubernetes-int-or-string") is True:
            types: list[str] = ["integer", "string"]
        elif declared:
            types = [declared]
        elif embedded:
            types = ["object"]
        else:
            types = []
        null_ok = allow_null or not structural or get("nullable") is True
        if types:
            out["type"] = [*types, "null"] if null_ok else (types[0] if len(types) == 1 else types)
        if not keys.isdisjoint(_VALUE_KEYS):
            self._values(s, chain, out, null_ok)
        if "items" in s:
            out["items"] = self.node(s["items"], (chain, "items"), structural, False)
        if "object" in types or "properties" in s or embedded or "required" in s:
            preserve = self.preserve_all or get("x-kubernetes-preserve-unknown-fields") is True
            self._object(s, chain, out, structural, preserve, embedded)
        if not keys.isdisjoint(_JUNCTION_KEYS):
            self._junctions(s, chain, out)
        return out

    def _junctions(self, s: Mapping[str, Any], chain: _Chain, out: dict[str, Any]) -> None:
        for key in _JUNCTIONS:
            if key in s:
                options = s[key]
                if not isinstance(options, list) or not options:
                    raise ConversionError(_path(chain, key), f"{key} must be a non-empty list of schemas")
                out[key] = [self.node(o, (chain, key, i), False, True) for i, o in enumerate(options)]
        if "not" in s:
            out["not"] = self.node(s["not"], (chain, "not"), False, True)

    def _values(self, s: Mapping[str, Any], chain: _Chain, out: dict[str, Any], null_ok: bool) -> None:
        values: dict[str, Any] = {}
        self._value_keys(s, chain, values, null_ok)
        if values:
            out.update(values)
            if self.fragments is not None:
                self.fragments.append(values)

    @staticmethod
    def _value_keys(s: Mapping[str, Any], chain: _Chain, out: dict[str, Any], null_ok: bool) -> None:
        if "enum" in s:
            enum = s["enum"]
            if not isinstance(enum, list):
                raise ConversionError(_path(chain, "enum"), f"enum must be a list, not {_kind_of(enum)}")
            out["enum"] = [*enum, None] if null_ok and None not in enum else list(enum)
        for key in _NUMBERS:
            if key in s and s[key] is not None:
                if not _is_number(s[key]):
                    raise ConversionError(_path(chain, key), f"{key} must be a number, not {_kind_of(s[key])}")
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
                    raise ConversionError(_path(chain, key), f"{key} must be a non-negative integer")
                out[key] = s[key]
        if "pattern" in s and s["pattern"] is not None:
            if not isinstance(s["pattern"], str):
                raise ConversionError(_path(chain, "pattern"),
                                      f"pattern must be a string, not {_kind_of(s['pattern'])}")
            out["pattern"] = s["pattern"]
        if s.get("uniqueItems") is True or s.get("x-kubernetes-list-type") == "set":
            out["uniqueItems"] = True

    def _object(self, s: Mapping[str, Any], chain: _Chain, out: dict[str, Any], structural: bool,
                preserve: bool, embedded: bool) -> None:
        raw = s.get("properties")
        props = {} if raw is None else _mapping(raw, (chain, "properties"), "properties")
        required = s.get("required") or []
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise ConversionError(_path(chain, "required"), "required must be a list of field names")
        # a required field with a default is not required when defaulting applies (structural)
        needed = [r for r in dict.fromkeys(required) if not (structural and _defaulted(props.get(r)))]
        wanted = frozenset(needed)
        converted: dict[str, Any] = {}
        node = self.node
        for name, child in props.items():
            optional = name not in wanted
            declared = child.get("type") if type(child) is dict else None
            if type(declared) is str and declared in _PLAIN_TYPES and child.keys().isdisjoint(_SPECIAL_KEYS):
                # node()'s first case, inlined: most properties are plain scalars
                converted[str(name)] = {"type": [declared, "null"] if optional or not structural else declared}
            else:
                converted[str(name)] = node(child, (chain, "properties", name), structural, optional)
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
            out["additionalProperties"] = node(extra, (chain, "additionalProperties"), structural, False)
        elif structural and not preserve:
            out["additionalProperties"] = False


def _defaulted(schema: Any) -> bool:
    return _is_mapping(schema) and schema.get("default") is not None


def _nullable_object(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": ["object", "null"]}


def convert(schema: Any, path: FieldPath = (), *, preserve_unknown: bool = False,
            fragments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The strict JSON Schema of a custom resource, from its version's ``openAPIV3Schema``.

    ``path`` is where the schema sits in the CRD document, for the errors' paths.
    ``preserve_unknown`` keeps unknown fields everywhere (an ``apiextensions.k8s.io/v1beta1``
    CRD with ``spec.preserveUnknownFields``, its default, prunes nothing).
    ``fragments``, when given, receives the value keywords of each node that has any (``enum``,
    bounds, ``pattern``...; a copy): the only parts of the result that
    jsonschema_rs may refuse to compile (see :func:`gitops_gen.schemas.crd_cache.probe`).
    """
    root: _Chain = (None, *path)
    s = _mapping(schema, root, "openAPIV3Schema")
    declared = s.get("type")
    if declared not in (None, "object"):
        raise ConversionError((*path, "type"), f"the root of a custom resource schema must be an object, "
                              f"not {declared!r}")
    converter = _Converter(preserve_unknown, fragments)
    out = converter.node(s, root, True, False)
    out["type"] = "object"
    props: dict[str, Any] = out.setdefault("properties", {})
    props["apiVersion"] = {"type": "string"}
    props["kind"] = {"type": "string"}
    metadata = object_meta_schema(DNS_SUBDOMAIN)
    given = s.get("properties", {}).get("metadata") if _is_mapping(s.get("properties")) else None
    if _is_mapping(given) and ("properties" in given or any(k in given for k in _JUNCTIONS)):
        # The CRD may narrow name/generateName; those rules apply on top of ObjectMeta's.
        metadata["allOf"] = [converter.node(given, (root, "properties", "metadata"), False, True)]
    props["metadata"] = metadata
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out
