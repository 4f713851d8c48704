"""Turn JSON Schema errors about blueprint inputs into messages a person can act on.

Each error becomes ``(key path, message)``: ``teams.research.gpu_quota: must be a positive
integer (got 0)``.  A template author can word the message for a part of the schema with the
``errorMessage`` keyword (the ajv-errors convention, a string) beside the failing keyword;
otherwise the message is built from the keyword, its limit and the value.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath, format_path

_ARTICLE = {"integer": "an integer", "object": "a mapping", "array": "a list", "string": "a string",
            "boolean": "true or false", "number": "a number", "null": "null"}
_FORMATS = {"uri": "a URL", "uri-reference": "a URL", "email": "an email address", "hostname": "a host name",
            "ipv4": "an IPv4 address", "ipv6": "an IPv6 address", "date": "a date (YYYY-MM-DD)"}


def show(value: Any, limit: int = 60) -> str:
    """A value as a person would type it, shortened."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def key(path: FieldPath) -> str:
    return format_path(path) or "(inputs)"


def subschema(schema: Mapping[str, Any], schema_path: list[Any]) -> Mapping[str, Any]:
    """The schema object that holds the failing keyword (``schema_path`` minus its last step)."""
    node: Any = schema
    for step in schema_path[:-1]:
        in_mapping = isinstance(node, Mapping) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if not (in_mapping or in_list):
            return {}
        node = node[step]
    return node if isinstance(node, Mapping) else {}


def _positive(sub: Mapping[str, Any]) -> bool:
    return sub.get("type") == "integer" and (sub.get("minimum") == 1 or sub.get("exclusiveMinimum") == 0)


def describe(error: Any, schema: Mapping[str, Any]) -> Iterator[tuple[FieldPath, str]]:
    """``(path, message)`` for one ``jsonschema_rs.ValidationError``."""
    kind = error.kind
    name = type(kind).__name__
    path: FieldPath = tuple(error.instance_path)
    sub = subschema(schema, list(error.schema_path))
    value = error.instance
    custom = sub.get("errorMessage") if isinstance(sub.get("errorMessage"), str) else None

    if name in ("AdditionalProperties", "UnevaluatedProperties"):
        known = sorted(sub.get("properties", {})) if isinstance(sub.get("properties"), Mapping) else []
        for extra in sorted(kind.unexpected):
            yield (*path, extra), _unknown(str(extra), known)
        return
    if name == "Required":
        yield (*path, kind.property), "is required"
        return
    if name == "PropertyNames":
        nested = kind.error
        bad = nested.instance
        inner = subschema(schema, list(nested.schema_path))
        why = inner.get("errorMessage") if isinstance(inner.get("errorMessage"), str) else None
        yield (*path, str(bad)), f"invalid name {show(bad)}: {why or _plain(nested, inner)}"
        return
    if custom:
        yield path, f"{custom} (got {show(value)})"
        return
    condition = _condition(schema, list(error.schema_path))
    if condition and name in ("Constant", "Enum"):
        yield path, _conditional(error, sub, path, condition)
        return
    yield path, _plain(error, sub)


def _condition(schema: Mapping[str, Any], schema_path: list[Any]) -> str | None:
    """``cloud is "generic"`` when the failing keyword sits in the ``then`` of an ``if`` that reads
    one or more inputs' ``const``/``enum``; None otherwise."""
    steps = [i for i, step in enumerate(schema_path) if step == "then"]
    if not steps:
        return None
    holder = subschema(schema, schema_path[: steps[-1] + 1])
    test = holder.get("if")
    props = test.get("properties") if isinstance(test, Mapping) else None
    if not isinstance(props, Mapping) or not props:
        return None
    parts = []
    for name, rule in props.items():
        if isinstance(rule, Mapping) and "const" in rule:
            parts.append(f"{name} is {show(rule['const'])}")
        elif isinstance(rule, Mapping) and isinstance(rule.get("enum"), list):
            parts.append(f"{name} is one of {', '.join(show(o) for o in rule['enum'])}")
        else:
            return None
    return " and ".join(parts)


def _conditional(error: Any, sub: Mapping[str, Any], path: FieldPath, condition: str) -> str:
    """A value another input rules out: say which input, why, and what to set instead."""
    kind = error.kind
    constant = type(kind).__name__ == "Constant"
    allowed = [getattr(kind, "expected_value", None)] if constant else list(kind.options)
    wanted = " or ".join(show(o) for o in allowed)
    why = sub.get("description") if isinstance(sub.get("description"), str) else None
    reason = f" ({' '.join(why.split()).rstrip('.')})" if why else ""
    fix = ""
    if allowed and isinstance(allowed[0], (str, int, bool)):
        text = allowed[0] if isinstance(allowed[0], str) else show(allowed[0])
        fix = f"; add --set {format_path(path)}={text}"
    return f"must be {wanted} when {condition}{reason} (got {show(error.instance)}){fix}"


def _unknown(extra: str, known: list[str]) -> str:
    close = difflib.get_close_matches(extra, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = f" (known keys: {', '.join(known)})" if known and len(known) <= 12 and not close else ""
    return f"unknown key{hint}{listing}"


def _plain(error: Any, sub: Mapping[str, Any]) -> str:
    kind = error.kind
    name = type(kind).__name__
    value = error.instance
    got = f"(got {show(value)})"
    if name == "Type":
        if _positive(sub) and json_type(value) != "integer":
            return f"must be a positive integer, not {_ARTICLE.get(json_type(value), json_type(value))} {got}"
        wanted = " or ".join(_ARTICLE.get(t, t) for t in kind.types)
        quotable = json_type(value) in ("integer", "number", "boolean")
        hint = " (quote it)" if "string" in kind.types and quotable else ""
        return f"must be {wanted}, not {_ARTICLE.get(json_type(value), json_type(value))} {got}{hint}"
    if name in ("Minimum", "ExclusiveMinimum"):
        if _positive(sub):
            return f"must be a positive integer {got}"
        word = "at least" if name == "Minimum" else "more than"
        return f"must be {word} {kind.limit} {got}"
    if name in ("Maximum", "ExclusiveMaximum"):
        word = "at most" if name == "Maximum" else "less than"
        return f"must be {word} {kind.limit} {got}"
    if name == "Enum":
        return f"must be one of {', '.join(show(o) for o in kind.options)} {got}"
    if name == "Constant":
        expected = getattr(kind, "expected_value", None)
        return f"must be {show(expected) if expected is not None else 'a fixed value'} {got}"
    if name == "Format":
        return f"must be {_FORMATS.get(kind.format, 'a valid ' + kind.format)} {got}"
    if name == "Pattern":
        return f"must match the pattern {kind.pattern} {got}"
    if name == "MinLength":
        return "must not be empty" if kind.limit == 1 else f"must be at least {kind.limit} characters {got}"
    if name == "MaxLength":
        return f"must be at most {kind.limit} characters {got}"
    if name == "MinItems":
        return f"must have at least {kind.limit} item(s)"
    if name == "MaxItems":
        return f"must have at most {kind.limit} item(s)"
    if name == "MinProperties":
        return f"must have at least {kind.limit} entr{'y' if kind.limit == 1 else 'ies'}"
    if name == "MaxProperties":
        return f"must have at most {kind.limit} entries"
    if name == "UniqueItems":
        return "must not repeat items"
    if name in ("AnyOf", "OneOfNotValid"):
        return f"does not match any allowed form {got}"
    if name in ("Not", "FalseSchema"):
        return f"is not allowed {got}"
    return str(error.message)
