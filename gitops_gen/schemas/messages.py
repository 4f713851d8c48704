"""Turn jsonschema-rs errors into readable problems located at a field path.

``unknown field "replica" in spec`` is reported at the key of the unknown field; a wrong type
or value at the value; a missing required field at the key of the object that lacks it.
One-of/any-of failures are unpicked: when every alternative but one fails only on the type,
the errors of that one alternative are reported (so an int-or-string field with a bad string
reports the string's problem, not "does not match any schema").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from gitops_gen.model import FieldPath, format_path
from gitops_gen.records import record
from gitops_gen.schemas.names import DESCRIPTIONS

#: Findings per document beyond which the rest are summarised in one line.
MAX_PROBLEMS = 100
_MAX_VALUE = 60
_NUMERIC_TYPES = frozenset({"integer", "number"})


@record
class Problem:
    """One schema error: the field it is about, where to point, and what to say."""

    path: FieldPath
    message: str
    #: The path to locate and whether to point at its key (True) or its value (False).
    at: FieldPath
    at_key: bool
    #: For a missing required field: its name (problems of one object are merged).
    missing: str | None = None


def show(value: Any) -> str:
    """A value as compact JSON, shortened for a one-line message."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _where(path: FieldPath) -> str:
    return format_path(path) if path else "the top level"


def _field(path: FieldPath, text: str) -> str:
    return f"{format_path(path)}: {text}" if path else text


def _type_hint(value: Any, expected: Sequence[str]) -> str:
    if isinstance(value, str) and _NUMERIC_TYPES.intersection(expected):
        try:
            float(value)
        except ValueError:
            return ""
        return " (remove the quotes to make it a number)"
    if isinstance(value, str) and "boolean" in expected and value.lower() in ("true", "false"):
        return " (remove the quotes to make it a boolean)"
    if "string" in expected and isinstance(value, (bool, int, float)):
        return " (quote it: YAML reads it as a " + ("boolean" if isinstance(value, bool) else "number") + ")"
    return ""


def _type_message(path: FieldPath, value: Any, types: Sequence[str]) -> str:
    expected = [t for t in types if t != "null"] or list(types)
    shown = "null" if value is None else show(value)
    return _field(path, f"{shown} is not of type {' or '.join(expected)}{_type_hint(value, expected)}")


def _pattern_text(value: Any, pattern: str) -> str:
    description = DESCRIPTIONS.get(pattern)
    if description:
        return f"{show(value)} {description}"
    return f"{show(value)} does not match the pattern {pattern}"


def _types_only(branch: Sequence[Any], path: list[str | int]) -> list[str] | None:
    """The expected types when a one-of/any-of alternative failed only on the value's type."""
    types: list[str] = []
    for error in branch:
        if error.kind.name != "type" or list(error.instance_path) != path:
            return None
        types.extend(error.kind.types)
    return types


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: FieldPath, message: str, at: FieldPath | None = None, at_key: bool = False,
            missing: str | None = None) -> None:
        self.problems.append(Problem(path, message, path if at is None else at, at_key, missing))

    def error(self, error: Any) -> None:
        kind = error.kind
        name: str = kind.name
        path: FieldPath = tuple(error.instance_path)
        value = error.instance
        if name in ("additionalProperties", "unevaluatedProperties"):
            for key in kind.unexpected:
                where = f" in {format_path(path)}" if path else ""
                self.add((*path, key), f'unknown field "{key}"{where}', at_key=True)
        elif name == "required":
            where = f" in {format_path(path)}" if path else ""
            self.add((*path, kind.property), f'missing required field "{kind.property}"{where}', at=path,
                     at_key=True, missing=kind.property)
        elif name == "type":
            self.add(path, _type_message(path, value, kind.types))
        elif name == "enum":
            options = [o for o in kind.options if o not in ("", None)]
            self.add(path, _field(path, f"{show(value)} is not one of {show_all(options)}"))
        elif name == "const":
            self.add(path, _field(path, f"must be {show(kind.expected_value)}, not {show(value)}"))
        elif name == "pattern":
            self.add(path, _field(path, _pattern_text(value, kind.pattern)))
        elif name == "propertyNames":
            self._property_name(path, kind.error)
        elif name in ("anyOf", "oneOf"):
            self._junction(error, path, value)
        else:
            self.add(path, _field(path, _simple(name, kind, value, error.message)))

    def _property_name(self, path: FieldPath, inner: Any) -> None:
        key = inner.instance
        if inner.kind.name == "pattern":
            text = _pattern_text(key, inner.kind.pattern)
        else:
            text = f"{show(key)}: {inner.message}"
        self.add((*path, str(key)), f"{_where(path)}: key {text}", at_key=True)

    def _junction(self, error: Any, path: FieldPath, value: Any) -> None:
        branches: list[list[Any]] = list(getattr(error.kind, "context", None) or [])
        if type(error.kind).__name__ == "OneOfMultipleValid":
            self.add(path, _field(path, f"{show(value)} matches more than one of the allowed forms"))
            return
        expected: list[str] = []
        useful: list[list[Any]] = []
        for branch in branches:
            types = _types_only(branch, list(error.instance_path))
            if types is None:
                useful.append(branch)
            else:
                expected.extend(t for t in types if t not in expected)
        if len(useful) == 1:
            for inner in useful[0]:
                self.error(inner)
        elif not useful and expected:
            self.add(path, _type_message(path, value, expected))
        else:
            self.add(path, _field(path, f"{show(value)} does not match any of the allowed forms"))


def show_all(values: Sequence[Any]) -> str:
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":"), default=str)


def _simple(name: str, kind: Any, value: Any, fallback: str) -> str:
    limit = getattr(kind, "limit", None)
    texts = {
        "minLength": f"{show(value)} is shorter than {limit} characters",
        "maxLength": f"{show(value)} is longer than {limit} characters",
        "minimum": f"{show(value)} is less than the minimum {limit}",
        "maximum": f"{show(value)} is greater than the maximum {limit}",
        "exclusiveMinimum": f"{show(value)} must be greater than {limit}",
        "exclusiveMaximum": f"{show(value)} must be less than {limit}",
        "minItems": f"has {_size(value)} items, fewer than the minimum {limit}",
        "maxItems": f"has {_size(value)} items, more than the maximum {limit}",
        "minProperties": f"has {_size(value)} fields, fewer than the minimum {limit}",
        "maxProperties": f"has {_size(value)} fields, more than the maximum {limit}",
        "uniqueItems": "has duplicate items",
        "multipleOf": f"{show(value)} is not a multiple of {getattr(kind, 'multiple_of', '?')}",
        "falseSchema": "is not allowed here",
        "not": f"{show(value)} is not allowed here (it must not match {show(getattr(kind, 'schema', None))})",
    }
    return texts.get(name, fallback)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (list, dict, str)) else 0


def describe(errors: Iterable[Any], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """Readable problems for the errors of one document: one per field path, required fields of
    one object merged, at most ``limit`` (plus one line counting the rest)."""
    collector = _Collector()
    for error in errors:
        collector.error(error)
    seen: set[FieldPath] = set()
    missing: dict[FieldPath, list[str]] = {}
    out: list[Problem] = []
    for problem in collector.problems:
        if problem.path in seen:
            continue
        seen.add(problem.path)
        if problem.missing is not None:
            if problem.at in missing:
                missing[problem.at].append(problem.missing)
                continue
            missing[problem.at] = [problem.missing]
        out.append(problem)
    merged = [_merge_missing(p, missing) for p in out]
    if len(merged) > limit:
        rest = len(merged) - limit
        summary = Problem((), f"{rest} more schema errors in this object not shown", (), True)
        merged = [*merged[:limit], summary]
    return merged


def _merge_missing(problem: Problem, missing: dict[FieldPath, list[str]]) -> Problem:
    names = missing.get(problem.at) if problem.missing is not None else None
    if not names or len(names) == 1:
        return problem
    where = f" in {format_path(problem.at)}" if problem.at else ""
    fields = ", ".join(f'"{n}"' for n in names)
    return Problem(problem.path, f"missing required fields {fields}{where}", problem.at, True)
