"""dangling-reference: an object refers to something the tree does not have.

A reference that points nowhere fails quietly: the Service has no endpoints and the model
endpoint answers 503, the HPA never scales, the budget or the policy protects nothing, the pod
is never created because its ServiceAccount does not exist.  kube-linter (``dangling-*``,
``mismatching-selector``, ``*-port``, ``non-existent-service-account``) and kube-score ("Service
Targets Pod", "Ingress targets Service", "HorizontalPodAutoscaler has target", "NetworkPolicy
targets Pod", "selector labels match") report the same.

Sub-checks:

``service-selector``        a Service's selector matches no pod template (ExternalName Services
                            and Services without a selector are skipped)
``ingress-backend``         an Ingress backend names a Service the tree does not have
``hpa-target``              an HPA or KEDA ScaledObject scales a workload the tree does not have
                            (or names none)
``pdb-selector``            a PodDisruptionBudget's selector matches no pod template
``networkpolicy-selector``  a NetworkPolicy's ``podSelector`` (not ``{}``) matches no pod template
``selector-mismatch``       a Deployment's, StatefulSet's, DaemonSet's or ReplicaSet's
                            ``spec.selector`` does not match its own template's labels (the API
                            server refuses it)
``probe-port``              a probe names a port (``httpGet``/``tcpSocket``) its container does not
                            declare (the kubelet resolves a named port in the probing container)
``target-port``             a Service's named ``targetPort`` is declared by no container of the
                            pods it selects (on the Service's ``ports:`` key, naming the port)
``service-account``         ``serviceAccountName`` (or the deprecated ``serviceAccount``) names a
                            ServiceAccount the tree does not have (``default`` always exists; a
                            Kubeflow Profile provides ``default-editor`` and ``default-viewer``)

Pods are the pod templates of every object the walker knows that makes them; pods of operators
(KServe, training operators, Notebooks...) carry labels the manifest does not show, so a
selector key missing from their template is taken as met, and their ports are not judged.
Objects without a namespace match any namespace (the Argo CD destination decides).  Findings
are on the reference (the selector, the name, the probe's port; an autoscaler's
``scaleTargetRef``).  Tree rule.

Severities: ``selector-mismatch`` ``high`` (the sync fails); ``pdb-selector`` and
``networkpolicy-selector`` ``low`` (a policy written ahead of its workload is common); the
others ``medium`` (traffic or scaling silently broken).

Options:

``only-when-namespace-present`` (bool, default ``true``)
    Judge a reference only when the tree holds objects of the kind it refers to in that
    namespace (pods for selectors, Services for backends, ServiceAccounts for accounts,
    workloads for autoscalers) *in the same unit* as the referring object: the folder of the
    kustomization that builds it, else its own file (a rendered chart, an app's manifest).  A
    partial tree (one chart, one overlay, a file of network policies for components deployed
    from elsewhere) gives no noise about what lives elsewhere; what is referred to is still
    looked for in the whole tree.  ``false`` judges every reference, as kube-linter and
    kube-score do.

PASS::

    apiVersion: v1
    kind: Service
    metadata: {name: model-server, namespace: serving}
    spec:
      selector: {app: model-server}
      ports: [{port: 80, targetPort: http}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec:
      selector: {matchLabels: {app: model-server}}
      template:
        metadata: {labels: {app: model-server}}
        spec:
          containers:
          - {name: server, image: ghcr.io/acme/server:1.0.0, ports: [{name: http, containerPort: 8080}]}

FAIL::

    apiVersion: v1
    kind: Service
    metadata: {name: model-server, namespace: serving}
    spec:
      selector: {app: model-sever}  # <- reported (service-selector): no pod has app=model-sever
      ports: [{port: 80, targetPort: 8080}]
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._availability import same_namespace
from gitops_gen.rules._references import (
    OPERATOR_POD_KINDS,
    Local,
    NameRef,
    Offered,
    Pods,
    PodSelector,
    reference_facts,
)
from gitops_gen.rules._selectors import PodIndex
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import SCALABLE_GROUPS, WORKLOAD_KINDS

ID = "dangling-reference"
SEVERITY = Severity.MEDIUM
CATEGORY = "references"
DESCRIPTION = ("Selector, backend, autoscaler target, port or ServiceAccount that matches nothing in the tree.")
OPTIONS: dict[str, Option] = {
    "only-when-namespace-present": Option(bool, True, "judge a reference only when the tree holds objects of "
                                                      "that kind in its namespace"),
}
KINDS = WORKLOAD_KINDS | frozenset(SCALABLE_GROUPS) | {
    "Service", "ServiceAccount", "PodDisruptionBudget", "NetworkPolicy", "Ingress", "HorizontalPodAutoscaler",
    "ScaledObject", "Profile"} | OPERATOR_POD_KINDS
CHECK_SEVERITIES = {"selector-mismatch": Severity.HIGH, "pdb-selector": Severity.LOW,
                    "networkpolicy-selector": Severity.LOW}

_WHAT = {"service-selector": "no pod template in the tree has these labels, so the Service has no endpoints",
         "pdb-selector": "no pod template in the tree has these labels, so the budget protects nothing",
         "networkpolicy-selector": "no pod template in the tree has these labels, so the policy applies to "
                                   "nothing"}


def collect(resource: Resource, ctx: RuleContext) -> Iterator[Any]:
    return iter(tuple(reference_facts(resource, ctx.index)))


def _selected(selector: PodSelector, index: PodIndex[int], pods: list[Pods], wildcards: list[Pods]) -> list[Pods]:
    found = dict.fromkeys(index.matching(selector.selector, selector.namespace))
    chosen = [pods[i] for i in found]
    return chosen + [p for p in wildcards if same_namespace(p.namespace, selector.namespace)]


def _target_ports(selector: PodSelector, selected: list[Pods]) -> Iterator[Violation]:
    if not selected or any(p.wildcard or any(group.open for group in p.pods) for p in selected):
        return
    for name, at in selector.target_ports:
        if not any(name in p.ports for p in selected):
            yield Violation(f"{selector.owner}: targetPort {name!r} is declared by no container of the pods it "
                            "selects, so connections to it fail; name the container port or use its number",
                            check="target-port", anchor=at)


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    only_present = ctx.options.get("only-when-namespace-present", True)
    pods: list[Pods] = []
    offers: list[Offered] = []
    refs: list[Any] = []  # in source order: what is judged
    for fact in facts:  # (facts are records: their exact types)
        if type(fact) is Pods:
            pods.append(fact)
        elif type(fact) is Offered:
            offers.append(fact)
        else:
            refs.append(fact)
    index = PodIndex((p.namespace, group.labels, group.open, i) for i, p in enumerate(pods) for group in p.pods)
    wildcards = [p for p in pods if p.wildcard]
    offered: dict[tuple[str, str], list[Offered]] = {}
    for p in pods:
        if p.name:  # a workload is also what an autoscaler may target
            offered.setdefault((p.kind, p.name), []).append(Offered(p.kind, p.name, p.namespace, p.source,
                                                                     p.folder_unit))
    for offer in offers:
        offered.setdefault((offer.kind, offer.name), []).append(offer)
    folders: dict[str, str] = {}

    def folder(source: str) -> str:
        found = folders.get(source)
        if found is None:
            found = folders[source] = posixpath.dirname(source)
        return found

    # (kind, namespace, file or folder) of every object the tree holds: pods, and what is offered
    present_in = {("pods", p.namespace, p.source) for p in pods}
    present_in.update((p.kind, p.namespace, p.source) for p in pods if p.name)
    present_in.update((o.kind, o.namespace, o.source) for o in offers)
    present_in.update([(kind, namespace, folder(source)) for kind, namespace, source in present_in])

    def present(kind: str, namespace: str | None, ref: PodSelector | NameRef) -> bool:
        """Objects of ``kind`` in ``namespace`` in the unit of ``ref``: the folder of the
        kustomization that builds it, else its own file (a rendered chart, an app)."""
        unit = folder(ref.source) if ref.folder_unit else ref.source
        return not only_present or (kind, namespace, unit) in present_in

    for fact in refs:
        if type(fact) is Local:
            yield Violation(fact.message, check=fact.check, anchor=fact.anchor)
        elif type(fact) is PodSelector:
            if not present("pods", fact.namespace, fact):
                continue
            selected = _selected(fact, index, pods, wildcards)
            if not selected:
                yield Violation(f"{fact.owner} selects {fact.selector.describe()}: {_WHAT[fact.check]}",
                                check=fact.check, anchor=fact.anchor)
            if fact.target_ports:
                yield from _target_ports(fact, selected)
        elif type(fact) is NameRef:
            if not present(fact.kind, fact.namespace, fact):
                continue
            if any(same_namespace(o.namespace, fact.namespace) for o in offered.get((fact.kind, fact.name), ())):
                continue
            where = f" in namespace {fact.namespace}" if fact.namespace else ""
            yield Violation(f"{fact.owner} refers to {fact.kind} {fact.name}, which the tree does not have{where}",
                            check=fact.check, anchor=fact.anchor)
