"""openAPIV3Schema -> strict JSON Schema, behaving as the API server does."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest

from gitops_gen.schemas.crd_convert import ConversionError, convert


def accepts(schema: dict[str, Any], spec: Any, **root: Any) -> bool:
    validator = jsonschema_rs.validator_for(convert(schema), offline=True)
    document = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, **root}
    if spec is not ...:
        document["spec"] = spec
    return bool(validator.is_valid(document))


def with_spec(spec: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"spec": spec}}


SPEC = with_spec({
    "type": "object",
    "required": ["size"],
    "properties": {
        "size": {"type": "integer", "minimum": 1},
        "mode": {"type": "string", "enum": ["fast", "slow"]},
        "port": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "anything": {"x-kubernetes-preserve-unknown-fields": True},
        "maybe": {"type": "string", "nullable": True},
        "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
        "count32": {"type": "integer", "format": "int32"},
        "blob": {"type": "string", "format": "byte"},
        "when": {"type": "string", "format": "date-time"},
        "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
    },
})


@pytest.mark.parametrize(("spec", "ok"), [
    ({"size": 1}, True),
    ({"size": 0}, False),
    ({"size": "1"}, False),
    ({}, False),
    ({"size": 1, "unknown": 1}, False),
    ({"size": 1, "mode": "fast"}, True),
    ({"size": 1, "mode": "medium"}, False),
    ({"size": 1, "port": 8080}, True),
    ({"size": 1, "port": "http"}, True),
    ({"size": 1, "port": True}, False),
    ({"size": 1, "labels": {"a": "b"}}, True),
    ({"size": 1, "labels": {"a": 1}}, False),
    ({"size": 1, "free": {"any": {"thing": [1, 2]}}}, True),
    ({"size": 1, "free": "text"}, False),
    ({"size": 1, "anything": [1, "two"]}, True),
    ({"size": 1, "maybe": None}, True),
    ({"size": 1, "mode": None}, True),  # an optional non-nullable null is pruned, not rejected
    ({"size": None}, False),             # ... but a required one is missing
    ({"size": 1, "tags": ["a", "b"]}, True),
    ({"size": 1, "tags": ["a", "a"]}, False),
    ({"size": 1, "count32": 2 ** 40}, True),  # Kubernetes formats are not JSON Schema formats
    ({"size": 1, "blob": "not base64 !"}, True),
    ({"size": 1, "when": "tomorrow"}, True),
    ({"size": 1, "ratio": 0}, False),
    ({"size": 1, "ratio": 0.5}, True),
])
def test_structural_semantics(spec: dict[str, Any], ok: bool) -> None:
    assert accepts(SPEC, spec) is ok


def test_required_with_default_is_filled_in_by_defaulting() -> None:
    schema = with_spec({"type": "object", "required": ["replicas"],
                        "properties": {"replicas": {"type": "integer", "default": 1}}})
    assert accepts(schema, {})


def test_root_metadata_and_unknown_top_level_fields() -> None:
    schema = with_spec({"type": "object"})
    assert accepts(schema, {})
    assert not accepts(schema, {"x": 1})  # an object without properties keeps no unknown field
    assert not accepts(schema, ..., extra=1)
    assert not accepts(schema, ..., metadata={"name": "Not_A_Name"})
    assert not accepts(schema, ..., metadata=["a"])
    assert not accepts(schema, ..., metadata={"name": "w", "labelz": {}})
    assert not accepts(schema, ..., metadata={"name": "w", "labels": {"bad key": "x"}})
    assert accepts(schema, ..., metadata={"name": "w.example", "namespace": "team-a",
                                          "labels": {"app.kubernetes.io/name": "w"},
                                          "annotations": {"a": "b"}})
    assert accepts(schema, ..., status={}) is False  # not declared


def test_root_preserving_unknown_fields() -> None:
    schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    assert accepts(schema, {"whatever": [1]}, other=True)


def test_crd_may_narrow_the_name() -> None:
    schema = {"type": "object", "properties": {"metadata": {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 5}}}}}
    assert accepts(schema, ..., metadata={"name": "short"})
    assert not accepts(schema, ..., metadata={"name": "too-long"})


def test_embedded_resources() -> None:
    schema = with_spec({"type": "object", "properties": {"template": {
        "type": "object", "x-kubernetes-embedded-resource": True,
        "x-kubernetes-preserve-unknown-fields": True}}})
    assert accepts(schema, {"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                         "spec": {"containers": []}}})
    assert not accepts(schema, {"template": {"kind": "Pod"}})  # apiVersion is required
    assert not accepts(schema, {"template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"nam": "p"}}})


def test_junctions_are_value_checks_only() -> None:
    schema = with_spec({
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
        "not": {"properties": {"a": {"enum": ["forbidden"]}}, "required": ["a"]},
    })
    assert accepts(schema, {"a": "x"})
    assert accepts(schema, {"b": "x"})
    assert not accepts(schema, {"a": "x", "b": "y"})
    assert not accepts(schema, {})
    assert not accepts(schema, {"a": "forbidden"})


@pytest.mark.parametrize(("schema", "path", "text"), [
    ([], (), "openAPIV3Schema must be a mapping, not a list"),
    ({"type": "string"}, ("type",), "the root of a custom resource schema must be an object"),
    (with_spec({"type": "strin"}), ("properties", "spec", "type"), "unknown type 'strin'"),
    (with_spec({"type": "object", "properties": []}), ("properties", "spec", "properties"),
     "properties must be a mapping, not a list"),
    (with_spec({"type": "array", "items": [{"type": "string"}]}), ("properties", "spec", "items"),
     "a schema must be a mapping, not a list"),
    (with_spec({"type": "object", "required": "a"}), ("properties", "spec", "required"),
     "required must be a list"),
    (with_spec({"type": "string", "enum": "a"}), ("properties", "spec", "enum"), "enum must be a list"),
    (with_spec({"type": "integer", "minimum": "1"}), ("properties", "spec", "minimum"),
     "minimum must be a number"),
    (with_spec({"type": "string", "maxLength": -1}), ("properties", "spec", "maxLength"), "non-negative"),
    (with_spec({"type": "string", "pattern": 5}), ("properties", "spec", "pattern"),
     "pattern must be a string"),
    (with_spec({"anyOf": {}}), ("properties", "spec", "anyOf"), "non-empty list"),
])
def test_broken_schemas_raise_with_their_path(schema: Any, path: tuple[str, ...], text: str) -> None:
    with pytest.raises(ConversionError) as info:
        convert(schema, ("root",))
    assert info.value.path == ("root", *path)
    assert text in info.value.message


def test_no_ref_reaches_the_output() -> None:
    converted = convert(with_spec({"$ref": "https://example.com/evil.json", "type": "object",
                                   "properties": {"x": {"$ref": "#/definitions/y", "type": "string"}}}))
    assert "$ref" not in repr(converted)
