"""One policy over one object, as the API server admits a CREATE of it.

The object's data becomes ``object`` (``oldObject`` is null: a create), ``request`` describes the
create, ``namespaceObject`` is the tree's Namespace (or one the API server would have, with only
its name label), and ``params`` the parameter objects the binding selects.  ``variables`` were
woven into the expressions that read them when the policy was loaded (lazy bindings, as the API
server evaluates them: :mod:`.inline`), so one activation per object serves every policy.  An
expression that errors under ``failurePolicy: Fail`` is a ``policy-error`` at the expression's
line in the policy file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitops_gen.cel.library import environment
from gitops_gen.cel.match import namespace_labels, plural_of
from gitops_gen.cel.policy import Binding, Compiled, Policy, Validation
from gitops_gen.model import Resource
from gitops_gen.records import record
from gitops_gen.rules._scope import CLUSTER_SCOPED_KINDS
from gitops_gen.rules.base import Violation

_VARIABLE_USE = re.compile(r"\bvariables\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(slots=True)
class Verdict:
    """What one policy says about one object: its violations and its evaluation errors."""

    violations: list[Violation] = field(default_factory=list)
    errors: list[Violation] = field(default_factory=list)


@record
class Params:
    """A parameter object a binding may select."""

    api_version: str
    kind: str
    namespace: str | None
    name: str | None
    data: Mapping[str, Any]

    @property
    def labels(self) -> Mapping[str, Any]:
        labels = self.data.get("metadata", {}).get("labels") if isinstance(self.data.get("metadata"), dict) else None
        return labels if isinstance(labels, dict) else {}


class _EvalError(Exception):
    pass


def _run(compiled: Compiled, activation: Any) -> Any:
    from cel_expr_python import cel

    value = compiled.program.eval(activation)
    if value.type() == cel.Type.ERROR:
        raise _EvalError(str(value.value()))
    try:
        return value.plain_value()
    except TypeError:
        raise _EvalError("the value is an optional, which cannot leave the expression (call orValue() or "
                         "value() on it)") from None


def request_of(resource: Resource, plural: str) -> dict[str, Any]:
    group, version = resource.group, resource.version
    return {"uid": "", "kind": {"group": group, "version": version, "kind": resource.kind},
            "resource": {"group": group, "version": version, "resource": plural},
            "requestKind": {"group": group, "version": version, "kind": resource.kind},
            "requestResource": {"group": group, "version": version, "resource": plural},
            "name": resource.name or "", "namespace": resource.namespace or "", "operation": "CREATE",
            "userInfo": {"username": "", "groups": []}, "dryRun": False,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}}


def namespace_object(resource: Resource, namespaces: Mapping[str, Mapping[str, Any]]) -> Any:
    if resource.kind in CLUSTER_SCOPED_KINDS or not resource.namespace:
        return None
    found = namespaces.get(resource.namespace)
    if found is not None:
        return dict(found)
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": resource.namespace, "labels": namespace_labels(resource.namespace, None)}}


@dataclass(slots=True)
class Admission:
    """What every policy sees of one object: computed once per object, with one activation that
    converts the object to CEL values once for all policies without params."""

    plural: str
    data: dict[str, Any]
    _activation: Any = None

    @property
    def activation(self) -> Any:
        if self._activation is None:
            self._activation = environment().Activation(self.data)
        return self._activation


def admission_of(resource: Resource, namespaces: Mapping[str, Mapping[str, Any]],
                 plurals: Mapping[tuple[str, str], str]) -> Admission:
    found: Admission | None = resource.memo.get("admission")
    if found is None:
        plural = plural_of(resource.group, resource.kind, plurals)
        found = resource.memo["admission"] = Admission(plural, {
            "object": resource.data, "oldObject": None, "request": request_of(resource, plural),
            "namespaceObject": namespace_object(resource, namespaces), "params": None, "variables": {}})
    return found


def action_of(binding: Binding | None) -> str | None:
    """The sub-check of a binding's denials: None when it denies (or there is no binding),
    ``warn`` when it only warns, ``audit`` when it only audits (reported lower: see rules.py)."""
    if binding is None or "Deny" in binding.actions:
        return None
    return "warn" if "Warn" in binding.actions else "audit"


class Evaluator:
    """Judges objects by one policy (its programs were compiled when it was loaded)."""

    def __init__(self, policy: Policy, params: Sequence[Params] = ()) -> None:
        self.policy = policy
        kind = policy.param_kind
        self.params = [p for p in params if kind is not None and (p.api_version, p.kind) == kind]

    def judge(self, resource: Resource, namespaces: Mapping[str, Mapping[str, Any]],
              plurals: Mapping[tuple[str, str], str]) -> Verdict:
        verdict = Verdict()
        policy = self.policy
        admission = admission_of(resource, namespaces, plurals)
        if not policy.match.matches(resource, admission.plural, namespaces):
            return verdict
        bindings: list[Binding | None] = [*policy.bindings] or [None]
        for binding in bindings:
            if binding is not None and not binding.match.matches(resource, admission.plural, namespaces):
                continue
            action = action_of(binding)
            if binding is None or binding.param_ref is None:
                self._validate(admission.activation, verdict, action)
                continue
            for params in self._params(resource, binding, verdict, action):
                self._validate(environment().Activation({**admission.data, "params": params}), verdict, action)
        return verdict

    def _params(self, resource: Resource, binding: Binding, verdict: Verdict, action: str | None) -> list[Any]:
        ref = binding.param_ref
        assert ref is not None
        namespace = ref.namespace or resource.namespace
        found = [p.data for p in self.params
                 if (ref.name is None or p.name == ref.name)
                 and (p.namespace is None or p.namespace == namespace)
                 and (ref.selector is None or ref.selector.matches(p.labels))]
        if not found and ref.deny_when_missing:
            kind = "/".join(self.policy.param_kind or ("", ""))
            verdict.violations.append(Violation(
                f"no params found for binding {binding.name!r} ({kind} {ref.name or 'by selector'}; "
                "parameterNotFoundAction: Deny): give them with --params FILE or in the tree", check=action))
        return found

    def _error(self, compiled: Compiled, message: str, activation: Any, verdict: Verdict) -> None:
        if not self.policy.fail_closed:
            return
        variables = dict(self.policy.variables)
        for name in dict.fromkeys(_VARIABLE_USE.findall(compiled.text)):  # say which variable failed
            if name in variables:
                try:
                    _run(variables[name], activation)
                except _EvalError as exc:
                    message = f"variables.{name}: {exc}"
                    break
        where = ".".join(str(p) for p in compiled.path[1:])
        verdict.errors.append(Violation(f"policy {self.policy.name!r}: {where} failed to evaluate: {message}",
                                        compiled.path, at_value=True, check=self.policy.name,
                                        resource=self.policy.source))

    def _validate(self, activation: Any, verdict: Verdict, action: str | None) -> None:
        for _, condition in self.policy.match_conditions:
            try:
                matched = _run(condition, activation)
            except _EvalError as exc:
                self._error(condition, str(exc), activation, verdict)
                return
            if matched is not True:
                if matched is not False:
                    self._error(condition, f"must evaluate to a bool, not {matched!r}", activation, verdict)
                return
        for validation in self.policy.validations:
            try:
                passed = _run(validation.expression, activation)
            except _EvalError as exc:
                self._error(validation.expression, str(exc), activation, verdict)
                continue
            if passed is not True:
                if passed is not False:
                    self._error(validation.expression, f"must evaluate to a bool, not {passed!r}", activation,
                                verdict)
                    continue
                verdict.violations.append(Violation(self._message(validation, activation),
                                                    validation.field_path or (), check=action))

    @staticmethod
    def _message(validation: Validation, activation: Any) -> str:
        if validation.message_expression is not None:
            try:
                text = _run(validation.message_expression, activation)
            except _EvalError:
                text = None  # the API server falls back to message, as here
            if isinstance(text, str) and text.strip():
                return text.strip()
        if validation.message:
            return validation.message
        return f"failed expression: {validation.expression.text.strip()}"
