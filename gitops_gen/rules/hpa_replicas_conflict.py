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

- workloads: the kinds the pod-spec walker knows as scaled through ``spec.replicas``
  (``SCALABLE_GROUPS``: Deployments, StatefulSets and ReplicaSets of ``apps``,
  ReplicationControllers, OpenShift DeploymentConfigs, Argo Rollouts, LeaderWorkerSets), each in
  its own API group, with a non-null ``spec.replicas``;
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
import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.records import record
from gitops_gen.rules._argocd import app_spec
from gitops_gen.rules._util import items, mapping, strings, templated, text
from gitops_gen.rules.base import Anchor, Option, RuleContext, Violation, anchor
from gitops_gen.rules.podspec import SCALABLE_GROUPS

ID = "hpa-replicas-conflict"
SEVERITY = Severity.MEDIUM
CATEGORY = "tree"
DESCRIPTION = "Workload sets spec.replicas while an HPA or KEDA ScaledObject scales it (Argo CD resets it)."
OPTIONS: dict[str, Option] = {}
KINDS = frozenset(SCALABLE_GROUPS) | {"HorizontalPodAutoscaler", "ScaledObject", "Application", "ApplicationSet",
                                      "ConfigMap"}

_POINTERS = {"/spec", "/spec/replicas"}
_JQ_PATHS = {".spec", ".spec.replicas", '.spec["replicas"]', ".spec|.replicas"}
_CM_PREFIX = "resource.customizations.ignoreDifferences."
_CM_MARKERS = ("/spec/replicas", ".spec.replicas", "kube-controller-manager")


@record
class Replicas:
    """Fact: a workload an autoscaler can own sets ``spec.replicas`` (``anchor``: that key)."""

    kind: str
    group: str
    name: str | None
    namespace: str | None
    anchor: Anchor


@record
class Scaler:
    """Fact: an HPA or ScaledObject scales ``kind``/``name`` (``group`` ``None``: any group)."""

    kind: str
    name: str
    group: str | None
    namespace: str | None
    #: How a message names it: ``HorizontalPodAutoscaler serving-hpa (hpa.yaml:12)``.
    label: str


@record
class Ignore:
    """Fact: an Application (or argocd-cm) ignores ``spec.replicas`` of matching objects."""

    group: str
    kind: str
    name: str
    namespace: str
    respected: bool
    source: str


def _scaler(resource: Resource) -> Scaler | None:
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
    label = f"{resource.kind} {resource.name or '<unnamed>'} ({resource.file}:{resource.locate(())[0]})"
    return Scaler(kind, name, group, resource.namespace, label)


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


def _app_ignores(resource: Resource) -> Iterator[Ignore]:
    app = app_spec(resource)
    if app is None:
        return
    sync_policy = mapping(app.spec.get("syncPolicy"))
    respected = sync_policy is not None and _respects(sync_policy.get("syncOptions"))
    for _, entry in items(app.spec.get("ignoreDifferences")):
        if _ignores_replicas(entry):
            fields = [entry.get(k) for k in ("group", "kind", "name", "namespace")]
            group, kind, name, namespace = (f if isinstance(f, str) else "" for f in fields)
            yield Ignore(group, kind, name, namespace, respected, app.label)


def _cm_ignores(resource: Resource) -> Iterator[Ignore]:
    if resource.kind != "ConfigMap" or resource.name != "argocd-cm":
        return
    for key, value in (mapping(resource.data.get("data")) or {}).items():
        if not (isinstance(key, str) and key.startswith(_CM_PREFIX) and isinstance(value, str)):
            continue
        if not any(marker in value for marker in _CM_MARKERS):
            continue
        suffix = key[len(_CM_PREFIX):]
        group, _, kind = ("*", "", "*") if suffix == "all" else suffix.rpartition("_")
        yield Ignore(group, kind, "", "", True, "argocd-cm")


def collect(resource: Resource, ctx: RuleContext) -> Iterator[Replicas | Scaler | Ignore]:
    """Workloads with ``spec.replicas``, autoscaler targets, and ignores of the field."""
    group = resource.group
    if SCALABLE_GROUPS.get(resource.kind) == group and resource.get(("spec", "replicas")) is not None:
        unscaled = ctx.index is not None and not ctx.index.autoscaled  # (then located if a finding needs it)
        yield Replicas(resource.kind, group, resource.name, resource.namespace,
                       anchor(resource, ("spec", "replicas"), deferred=unscaled))
    scaler = _scaler(resource)
    if scaler is not None:
        yield scaler
    yield from _app_ignores(resource)
    yield from _cm_ignores(resource)


def _matches(pattern: str, value: str) -> bool:
    return templated(pattern) or fnmatch.fnmatchcase(value, pattern)


def _covers(ignore: Ignore, workload: Replicas) -> bool:
    return (_matches(ignore.group, workload.group) and _matches(ignore.kind, workload.kind)
            and (not ignore.name or templated(ignore.name) or ignore.name == workload.name)
            and (not ignore.namespace or templated(ignore.namespace) or workload.namespace is None
                 or ignore.namespace == workload.namespace))


def _targets(scaler: Scaler, workload: Replicas) -> bool:
    same_ns = scaler.namespace is None or workload.namespace is None or scaler.namespace == workload.namespace
    return (scaler.kind == workload.kind and scaler.name == workload.name and same_ns
            and (scaler.group is None or scaler.group == workload.group))


class _IgnoreIndex:
    """Ignores by the literal kind they name (the usual case), so that a tree with thousands
    of Applications does not test every ignore against every workload; ``of_kind`` keeps
    source order (the first covering ignore is the one a message names)."""

    def __init__(self, ignores: Iterable[Ignore]) -> None:
        self.by_kind: dict[str, list[tuple[int, Ignore]]] = {}
        self.patterns: list[tuple[int, Ignore]] = []
        for i, ignore in enumerate(ignores):
            if templated(ignore.kind) or any(c in ignore.kind for c in "*?["):
                self.patterns.append((i, ignore))
            else:
                self.by_kind.setdefault(ignore.kind, []).append((i, ignore))

    def of_kind(self, kind: str) -> Iterator[Ignore]:
        exact = self.by_kind.get(kind, [])
        for _, ignore in heapq.merge(exact, self.patterns, key=lambda e: e[0]):
            yield ignore


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    scalers: dict[tuple[str, str], list[Scaler]] = {}
    for found in facts:
        if isinstance(found, Scaler):
            scalers.setdefault((found.kind, found.name), []).append(found)
    if not scalers:
        return
    ignores = _IgnoreIndex(f for f in facts if isinstance(f, Ignore))
    for workload in facts:
        if not isinstance(workload, Replicas):
            continue
        candidates = scalers.get((workload.kind, workload.name or ""), [])
        owners = [s for s in candidates if _targets(s, workload)]
        if not owners:
            continue
        covering = [i for i in ignores.of_kind(workload.kind) if _covers(i, workload)]
        if any(i.respected for i in covering):
            continue
        others = f" (and {len(owners) - 1} more)" if len(owners) > 1 else ""
        head = f"{workload.kind} {workload.name} sets spec.replicas while {owners[0].label}{others} scales it"
        if covering:
            message = (f"{head}; {covering[0].source} ignores the field but without "
                       "RespectIgnoreDifferences=true, so every sync still resets the replica count; "
                       "add that sync option")
            yield Violation(message, check="ignored-without-respect", anchor=workload.anchor)
        else:
            message = (f"{head}: every Argo CD sync resets the replica count the autoscaler chose; remove "
                       "spec.replicas, or ignore /spec/replicas in the Application with "
                       "RespectIgnoreDifferences=true")
            yield Violation(message, check="replicas-set", anchor=workload.anchor)
