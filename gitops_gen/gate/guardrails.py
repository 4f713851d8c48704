"""Guardrails a pull request deletes or weakens (``guardrail-removed``, high).

Base and head resources are matched by (API group, kind, namespace, name), and by render unit
when the file names no namespace (:func:`identity`): the API version and the file are not part
of the identity, so a move or an apiVersion bump is no change.  Each kind
is judged by what it allows, not by its text: reordered rules, comments and unrelated metadata
give nothing, and only a change that provably lets more through is reported.  A weakening is
located in head at the weakened field; a deletion at the base file and line of the deleted object.
NetworkPolicies are judged by :mod:`gitops_gen.gate.guardrails_network`, the configuration
(``.gitops-gen.yaml``) by :mod:`gitops_gen.gate.guardrails_config`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from gitops_gen.gate.guardrails_config import (
    as_dict,
    as_list,
    covered,
    guardrail_finding,
    selector_requirements,
    weakened_config,
)
from gitops_gen.gate.guardrails_network import Weakening, network_policy
from gitops_gen.model import FieldPath, Finding, Resource
from gitops_gen.rules._gpu import parse_quantity

__all__ = ["identity", "removed_guardrails", "weakened_config"]

#: (API group, kind, namespace, name, render unit): see :func:`identity`.
Key = tuple[str, str, str | None, str | None, str | None]
#: The render unit of a resource of one tree (:class:`gitops_gen.gate.keys.Units`).
Placer = Callable[[Resource], str]


def identity(group: str, kind: str, namespace: str | None, name: str | None, unit: Callable[[], str]) -> Key:
    """Which object of the cluster a resource is: its group, kind, namespace and name.  A file
    that names no namespace gets one where it is deployed (a kustomization's ``namespace:``, an
    Application's destination), so its render unit (``unit()``) stands in for it: two teams'
    kustomize bases may each hold a budget ``sklearn-iris``.  A Namespace is cluster-scoped."""
    return group, kind, namespace, name, unit() if namespace is None and kind != "Namespace" else None


def _nowhere(resource: Resource) -> str:
    return ""

_PSS = "pod-security.kubernetes.io/enforce"
_PSS_LEVELS = {"privileged": 0, "baseline": 1, "restricted": 2}


def _index(resources: Sequence[Resource], place: Placer) -> dict[Key, Resource]:
    """Guardrail objects by identity (the first of duplicates)."""
    out: dict[Key, Resource] = {}
    for r in resources:
        if r.name is not None and (r.group, r.kind) in _KINDS:
            out.setdefault(identity(r.group, r.kind, r.namespace, r.name, functools.partial(place, r)), r)
    return out


def removed_guardrails(base: Sequence[Resource], head: Sequence[Resource],
                       places: tuple[Placer, Placer] = (_nowhere, _nowhere)) -> list[Finding]:
    """Findings for every guardrail object of ``base`` that ``head`` deletes or weakens
    (``places``: the render unit of a resource of base, of head; see :func:`identity`)."""
    heads = _index(head, places[1])
    out: list[Finding] = []
    for key, old in _index(base, places[0]).items():
        prefix, judge, guarded = _KINDS[key[:2]]
        new = heads.get(key)
        if new is None:
            if guarded(old):
                line, column = old.locate(())
                extra = f" (Pod Security enforce: {_enforce(old)})" if old.kind == "Namespace" else ""
                out.append(guardrail_finding(f"{prefix}-deleted", f"{old.ref.display()}{extra} deleted "
                                             f"(was at {old.file}:{line})", old.file, line, column, (), old.ref))
            continue
        seen: set[tuple[str, FieldPath]] = set()
        for check, what, head_path, base_path in judge(old, new):
            if (check, head_path) in seen:
                continue
            seen.add((check, head_path))
            line, column = new.locate(_existing(new, head_path))
            was = old.locate(_existing(old, base_path))[0]
            out.append(guardrail_finding(check, f"{new.ref.display()}: {what} (base: {old.file}:{was})",
                                         new.file, line, column, head_path, new.ref))
    return sorted(out, key=Finding.sort_key)


def _existing(resource: Resource, path: FieldPath) -> FieldPath:
    """The longest prefix of ``path`` present in ``resource`` (where a removed field was)."""
    missing = object()
    while path and resource.get(path, missing) is missing:
        path = path[:-1]
    return path


# --- ResourceQuota, LimitRange, PodDisruptionBudget ---------------------------------------

def _quantities(old: Any, new: Any, at_old: FieldPath, at_new: FieldPath, what: str,
                removed: str, raised: str) -> Iterator[Weakening]:
    after = as_dict(new)
    for name, value in as_dict(old).items():
        if name not in after:
            yield (removed, f"{what} {name} ({value}) removed", (*at_new, name), (*at_old, name))
            continue
        low, high = parse_quantity(value), parse_quantity(after[name])
        if low is not None and high is not None and high > low:
            yield (raised, f"{what} {name} raised from {value} to {after[name]}", (*at_new, name), (*at_old, name))


def _resource_quota(old: Resource, new: Resource) -> Iterator[Weakening]:
    at = ("spec", "hard")
    return _quantities(old.get(at), new.get(at), at, at, "hard", "resource-quota-hard-removed",
                       "resource-quota-hard-raised")


def _limit_entries(resource: Resource) -> dict[tuple[str, int], tuple[int, dict[str, Any]]]:
    out: dict[tuple[str, int], tuple[int, dict[str, Any]]] = {}
    counts: dict[str, int] = {}
    for i, entry in enumerate(as_list(resource.get(("spec", "limits")))):
        kind = str(as_dict(entry).get("type"))
        counts[kind] = counts.get(kind, -1) + 1
        out[kind, counts[kind]] = (i, as_dict(entry))
    return out


def _limit_range(old: Resource, new: Resource) -> Iterator[Weakening]:
    after = _limit_entries(new)
    for (kind, n), (i, entry) in _limit_entries(old).items():
        at_old: FieldPath = ("spec", "limits", i)
        if (kind, n) not in after:
            yield ("limit-range-limit-removed", f"the {kind} limit (spec.limits[{i}]) removed", ("spec", "limits"),
                   at_old)
            continue
        j, other = after[kind, n]
        at_new: FieldPath = ("spec", "limits", j)
        yield from _quantities(entry.get("max"), other.get("max"), (*at_old, "max"), (*at_new, "max"),
                               f"{kind} max", "limit-range-max-removed", "limit-range-max-raised")
        yield from _quantities(entry.get("maxLimitRequestRatio"), other.get("maxLimitRequestRatio"),
                               (*at_old, "maxLimitRequestRatio"), (*at_new, "maxLimitRequestRatio"),
                               f"{kind} maxLimitRequestRatio", "limit-range-max-removed", "limit-range-max-raised")
        for field in ("default", "defaultRequest"):
            kept = as_dict(other.get(field))
            for name, value in as_dict(entry.get(field)).items():
                if name not in kept:
                    yield ("limit-range-default-removed", f"{kind} {field} {name} ({value}) removed",
                           (*at_new, field, name), (*at_old, field, name))


def _budget(value: Any) -> tuple[bool, int] | None:
    """(a percentage?, the number) of an int-or-string budget."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return (text.endswith("%"), int(text.rstrip("%"))) if text.rstrip("%").isdigit() else None


def _pod_disruption_budget(old: Resource, new: Resource) -> Iterator[Weakening]:
    spec, after = as_dict(old.get(("spec",))), as_dict(new.get(("spec",)))
    for field, check, worse in (("minAvailable", "pod-disruption-budget-min-available-lowered", -1),
                                ("maxUnavailable", "pod-disruption-budget-max-unavailable-raised", 1)):
        if field not in spec:
            continue
        at = ("spec", field)
        if field not in after:
            if "minAvailable" not in after and "maxUnavailable" not in after:
                yield (check, f"{field} ({spec[field]}) removed: no disruption budget is left", at, at)
            continue
        before, now = _budget(spec[field]), _budget(after[field])
        if before and now and before[0] == now[0] and (now[1] - before[1]) * worse > 0:
            yield (check, f"{field} {'lowered' if worse < 0 else 'raised'} from {spec[field]} to {after[field]}",
                   at, at)
    at = ("spec", "selector")
    if selector_requirements(spec.get("selector")) != selector_requirements(after.get("selector")):
        yield ("pod-disruption-budget-selector-changed", "selector changed: the pods it protected are no "
               "longer the pods it selects", at, at)


# --- Namespace Pod Security, AppProject ------------------------------------------------------

def _enforce(resource: Resource) -> str | None:
    value = as_dict(resource.get(("metadata", "labels"))).get(_PSS)
    return value if value in _PSS_LEVELS else None


def _pss_version(value: Any) -> tuple[int, ...] | None:
    text = str(value if value is not None else "latest").strip().lstrip("v")
    if text == "latest":
        return (1 << 30,)
    parts = text.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def _namespace(old: Resource, new: Resource) -> Iterator[Weakening]:
    labels, after = as_dict(old.get(("metadata", "labels"))), as_dict(new.get(("metadata", "labels")))
    level, now = _enforce(old), after.get(_PSS)
    if level is None or level == "privileged":
        return
    at = ("metadata", "labels", _PSS)
    if _PSS not in after:
        yield ("pod-security-enforce-removed", f"label {_PSS}={level} removed", at, at)
    elif now in _PSS_LEVELS and _PSS_LEVELS[now] < _PSS_LEVELS[level]:
        yield ("pod-security-enforce-lowered", f"Pod Security enforce lowered from {level} to {now}", at, at)
    version = f"{_PSS}-version"
    if now in _PSS_LEVELS and now != "privileged":
        before, later = _pss_version(labels.get(version)), _pss_version(after.get(version))
        if before is not None and later is not None and later < before:
            at = ("metadata", "labels", version)
            yield ("pod-security-enforce-version-older", f"{version} moved from {labels.get(version, 'latest')} "
                   f"to the older {after.get(version)}", at, at)


def _entries(value: Any, fields: tuple[str, ...]) -> list[tuple[int, tuple[str, ...]]]:
    return [(i, tuple(str(as_dict(v).get(f, "")) for f in fields) if fields else (str(v),))
            for i, v in enumerate(as_list(value))]


def _denies(entry: tuple[str, ...]) -> bool:
    return any(part.startswith("!") for part in entry)


def _show(entry: tuple[str, ...], fields: tuple[str, ...]) -> str:
    return "{" + ", ".join(f"{f}: {v}" for f, v in zip(fields, entry, strict=True) if v) + "}" if fields else entry[0]


_KIND_FIELDS = ("group", "kind")
_LISTS = (  # field, entry fields, sub-check (…-widened: gaining entries allows more; …-narrowed: losing)
    ("sourceRepos", (), "app-project-source-repos-widened"),
    ("sourceNamespaces", (), "app-project-source-namespaces-widened"),
    ("destinations", ("server", "name", "namespace"), "app-project-destinations-widened"),
    ("clusterResourceWhitelist", _KIND_FIELDS, "app-project-cluster-whitelist-widened"),
    ("namespaceResourceWhitelist", _KIND_FIELDS, "app-project-namespace-whitelist-widened"),
    ("clusterResourceBlacklist", _KIND_FIELDS, "app-project-cluster-blacklist-narrowed"),
    ("namespaceResourceBlacklist", _KIND_FIELDS, "app-project-namespace-blacklist-narrowed"),
)


def _app_project(old: Resource, new: Resource) -> Iterator[Weakening]:
    spec, after = as_dict(old.get(("spec",))), as_dict(new.get(("spec",)))
    for field, fields, check in _LISTS:
        at: FieldPath = ("spec", field)
        before, now = _entries(spec.get(field), fields), _entries(after.get(field), fields)
        if field == "namespaceResourceWhitelist" and isinstance(spec.get(field), list) \
                and not isinstance(after.get(field), list):  # absent (or null): every namespaced kind
            yield (check, f"{field} removed: every namespaced kind is now allowed", at, at)
        elif check.endswith("-narrowed"):
            for i, entry in before:
                if not covered(entry, [e for _, e in now]):
                    yield (check, f"{field}[{i}] {_show(entry, fields)} removed: no longer denied", at, (*at, i))
        else:
            for i, entry in before:
                if _denies(entry) and entry not in [e for _, e in now]:
                    yield ("app-project-deny-removed", f"deny entry {field}[{i}] {_show(entry, fields)} removed",
                           at, (*at, i))
            allows = [e for _, e in before if not _denies(e)]
            for i, entry in now:
                if not _denies(entry) and not covered(entry, allows):
                    yield (check, f"{field}[{i}] {_show(entry, fields)} added", (*at, i), at)
    yield from _roles(spec, after)


def _policies(role: Any) -> list[tuple[str, ...]]:
    return [tuple(part.strip() for part in str(line).split(",")) for line in as_list(as_dict(role).get("policies"))]


def _roles(spec: dict[str, Any], after: dict[str, Any]) -> Iterator[Weakening]:
    """Role policy lines that allow more: an ``allow`` line no base line of the role covers, or a
    ``deny`` line removed (with its role, too)."""
    before = {str(as_dict(r).get("name")): (i, _policies(r)) for i, r in enumerate(as_list(spec.get("roles")))}
    now = {str(as_dict(r).get("name")): (j, _policies(r)) for j, r in enumerate(as_list(after.get("roles")))}
    for name, (i, lines) in before.items():
        j, kept = now.get(name, (-1, []))
        for line in lines:
            if line[-1].lower() == "deny" and line not in kept:
                at: FieldPath = ("spec", "roles", j, "policies") if j >= 0 else ("spec", "roles")
                yield ("app-project-role-policy-widened", f"role {name}: deny policy '{', '.join(line)}' removed",
                       at, ("spec", "roles", i))
    for name, (j, lines) in now.items():
        i, was = before.get(name, (-1, []))
        allows = [line for line in was if line[-1].lower() == "allow"]
        for k, line in enumerate(lines):
            if line[-1].lower() == "allow" and not covered(line, allows):
                yield ("app-project-role-policy-widened", f"role {name}: allow policy '{', '.join(line)}' added",
                       ("spec", "roles", j, "policies", k), ("spec", "roles", i) if i >= 0 else ("spec", "roles"))


Judge = Callable[[Resource, Resource], Iterator[Weakening]]
#: (group, kind) -> (sub-check prefix, judge of a kept object, whether a deleted object was a guardrail).
_KINDS: dict[tuple[str, str], tuple[str, Judge, Callable[[Resource], bool]]] = {
    ("networking.k8s.io", "NetworkPolicy"): ("network-policy", network_policy, lambda _: True),
    ("", "ResourceQuota"): ("resource-quota", _resource_quota, lambda _: True),
    ("", "LimitRange"): ("limit-range", _limit_range, lambda _: True),
    ("policy", "PodDisruptionBudget"): ("pod-disruption-budget", _pod_disruption_budget, lambda _: True),
    ("argoproj.io", "AppProject"): ("app-project", _app_project, lambda _: True),
    ("", "Namespace"): ("pod-security-namespace", _namespace, lambda r: _enforce(r) not in (None, "privileged")),
}
