"""hpa-replicas-conflict: a workload sets ``spec.replicas`` while an autoscaler owns that field.

A HorizontalPodAutoscaler (or a KEDA ScaledObject, which drives one) writes ``spec.replicas`` of
its target.  If the manifest in Git sets it too, Argo CD sees the autoscaled count as drift
(OutOfSync), and every sync - self-heal, or any unrelated change to the Application - applies
the Git value again: the Kubernetes HPA documentation warns that applying a manifest with
``spec.replicas`` scales the workload to that number.  A model server scaled to 12 replicas for
peak traffic drops to 2 until the autoscaler notices.

Fix it in one of two ways:

1. remove ``spec.replicas`` from the manifest (the autoscaler's ``minReplicas`` takes over), or
2. in the Argo CD Application that deploys it, ignore the field **and** respect that at sync::

       spec:
         ignoreDifferences:
         - {group: apps, kind: Deployment, name: model-server, jsonPointers: [/spec/replicas]}
         syncPolicy:
           syncOptions: [RespectIgnoreDifferences=true]

   ``ignoreDifferences`` alone only hides the diff: Argo CD still applies the ignored field at
   sync unless ``RespectIgnoreDifferences=true`` is set (Argo CD sync options documentation).

Sub-checks: ``replicas-set`` (nothing ignores the field) and ``ignored-without-respect`` (an
Application ignores it without ``RespectIgnoreDifferences=true``).

How matching works, with every input of the run:

- workloads: Deployments and StatefulSets (``apps``) and Argo Rollouts with a non-null
  ``spec.replicas``;
- autoscalers: HorizontalPodAutoscalers (``spec.scaleTargetRef`` kind/name/apiVersion) and KEDA
  ScaledObjects (``spec.scaleTargetRef``; kind defaults to Deployment), in the same namespace -
  an object without a namespace matches any, since the Argo CD destination decides it;
- ignores: ``spec.ignoreDifferences`` of Applications and ApplicationSet templates, matched as
  Argo CD does (group and kind are globs, empty name/namespace match all; templated values
  match anything), with a JSON pointer ``/spec/replicas`` (or ``/spec``), a jq path
  ``.spec.replicas`` (or ``.spec``), or ``managedFieldsManagers`` naming
  ``kube-controller-manager`` (the HPA controller).  A system-wide ignore in an ``argocd-cm``
  ConfigMap among the inputs (``resource.customizations.ignoreDifferences.apps_Deployment``, or
  ``.all``) also counts; the Applications still need ``RespectIgnoreDifferences=true``, which
  this rule cannot tie to them.

The finding is on the workload's ``replicas:`` line and names the autoscaler and where it is.

Options: none.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec:                        # no replicas: the HPA's minReplicas applies
      selector: {matchLabels: {app: model-server}}
      template: ...
    ---
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: model-server, namespace: serving}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: model-server}
      minReplicas: 2
      maxReplicas: 12

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec:
      replicas: 2                # <- reported (with the HPA above among the inputs)
      selector: {matchLabels: {app: model-server}}
      template: ...
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import app_spec
from gitops_gen.rules._util import items, mapping, source_order, strings, templated, text
from gitops_gen.rules.base import RuleContext, Violation

ID = "hpa-replicas-conflict"
SEVERITY = Severity.MEDIUM
CATEGORY = "tree"
DESCRIPTION = "Workload sets spec.replicas while an HPA or KEDA ScaledObject scales it (Argo CD resets it)."
OPTIONS: dict[str, object] = {}
KINDS = frozenset({"Deployment", "StatefulSet", "Rollout", "HorizontalPodAutoscaler", "ScaledObject",
                   "Application", "ApplicationSet", "ConfigMap"})

_WORKLOAD_GROUPS = {"Deployment": "apps", "StatefulSet": "apps", "Rollout": "argoproj.io"}
_POINTERS = {"/spec", "/spec/replicas"}
_JQ_PATHS = {".spec", ".spec.replicas", '.spec["replicas"]', ".spec|.replicas"}
_CM_PREFIX = "resource.customizations.ignoreDifferences."
_CM_MARKERS = ("/spec/replicas", ".spec.replicas", "kube-controller-manager")


@dataclass(frozen=True, slots=True)
class _Scaler:
    resource: Resource
    kind: str
    name: str
    group: str | None  # None: any group

    def describe(self) -> str:
        line = self.resource.locate(())[0]
        return f"{self.resource.kind} {self.resource.name or '<unnamed>'} ({self.resource.file}:{line})"


@dataclass(frozen=True, slots=True)
class _Ignore:
    group: str
    kind: str
    name: str
    namespace: str
    respected: bool
    source: str


def _scaler(resource: Resource) -> _Scaler | None:
    if resource.kind == "HorizontalPodAutoscaler" and resource.group == "autoscaling":
        ref, default_kind = mapping(resource.get(("spec", "scaleTargetRef"))), None
    elif resource.kind == "ScaledObject" and resource.group == "keda.sh":
        ref, default_kind = mapping(resource.get(("spec", "scaleTargetRef"))), "Deployment"
    else:
        return None
    if ref is None:
        return None
    name, kind = text(ref.get("name")), text(ref.get("kind")) or default_kind
    api_version = text(ref.get("apiVersion"))
    if not name or not kind:
        return None
    group = api_version.rpartition("/")[0] if api_version else None
    return _Scaler(resource, kind, name, group)


def _ignores_replicas(entry: Mapping[str, Any]) -> bool:
    pointers = {p.strip().rstrip("/") for _, p in strings(entry.get("jsonPointers"))}
    jq = {"".join(p.split()) for _, p in strings(entry.get("jqPathExpressions"))}
    managers = {m for _, m in strings(entry.get("managedFieldsManagers"))}
    return bool(pointers & _POINTERS or jq & _JQ_PATHS or "kube-controller-manager" in managers)


def _respects(sync_options: Any) -> bool:
    for _, option in strings(sync_options):
        key, _, value = option.partition("=")
        if key.strip() == "RespectIgnoreDifferences" and value.strip().lower() == "true":
            return True
    return False


def _app_ignores(resource: Resource) -> Iterator[_Ignore]:
    app = app_spec(resource)
    if app is None:
        return
    sync_policy = mapping(app.spec.get("syncPolicy"))
    respected = sync_policy is not None and _respects(sync_policy.get("syncOptions"))
    for _, entry in items(app.spec.get("ignoreDifferences")):
        if _ignores_replicas(entry):
            fields = [entry.get(k) for k in ("group", "kind", "name", "namespace")]
            group, kind, name, namespace = (f if isinstance(f, str) else "" for f in fields)
            yield _Ignore(group, kind, name, namespace, respected, app.label)


def _cm_ignores(resource: Resource) -> Iterator[_Ignore]:
    if resource.kind != "ConfigMap" or resource.name != "argocd-cm":
        return
    for key, value in (mapping(resource.data.get("data")) or {}).items():
        if not (isinstance(key, str) and key.startswith(_CM_PREFIX) and isinstance(value, str)):
            continue
        if not any(marker in value for marker in _CM_MARKERS):
            continue
        suffix = key[len(_CM_PREFIX):]
        group, _, kind = ("*", "", "*") if suffix == "all" else suffix.rpartition("_")
        yield _Ignore(group, kind, "", "", True, "argocd-cm")


def _matches(pattern: str, value: str) -> bool:
    return templated(pattern) or fnmatch.fnmatchcase(value, pattern)


def _covers(ignore: _Ignore, workload: Resource) -> bool:
    return (_matches(ignore.group, workload.group) and _matches(ignore.kind, workload.kind)
            and (not ignore.name or templated(ignore.name) or ignore.name == workload.name)
            and (not ignore.namespace or templated(ignore.namespace) or workload.namespace is None
                 or ignore.namespace == workload.namespace))


def _targets(scaler: _Scaler, workload: Resource) -> bool:
    same_ns = scaler.resource.namespace is None or workload.namespace is None \
        or scaler.resource.namespace == workload.namespace
    return (scaler.kind == workload.kind and scaler.name == workload.name and same_ns
            and (scaler.group is None or scaler.group == workload.group))


def _scaled(workload: Resource) -> bool:
    """A workload kind an autoscaler can own, with ``spec.replicas`` set."""
    kind_ok = _WORKLOAD_GROUPS.get(workload.kind) == workload.group
    return kind_ok and workload.get(("spec", "replicas")) is not None


def check_tree(resources: Sequence[Resource], ctx: RuleContext) -> Iterator[Violation]:
    resources = source_order(resources)
    scalers: dict[tuple[str, str], list[_Scaler]] = {}
    for found in map(_scaler, resources):
        if found is not None:
            scalers.setdefault((found.kind, found.name), []).append(found)
    if not scalers:
        return
    ignores = [i for r in resources for i in (*_app_ignores(r), *_cm_ignores(r))]
    at = ("spec", "replicas")
    for workload in filter(_scaled, resources):
        candidates = scalers.get((workload.kind, workload.name or ""), [])
        owners = [s for s in candidates if _targets(s, workload)]
        if not owners:
            continue
        covering = [i for i in ignores if _covers(i, workload)]
        if any(i.respected for i in covering):
            continue
        others = f" (and {len(owners) - 1} more)" if len(owners) > 1 else ""
        scaler = owners[0].describe()
        head = f"{workload.kind} {workload.name} sets spec.replicas while {scaler}{others} scales it"
        if covering:
            message = (f"{head}; {covering[0].source} ignores the field but without "
                       "RespectIgnoreDifferences=true, so every sync still resets the replica count; "
                       "add that sync option")
            yield Violation(message, at, False, "ignored-without-respect", workload)
        else:
            message = (f"{head}: every Argo CD sync resets the replica count the autoscaler chose; remove "
                       "spec.replicas, or ignore /spec/replicas in the Application with "
                       "RespectIgnoreDifferences=true")
            yield Violation(message, at, False, "replicas-set", workload)
