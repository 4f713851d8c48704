"""workload-network-policy: no NetworkPolicy in the tree selects a workload's pods.

``namespace-network-policy`` asks for a default-deny in every namespace that runs pods; this rule
looks one level down, at each workload: a pod that no policy selects accepts traffic from every
pod of the cluster, so a model server or a notebook is reachable from any other team's
compromised pod.  Polaris ``missingNetworkPolicy``, kube-linter ``non-isolated-pod``, Kyverno
``require-netpol`` and kube-score "Pod NetworkPolicy" report the same.

Every object that makes pods (the pod-spec walker's kinds: Deployments, Jobs, CronJobs, Pods,
PyTorchJobs, InferenceServices, Notebooks, Argo Workflows, Tekton runs...) is matched, by the
labels of its pod templates, against the policies of its namespace: ``networking.k8s.io``
NetworkPolicies (``podSelector``; ``{}`` selects every pod), CiliumNetworkPolicies
(``endpointSelector``, ``k8s:`` prefixes read), Calico NetworkPolicies (only ``all()`` or no
selector are read; any other expression is taken to select the pod, so it never causes a
finding), and the cluster-wide kinds of Cilium and Calico, which cover every namespace.  Pods of
operators (KServe, training operators, Argo, Tekton) carry labels the manifest does not show: a
selector key missing from their template is taken as met.  Objects without a namespace match
policies of any namespace (the Argo CD destination decides).  Tree rule.  The finding is on the
workload's ``metadata.name``, once per workload.

Sub-check ``not-selected``.  Severity ``low``, and **off in the default preset, on in
``strict``**: with ``namespace-network-policy`` on (the default), a namespace default-deny
already selects every pod, and this rule only repeats that finding pod by pod.

Options: none.

PASS::

    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: model-server, namespace: serving}
    spec:
      podSelector: {matchLabels: {app: model-server}}
      ingress: [{from: [{namespaceSelector: {matchLabels: {name: ingress}}}]}]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec:
      template:
        metadata: {labels: {app: model-server}}
        ...

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: model-server            # <- reported: no policy selects app=model-server
      namespace: serving
    spec:
      template:
        metadata: {labels: {app: model-server}}
        ...
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.records import record
from gitops_gen.rules._selectors import PodIndex, PodLabels, Selector, label_selector, workload_pods
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Anchor, Option, RuleContext, Violation, anchor
from gitops_gen.rules.podspec import POD_RUNNING_KINDS

ID = "workload-network-policy"
SEVERITY = Severity.LOW
CATEGORY = "network"
DESCRIPTION = "No NetworkPolicy selects the workload's pods (pod-level; strict preset)."
OPTIONS: dict[str, Option] = {}
_POLICY_KINDS = frozenset({"NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy",
                           "GlobalNetworkPolicy"})
KINDS = POD_RUNNING_KINDS | _POLICY_KINDS


@record
class Policy:
    """Fact: a policy of ``namespace`` (None: any; ``everywhere``: cluster-wide) selecting pods;
    ``selector`` None: it is taken to select every pod it can reach."""

    namespace: str | None
    everywhere: bool
    selector: Selector | None


@record
class Pods:
    """Fact: a workload and the label sets of its pods."""

    label: str
    namespace: str | None
    pods: tuple[PodLabels, ...]
    anchor: Anchor


def _cilium(value: Any) -> Selector | None:
    selector = label_selector(value)
    if selector is None:
        return None
    strip = tuple((k.removeprefix("k8s:").removeprefix("any:"), v) for k, v in selector.match_labels)
    return Selector(strip, tuple((k.removeprefix("k8s:").removeprefix("any:"), op, vs)
                                 for k, op, vs in selector.expressions))


def _policy(resource: Resource) -> Policy | None:
    spec = mapping(resource.data.get("spec")) or {}
    if resource.group == "networking.k8s.io" and resource.kind == "NetworkPolicy":
        selector = label_selector(spec.get("podSelector"))
        return Policy(resource.namespace, False, selector) if selector is not None else None
    if resource.group == "cilium.io":
        everywhere = resource.kind == "CiliumClusterwideNetworkPolicy"
        if "endpointSelector" not in spec:
            return Policy(resource.namespace, everywhere, None) if "nodeSelector" not in spec else None
        return Policy(resource.namespace, everywhere, _cilium(spec.get("endpointSelector")) or Selector())
    if resource.group == "projectcalico.org":
        return Policy(resource.namespace, resource.kind == "GlobalNetworkPolicy", None)
    return None


def collect(resource: Resource, ctx: RuleContext) -> Iterator[Policy | Pods]:
    if resource.kind in _POLICY_KINDS:
        policy = _policy(resource)
        if policy is not None:
            yield policy
        return
    pods = tuple(workload_pods(resource))
    if pods:
        yield Pods(f"{resource.kind} {resource.name or '<unnamed>'}", resource.namespace, pods,
                   anchor(resource, ("metadata", "name")))


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    workloads = [f for f in facts if isinstance(f, Pods)]
    index = PodIndex((w.namespace, pod.labels, pod.open, (i, j)) for i, w in enumerate(workloads)
                     for j, pod in enumerate(w.pods))
    selected: set[tuple[int, int]] = set()
    for policy in (f for f in facts if isinstance(f, Policy)):
        namespace = None if policy.everywhere else policy.namespace
        if policy.selector is None or policy.selector.empty or policy.selector.templated:
            selected.update(index.in_namespace(namespace))
        else:
            selected.update(index.matching(policy.selector, namespace))
    for i, fact in enumerate(workloads):
        if all((i, j) in selected for j in range(len(fact.pods))):
            continue
        yield Violation(f"{fact.label}: no NetworkPolicy selects its pods, so every pod of the cluster can reach "
                        "them; add a policy selecting them (or a default-deny for the namespace)",
                        check="not-selected", anchor=fact.anchor)
