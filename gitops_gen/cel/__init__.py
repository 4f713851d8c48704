"""Custom policies: Kubernetes ValidatingAdmissionPolicies (CEL), evaluated offline.

:func:`load_policies` reads the policy folders (``--policies``, ``policies:``) and the parameter
files (``--params``), compiles every expression once, and gives the rules to add to the run's
catalogue (:func:`with_policies`).  Loading errors are :class:`PolicyError` with file and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gitops_gen.catalogue import Catalogue
from gitops_gen.cel.evaluate import Params
from gitops_gen.cel.policy import POLICY_KIND, Policy, PolicyError, PolicyWarning, assemble, is_policy_document
from gitops_gen.cel.rules import POLICY_ERROR, policy_rules
from gitops_gen.manifests.loader import SourceFile, iter_files, load_file
from gitops_gen.model import Resource
from gitops_gen.records import record
from gitops_gen.rules import RuleInfo
from gitops_gen.schemas.versions import parse_version

#: The first Kubernetes version serving admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy.
FIRST_VERSION = (1, 30)


@record
class PolicySet:
    policies: tuple[Policy, ...]
    params: tuple[Params, ...]
    rules: tuple[RuleInfo, ...]

    @property
    def warnings(self) -> list[PolicyWarning]:
        """What the API server's type checking would warn about (the policies still run)."""
        return [w for p in self.policies for w in p.warnings]


def _documents(paths: Iterable[str], words: Sequence[bytes], *, strict: bool = True
               ) -> Iterable[tuple[bytes, Resource]]:
    """The objects of the files under ``paths`` whose bytes hold one of ``words``; a YAML syntax
    error in such a file is a PolicyError when ``strict`` (in the checked tree, the check reports it)."""
    for item in iter_files(paths):
        if not isinstance(item, SourceFile):
            continue
        try:
            raw = item.read_bytes()
        except OSError as exc:
            raise PolicyError(f"cannot read: {exc.strerror}", file=item.display) from None
        if not any(word in raw for word in words):
            continue
        result = load_file(SourceFile(item.abspath, item.display, raw))
        problem = next((f for f in result.findings if f.rule in ("yaml-syntax", "duplicate-key")), None)
        if problem is not None and strict:
            raise PolicyError(problem.message, file=problem.file, line=problem.line)
        for resource in result.resources:
            yield raw, resource


def _params(files: Sequence[str], tree: Sequence[str], kinds: set[tuple[str, str]]
            ) -> tuple[list[Params], list[bytes]]:
    out: dict[tuple[str, str, str | None, str | None], Params] = {}
    sources: dict[bytes, None] = {}
    words = [kind.encode() for _, kind in kinds]
    for paths, strict in ((files, True), (tree, False)):
        for raw, resource in _documents(paths, words, strict=strict):
            key = (resource.api_version, resource.kind, resource.namespace, resource.name)
            if (resource.api_version, resource.kind) in kinds and key not in out:  # one object, read twice
                sources[raw] = None
                out[key] = Params(resource.api_version, resource.kind, resource.namespace, resource.name,
                                  resource.data)
    return list(out.values()), list(sources)


def load_policies(folders: Sequence[str], params: Sequence[str] = (), tree: Sequence[str] = (), *,
                  kubernetes_version: str = "1.31") -> PolicySet:
    """The policies in ``folders`` with their bindings, compiled; ``params`` files, the checked
    ``tree`` and the policy folders themselves (a params object kept beside its policy, as a
    repository that installs both does) supply the parameter objects of policies with a
    ``paramKind``: the first object of a name wins, in that order."""
    version = parse_version(kubernetes_version)
    if folders and version < FIRST_VERSION:
        raise PolicyError(f"ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) is served from Kubernetes "
                          f"1.30; the target is {kubernetes_version}")
    found: list[Resource] = []
    sources: list[bytes] = []
    for raw, resource in _documents(folders, [POLICY_KIND.encode()]):
        if is_policy_document(resource):
            found.append(resource)
            sources.append(raw)
    policies = assemble(found, _schema_version(version))
    kinds = {p.param_kind for p in policies if p.param_kind is not None}
    objects, param_sources = _params(params, [*tree, *folders], kinds) if kinds else ([], [])
    rules = policy_rules(policies, objects, [*sources, *param_sources]) if policies else []
    return PolicySet(tuple(policies), tuple(objects), tuple(rules))


def _schema_version(version: tuple[int, int]) -> tuple[int, int]:
    """The bundled schema version nearest at or below ``version`` (the newest when above all)."""
    from gitops_gen.schemas.versions import bundled_versions

    known = sorted(bundled_versions())
    return max((v for v in known if v <= version), default=known[-1])


def with_policies(catalogue: Catalogue, policies: PolicySet) -> Catalogue:
    """``catalogue`` plus the policies' rules (a policy named like a bundled rule is refused)."""
    for rule in policies.rules:
        if rule.id in catalogue:
            policy = next((p for p in policies.policies if p.name == rule.id), None)
            what = "reserved for policy errors" if rule.id == POLICY_ERROR else "the id of a bundled rule"
            raise PolicyError(f"policy name {rule.id!r} is {what}: rename the policy",
                              file=policy.file if policy else None,
                              line=policy.source.locate(("metadata", "name"), key=False)[0] if policy else None)
    return catalogue.with_rules(policies.rules)


__all__ = ["Params", "Policy", "PolicyError", "PolicySet", "PolicyWarning", "load_policies", "with_policies"]
