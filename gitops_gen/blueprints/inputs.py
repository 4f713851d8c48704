"""Checking a user's values against a blueprint before anything is rendered or written.

In order: the values must be plain data (text, numbers, booleans, lists, mappings with text keys),
name only public inputs of the blueprint, and contain no Jinja syntax anywhere (values are data,
never templates; cookiecutter would evaluate them, gitops-gen never does, and refuses them so a
template that renders a value twice cannot be tricked either).  Then the defaults are laid under
them and the result is validated against the blueprint's ``inputs`` JSON Schema, then (when the
schema passes) against the blueprint's own rules (:mod:`~gitops_gen.blueprints.names`: derived
names that would clash).  Every problem is reported at once, each with its key path.
"""

from __future__ import annotations

from gitops_gen.records import record

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from cookiecutter.exceptions import UnknownExtension

from gitops_gen.blueprints.catalog import CONTEXT_FILE, BlueprintInfo
from gitops_gen.blueprints.context import (
    Built,
    DefaultError,
    build,
    environment,
    markers,
    merge,
    present,
    template_imports,
)
from gitops_gen.blueprints.messages import describe, key, show
from gitops_gen.blueprints.names import naming_problems
from gitops_gen.errors import BlueprintError
from gitops_gen.model import FieldPath

MAX_DEPTH = 32


@record
class InputProblem:
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class InputsError(BlueprintError):
    """One or more input values are invalid; ``problems`` lists each with its key path."""

    def __init__(self, problems: list[InputProblem]) -> None:
        if len(problems) == 1:
            message = f"invalid input {problems[0]}"
        else:
            message = f"{len(problems)} invalid inputs:\n" + "\n".join(f"  {p}" for p in problems)
        super().__init__(message, key=problems[0].key)
        self.problems = problems


def apply_sets(bp: BlueprintInfo, values: Mapping[str, Any], edits: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with ``--set`` edits (:func:`~gitops_gen.blueprints.values.parse_set`) applied.

    Each edit changes the value its input would otherwise have (the given value, else the
    blueprint's default), so ``teams.research.gpu_quota=4`` changes one field of the default team
    and ``teams.serving=`` (null) removes one; a value given whole (in a values file) replaces the
    default whole.  Nothing is validated here: :func:`resolve_inputs` does that.
    """
    defaults = {item.name: item.default for item in bp.inputs}
    out = dict(values)
    for name, edit in edits.items():
        current = out.get(name)
        if current is None:
            current = defaults.get(name)
        out[name] = merge(current, edit) if isinstance(edit, Mapping) else edit
    return out


def resolve_inputs(bp: BlueprintInfo, values: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults + ``values``, validated: the typed answers in ``cookiecutter.json`` order.

    A given input replaces its default whole (``None`` keeps the default).

    Raises :class:`InputsError` (a :class:`BlueprintError` whose ``key`` is the first bad key).
    """
    return resolve(bp, values).answers


def resolve(bp: BlueprintInfo, values: Mapping[str, Any]) -> Built:
    """:func:`resolve_inputs`, keeping the template context built on the way."""
    with template_imports(str(bp.path), bp.options):
        try:
            env = environment(bp.options)
        except UnknownExtension as exc:
            raise BlueprintError(str(exc), file=str(bp.path / CONTEXT_FILE)) from None
        problems = list(_check_given(bp, values, markers(env)))
        if problems:
            raise InputsError(problems)
        try:
            built = build(bp.options, values, env)
        except DefaultError as exc:
            raise BlueprintError(f"the default of {exc.key!r} does not render: {exc.error}", key=exc.key,
                                 file=str(bp.path / CONTEXT_FILE)) from None
    problems = _validate(bp, built)
    if not problems:  # the blueprint's own rules read valid answers only
        problems = [InputProblem(k, m) for k, m in naming_problems(bp, built.answers)]
    if problems:
        raise InputsError(problems)
    return built


def _check_given(bp: BlueprintInfo, values: Mapping[str, Any], jinja: tuple[str, ...]) -> list[InputProblem]:
    if not isinstance(values, Mapping):
        return [InputProblem("(inputs)", "must be a mapping of input names to values")]
    public = [k for k in bp.options if not k.startswith("_")]
    problems: list[InputProblem] = []
    for name, value in values.items():
        if not isinstance(name, str):
            problems.append(InputProblem(show(name), "input names must be text"))
            continue
        if name.startswith("_") and name in bp.options:
            problems.append(InputProblem(name, "is a private setting of the blueprint and cannot be set"))
            continue
        if name not in public:
            close = difflib.get_close_matches(name, public, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"inputs are: {', '.join(public)}"
            problems.append(InputProblem(key((name,)), f"unknown input; {hint}"))
            continue
        problems.extend(_check_data(value, (name,), jinja))
    return problems


def _check_data(value: Any, path: FieldPath, jinja: tuple[str, ...]) -> list[InputProblem]:
    if len(path) > MAX_DEPTH:
        return [InputProblem(key(path[:MAX_DEPTH]), f"nested more than {MAX_DEPTH} levels deep")]
    if value is None or isinstance(value, (bool, int)):
        return []
    if isinstance(value, float):
        if math.isfinite(value):
            return []
        return [InputProblem(key(path), f"must be a finite number (got {value})")]
    if isinstance(value, str):
        return _check_text(value, path, jinja, "value")
    problems: list[InputProblem] = []
    if isinstance(value, list):
        for index, item in enumerate(value):
            problems.extend(_check_data(item, (*path, index), jinja))
        return problems
    if isinstance(value, Mapping):
        for name, item in value.items():
            if not isinstance(name, str):
                problems.append(InputProblem(key(path), f"key {show(name)} must be text"))
                continue
            problems.extend(_check_text(name, (*path, name), jinja, "key"))
            problems.extend(_check_data(item, (*path, name), jinja))
        return problems
    return [InputProblem(key(path), f"unsupported value of type {type(value).__name__}; use text, numbers, "
                                    "true/false, lists or mappings")]


def _check_text(text: str, path: FieldPath, jinja: tuple[str, ...], what: str) -> list[InputProblem]:
    found = [m for m in jinja if m in text]
    if found:
        return [InputProblem(key(path), f"{what} contains template syntax {found[0]!r}; values are data, "
                                        "never templates")]
    if "\0" in text:
        return [InputProblem(key(path), f"{what} contains a NUL character")]
    return []


def _validate(bp: BlueprintInfo, built: Built) -> list[InputProblem]:
    validator = jsonschema_rs.validator_for(dict(bp.schema), validate_formats=True)
    found: dict[tuple[str, str], InputProblem] = {}
    for error in validator.iter_errors(built.answers):
        for path, message in describe(error, bp.schema):
            problem = InputProblem(key(path), message)
            found.setdefault((problem.key, problem.message), problem)
    flagged = {p.key for p in found.values()}
    for name, choices in built.choices.items():
        if name not in flagged and present(built.answers[name]) not in choices:
            problem = InputProblem(name, f"must be one of {', '.join(show(c) for c in choices)} "
                                         f"(got {show(built.answers[name])})")
            found[(problem.key, problem.message)] = problem
    return sorted(found.values(), key=lambda p: p.key)
