"""Admission policies as rules of the catalogue: the engine runs them like any other rule.

Every ValidatingAdmissionPolicy loaded from the policy folders becomes a per-resource rule whose
id is its ``metadata.name`` (severity from ``gitops-gen.io/severity``, default medium), so the
configuration (``rules:``, severities), waivers, reporters and the pull-request gate treat it as
they treat a bundled rule.  One more rule, ``policy-error``, reports the expressions that failed
to evaluate, at their line in the policy file.  A policy evaluates an object once per run: the
policy's rule and ``policy-error`` share the verdict through the object's memo (``policy-error``
comes after the policies in the catalogue, so it reads what they found).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_gen.cel.evaluate import Evaluator, Params, Verdict
from gitops_gen.cel.policy import Policy
from gitops_gen.model import Resource, Severity
from gitops_gen.rules import RuleInfo
from gitops_gen.rules.base import RuleContext, Violation

CATEGORY = "custom-policy"
POLICY_ERROR = "policy-error"
_MEMO = "admission-policies"
#: Denials through a binding whose validationActions only warn or audit (the API server admits
#: the object): reported lower than the policy's severity, unless the configuration sets one.
ACTION_SEVERITIES = {"warn": Severity.LOW, "audit": Severity.INFO}
_ERROR_DOC = """An expression of a ValidatingAdmissionPolicy failed to evaluate on an object.

With `failurePolicy: Fail` (the default) the API server rejects the request when an expression
errors, so an object that would make a policy error is reported: on the line of the expression
in the policy file, naming the policy as the sub-check and the object in the message.  With
`failurePolicy: Ignore` the API server admits the object and nothing is reported.

Common causes: selecting a field the object does not have (`object.spec.foo` where `foo` is
absent: test with `has()` or read it with `.?foo.orValue(...)`), a variable that errors, or a
`matches()` pattern that is not a valid regular expression."""


def verdict_of(resource: Resource, evaluator: Evaluator, ctx: RuleContext) -> Verdict:
    """The verdict of one policy on ``resource``, computed once and kept in its memo."""
    verdicts: dict[str, Verdict] = resource.memo.setdefault(_MEMO, {})
    found = verdicts.get(evaluator.policy.name)
    if found is None:
        index = ctx.index
        namespaces = index.namespace_objects if index is not None else {}
        plurals = index.crd_plurals if index is not None else {}
        found = verdicts[evaluator.policy.name] = evaluator.judge(resource, namespaces, plurals)
    return found


@dataclass(frozen=True, slots=True, eq=False)
class PolicyCheck:
    """The ``check`` of one policy's rule (a value the result cache fingerprints by its source)."""

    evaluator: Evaluator
    digest: str

    def __call__(self, resource: Resource, ctx: RuleContext) -> Iterable[Violation]:
        return verdict_of(resource, self.evaluator, ctx).violations

    def __fingerprint__(self) -> Any:
        return ["admission-policy", self.evaluator.policy.name, self.digest]


@dataclass(frozen=True, slots=True, eq=False)
class ErrorCheck:
    """The ``check`` of ``policy-error``: the errors the policies met on this object."""

    names: tuple[str, ...]
    digest: str

    def __call__(self, resource: Resource, ctx: RuleContext) -> Iterable[Violation]:
        verdicts: dict[str, Verdict] = resource.memo.get(_MEMO, {})
        return [e for name in self.names if (v := verdicts.get(name)) is not None for e in v.errors]

    def __fingerprint__(self) -> Any:
        return ["admission-policy-errors", list(self.names), self.digest]


def _doc(policy: Policy) -> str:
    lines = [f"A custom policy: the ValidatingAdmissionPolicy defined in `{policy.file}` (line {policy.line}).",
             "", "Validations:", ""]
    for v in policy.validations:
        lines.append(f"- `{v.expression.text.strip()}`" + (f": {v.message}" if v.message else ""))
    if policy.bindings:
        lines += ["", "Bindings: " + ", ".join(b.name for b in policy.bindings)]
    return "\n".join(lines)


def policy_rules(policies: Sequence[Policy], params: Sequence[Params], sources: Sequence[bytes]) -> list[RuleInfo]:
    """One rule per policy, then ``policy-error``; ``sources`` (the policy files' and params'
    bytes) fingerprint them for the result cache."""
    digest = hashlib.sha256(b"\0".join(sources)).hexdigest()
    out = []
    for policy in policies:
        description = policy.description or (policy.validations[0].message or f"admission policy {policy.name}")
        out.append(RuleInfo(
            id=policy.name, severity=policy.severity, category=CATEGORY, description=description.splitlines()[0],
            doc=_doc(policy), options={}, kinds=None, check_severities=ACTION_SEVERITIES,
            check=PolicyCheck(Evaluator(policy, params), digest), collect=None, check_tree=None))
    out.append(RuleInfo(
        id=POLICY_ERROR, severity=Severity.HIGH, category=CATEGORY,
        description="An expression of a custom admission policy failed to evaluate (the API server would reject).",
        doc=_ERROR_DOC, options={}, kinds=None, check_severities={},
        check=ErrorCheck(tuple(p.name for p in policies), digest), collect=None, check_tree=None))
    return out
