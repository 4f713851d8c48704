"""ValidatingAdmissionPolicies and their bindings, read from policy folders and compiled once.

Only ``admissionregistration.k8s.io/v1`` ValidatingAdmissionPolicy and
ValidatingAdmissionPolicyBinding documents are taken from a folder: tests, sample resources and
JSON files beside them are left alone.  Every expression is compiled when the policy is loaded
(once per run); what the API server would refuse is a :class:`PolicyError` with the file and the
line of the expression: a syntax error, an undeclared name or a type error the checker finds, and
``authorizer``, which cannot exist offline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gitops_gen.cel.formats import rewrite as rewrite_formats
from gitops_gen.cel.inline import weave
from gitops_gen.cel.library import FORMAT_SINCE, SEMVER_SINCE, environment
from gitops_gen.cel.match import MatchResources, read_match, read_selector
from gitops_gen.cel.typecheck import matched_definitions, unknown_field
from gitops_gen.errors import GitopsGenError
from gitops_gen.model import FieldPath, Resource, Severity
from gitops_gen.records import record
from gitops_gen.schemas.versions import Version

GROUP_VERSION = "admissionregistration.k8s.io/v1"
POLICY_KIND, BINDING_KIND = "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"
SEVERITY_ANNOTATION = "gitops-gen.io/severity"
DESCRIPTION_ANNOTATION = "gitops-gen.io/description"
FIELD_PATH_ANNOTATION = "gitops-gen.io/field-path."
_AUTHORIZER = re.compile(r"\bauthorizer\b")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIELD_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class PolicyError(GitopsGenError):
    """A policy that cannot be loaded: the API server would refuse it, or it cannot run offline."""


class PolicyWarning(GitopsGenError):
    """What the API server's type checking would warn about a policy it accepts (its status)."""


@record
class Compiled:
    """One CEL expression of a policy, compiled, with where it is written."""

    text: str
    path: FieldPath
    program: Any = field(compare=False, repr=False)


@record
class Validation:
    expression: Compiled
    message: str | None
    message_expression: Compiled | None
    reason: str | None
    #: Where a finding about it points (``gitops-gen.io/field-path.<i>``); None: the object.
    field_path: FieldPath | None


@record
class ParamRef:
    name: str | None
    namespace: str | None
    selector: Any
    #: parameterNotFoundAction: "Deny" (the default) or "Allow".
    deny_when_missing: bool


@record
class Binding:
    name: str
    match: MatchResources
    param_ref: ParamRef | None
    actions: tuple[str, ...]
    source: Resource = field(compare=False, repr=False)


@dataclass(slots=True)
class Policy:
    name: str
    severity: Severity
    description: str
    match: MatchResources
    match_conditions: tuple[tuple[str, Compiled], ...]
    variables: tuple[tuple[str, Compiled], ...]
    validations: tuple[Validation, ...]
    #: (apiVersion, kind) of its params, or None.
    param_kind: tuple[str, str] | None
    fail_closed: bool
    source: Resource = field(repr=False)
    bindings: list[Binding] = field(default_factory=list)
    #: What type checking against the matched kinds' schemas found (the policy still runs).
    warnings: list[PolicyWarning] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.source.file

    @property
    def line(self) -> int:
        return self.source.locate(())[0]


def _error(resource: Resource, path: FieldPath, message: str) -> PolicyError:
    return PolicyError(message, file=resource.file, line=resource.locate(path, key=False)[0])


def compile_expression(resource: Resource, path: FieldPath, variables: Sequence[tuple[str, str]] = (),
                       read: str | None = None, version: Version | None = None) -> Compiled:
    """The expression at ``path``, compiled with the ``variables`` it reads woven in (see
    :mod:`.inline`); ``read``: compile that text instead (a variable read with its own);
    ``version``: the Kubernetes version whose CEL libraries it may use (None: the newest)."""
    text = resource.get(path)
    if not isinstance(text, str) or not text.strip():
        raise _error(resource, path, f"{_dotted(path)}: an expression is required")
    if _AUTHORIZER.search(text):
        raise _error(resource, path, f"{_dotted(path)}: `authorizer` cannot be evaluated offline (it asks the "
                                     "cluster's authorizer about the requesting user); this policy is refused")
    rewritten = rewrite_formats(text)
    program = _compile(resource, path, rewritten, version)
    woven = weave(rewritten if read is None else rewrite_formats(read), [(n, rewrite_formats(t)) for n, t in variables])
    if woven != rewritten:  # (an expression using no variable is compiled once)
        program = _compile(resource, path, woven, version)
    return Compiled(text, path, program)


def _compile(resource: Resource, path: FieldPath, text: str, version: Version | None) -> Any:
    try:
        return environment(version).compile(text)
    except RuntimeError as exc:
        detail = str(exc).removeprefix("INVALID_ARGUMENT: ").split(" [INVALID_ARGUMENT]")[0].strip()
        if version is not None and _compiles(text):
            detail += (f"\n(a CEL library of a later Kubernetes version than the target {version[0]}.{version[1]}: "
                       f"format comes with {'.'.join(map(str, FORMAT_SINCE))}, semver with "
                       f"{'.'.join(map(str, SEMVER_SINCE))})")
        raise _error(resource, path, f"{_dotted(path)}: {detail}") from None


def _compiles(text: str) -> bool:
    """Whether ``text`` compiles with every library (then a version's environment lacked one)."""
    try:
        environment().compile(text)
    except RuntimeError:
        return False
    return True


def _dotted(path: FieldPath) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _field_path(text: str) -> FieldPath:
    """``spec.template.spec.containers[0]`` as a field path."""
    return tuple(int(index) if index else name for name, index in _FIELD_STEP.findall(text))


def _named(resource: Resource, key: str, version: Version, *, identifier: bool,
           variables: Sequence[tuple[str, str]] = ()) -> list[tuple[str, Compiled]]:
    """``variables`` (names are CEL identifiers; each compiled as read, with the variables before
    it) or ``matchConditions`` (names are qualified names)."""
    out: list[tuple[str, Compiled]] = []
    items = resource.get(("spec", key))
    if items is None:
        return out
    if not isinstance(items, list):
        raise _error(resource, ("spec", key), f"spec.{key} must be a list")
    for i, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name or (identifier and not _IDENTIFIER.fullmatch(name)):
            what = "a CEL identifier" if identifier else "a non-empty name"
            raise _error(resource, ("spec", key, i), f"spec.{key}[{i}].name must be {what}")
        if any(name == n for n, _ in out):
            raise _error(resource, ("spec", key, i, "name"), f"spec.{key}[{i}].name: duplicate name {name!r}")
        at = ("spec", key, i, "expression")
        if identifier:  # a variable: its own expression, then as read (woven with the ones before it)
            text = compile_expression(resource, at, [(n, c.text) for n, c in out], version=version).text
            out.append((name, compile_expression(resource, at, [*((n, c.text) for n, c in out), (name, text)],
                                                 read=f"variables.{name}", version=version)))
        else:
            out.append((name, compile_expression(resource, at, variables, version=version)))
    return out


def read_policy(resource: Resource, version: Version = (1, 31)) -> Policy:
    """A ValidatingAdmissionPolicy document as a compiled :class:`Policy` (PolicyError when the
    API server, or an offline evaluation, would refuse it; fields read are type-checked against
    the schemas of the kinds it matches in Kubernetes ``version``, whose CEL libraries it may use)."""
    if not resource.name:
        raise _error(resource, ("metadata",), "a ValidatingAdmissionPolicy needs metadata.name")
    annotations = resource.get(("metadata", "annotations")) or {}
    if not isinstance(annotations, dict):
        annotations = {}
    try:
        severity = Severity.parse(str(annotations.get(SEVERITY_ANNOTATION, "medium")))
    except ValueError as exc:
        raise _error(resource, ("metadata", "annotations", SEVERITY_ANNOTATION), str(exc)) from None
    constraints = resource.get(("spec", "matchConstraints"))
    if not isinstance(constraints, dict) or not constraints.get("resourceRules"):
        raise _error(resource, ("spec",), "spec.matchConstraints.resourceRules is required")
    variables = _named(resource, "variables", version, identifier=True)
    texts = [(name, compiled.text) for name, compiled in variables]
    conditions = _named(resource, "matchConditions", version, identifier=False, variables=texts)
    raw = resource.get(("spec", "validations"))
    if not isinstance(raw, list) or not raw:
        raise _error(resource, ("spec",), "spec.validations is required (auditAnnotations alone do nothing offline)")
    validations = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise _error(resource, ("spec", "validations", i), f"spec.validations[{i}] must be a mapping")
        message_expression = compile_expression(resource, ("spec", "validations", i, "messageExpression"), texts,
                                                version=version) if "messageExpression" in item else None
        where = annotations.get(f"{FIELD_PATH_ANNOTATION}{i}")
        validations.append(Validation(
            compile_expression(resource, ("spec", "validations", i, "expression"), texts, version=version),
            str(item["message"]) if item.get("message") else None, message_expression,
            str(item["reason"]) if item.get("reason") else None,
            _field_path(where) if isinstance(where, str) and where else None))
    param_kind = resource.get(("spec", "paramKind"))
    kind = (str(param_kind.get("apiVersion", "")), str(param_kind.get("kind", ""))) \
        if isinstance(param_kind, dict) else None
    policy = Policy(resource.name, severity, str(annotations.get(DESCRIPTION_ANNOTATION) or "").strip(),
                    read_match(constraints), tuple(conditions), tuple(variables), tuple(validations), kind,
                    resource.get(("spec", "failurePolicy"), "Fail") != "Ignore", resource)
    policy.warnings = _type_check(policy, version)
    return policy


def _type_check(policy: Policy, version: Version) -> list[PolicyWarning]:
    """Fields read that exist in none of the matched kinds' schemas.  The API server accepts such
    a policy and reports them in its status; a read in a branch another kind takes (``object.kind
    == 'CronJob' ? object.spec.jobTemplate : ...``) is harmless, so these are warnings."""
    out: list[PolicyWarning] = []
    definitions = matched_definitions(policy.match.rules, version)
    if not definitions:
        return out
    expressions = [c for _, c in (*policy.variables, *policy.match_conditions)]
    for v in policy.validations:
        expressions += [v.expression] + ([v.message_expression] if v.message_expression else [])
    kinds = ", ".join(d.rpartition(".")[2] for d in definitions)
    for compiled in expressions:
        missing = unknown_field(compiled.text, definitions, version)
        if missing is not None:
            out.append(PolicyWarning(f"{_dotted(compiled.path)}: {missing} is not a field of {kinds} (Kubernetes "
                                     f"{version[0]}.{version[1]} schema)", file=policy.file,
                                     line=policy.source.locate(compiled.path, key=False)[0]))
    return out


def read_binding(resource: Resource) -> tuple[str, Binding]:
    """A ValidatingAdmissionPolicyBinding: the name of its policy, and the binding."""
    policy = resource.get(("spec", "policyName"))
    if not isinstance(policy, str) or not policy:
        raise _error(resource, ("spec",), "spec.policyName is required")
    ref = resource.get(("spec", "paramRef"))
    param_ref = None
    if isinstance(ref, dict):
        param_ref = ParamRef(ref.get("name"), ref.get("namespace"),
                             read_selector(ref["selector"]) if "selector" in ref else None,
                             ref.get("parameterNotFoundAction", "Deny") != "Allow")
    actions = resource.get(("spec", "validationActions")) or ["Deny"]
    return policy, Binding(resource.name or "", read_match(resource.get(("spec", "matchResources"))), param_ref,
                           tuple(str(a) for a in actions), resource)


def is_policy_document(resource: Resource) -> bool:
    return resource.api_version == GROUP_VERSION and resource.kind in (POLICY_KIND, BINDING_KIND)


def assemble(resources: Sequence[Resource], version: Version = (1, 31)) -> list[Policy]:
    """The policies among ``resources`` with their bindings (a binding naming a policy that is not
    there, or two policies of one name, are errors)."""
    policies: dict[str, Policy] = {}
    bindings: list[tuple[str, Binding]] = []
    for resource in resources:
        if resource.kind == POLICY_KIND:
            policy = read_policy(resource, version)
            if policy.name in policies:
                raise _error(resource, ("metadata", "name"), f"policy {policy.name!r} is defined twice "
                             f"(also in {policies[policy.name].file}:{policies[policy.name].line})")
            policies[policy.name] = policy
        else:
            bindings.append(read_binding(resource))
    for name, binding in bindings:
        if name not in policies:
            raise _error(binding.source, ("spec", "policyName"), f"binding {binding.name!r} names policy {name!r}, "
                         "which is not among the policies")
        policies[name].bindings.append(binding)
    return list(policies.values())
