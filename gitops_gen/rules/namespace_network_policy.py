"""namespace-network-policy: a namespace runs pods but no NetworkPolicy selects all of its pods.

Kubernetes pods accept traffic from anywhere in the cluster until a NetworkPolicy selects them.
A policy with an empty ``podSelector`` (``{}``) in each namespace - typically a default-deny
plus the allowances the namespace needs - makes isolation the default, so a new Deployment or
notebook is not silently reachable from every other team's pods.  For a shared ML platform
this is what keeps one team's notebook from reaching another team's model servers, databases
or the pipeline backend (CIS Kubernetes Benchmark 5.3.2: "Ensure that all Namespaces have
NetworkPolicies defined").

How it is decided, from the inputs of the run:

- a namespace "runs pods" when an object that makes pods, of a kind the pod-spec walker knows
  (its ``POD_RUNNING_KINDS``: Deployment, StatefulSet, Job, CronJob, PyTorchJob, TrainJob,
  InferenceService, Notebook, Argo Workflow, Rollout, DeploymentConfig, Tekton TaskRun and
  PipelineRun, AnalysisRun...; not templates and definitions such as a WorkflowTemplate or a
  Tekton Task), names it in ``metadata.namespace``.  Objects without a namespace are skipped:
  kustomize or the Argo CD destination decides where they go;
- a policy "selects all pods" when it is a ``networking.k8s.io`` NetworkPolicy with an empty
  ``podSelector``, a CiliumNetworkPolicy with an empty ``endpointSelector``, or a Calico
  (``projectcalico.org``) NetworkPolicy with ``selector: all()`` or none.  A
  CiliumClusterwideNetworkPolicy with an empty ``endpointSelector`` or a Calico
  GlobalNetworkPolicy with ``selector: all()``/none covers every namespace.

The finding is on the ``name:`` of the Namespace (or of the Kubeflow Profile creating it) when
it is among the inputs, otherwise on the ``namespace:`` line of the namespace's first workload.

Options:

``exempt-namespaces`` (list, default ``["kube-system", "kube-public", "kube-node-lease"]``)
    Namespaces never reported.

PASS::

    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: default-deny, namespace: research}
    spec:
      podSelector: {}
      policyTypes: [Ingress]
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: research}
    ...

FAIL::

    apiVersion: v1
    kind: Namespace
    metadata: {name: research}      # <- reported here: it runs pods and nothing isolates them
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: research}
    ...
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.records import record
from gitops_gen.rules._namespaces import (
    DEFAULT_EXEMPT,
    NAMESPACE_KINDS,
    WORKLOAD_KINDS,
    NamespaceObject,
    PodNamespace,
    namespace_facts,
    namespaces_with_pods,
)
from gitops_gen.rules._util import mapping, strings
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "namespace-network-policy"
SEVERITY = Severity.MEDIUM
CATEGORY = "tree"
DESCRIPTION = "Namespace runs pods but has no NetworkPolicy selecting all of them (podSelector: {})."
OPTIONS: dict[str, Option] = {
    "exempt-namespaces": Option(list[str], DEFAULT_EXEMPT),
}
_POLICY_KINDS = frozenset({"NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy",
                           "GlobalNetworkPolicy"})
_CLUSTER_WIDE = frozenset({"CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy"})
KINDS = WORKLOAD_KINDS | NAMESPACE_KINDS | _POLICY_KINDS


@record
class Isolated:
    """Fact: a policy selects every pod of ``namespace`` (``None``: of every namespace)."""

    namespace: str | None


def _empty_selector(value: Any) -> bool:
    selector = mapping(value)
    return selector is not None and not selector.get("matchLabels") and not selector.get("matchExpressions")


def _calico_all(spec: Any) -> bool:
    data = mapping(spec) or {}
    selector = data.get("selector")
    return selector is None or (isinstance(selector, str) and selector.replace(" ", "") in ("", "all()"))


def _covers_all(resource: Resource) -> bool:
    """True when the policy selects every pod of its namespace (or of every namespace)."""
    spec = resource.data.get("spec")
    fields = mapping(spec) or {}
    if resource.group == "networking.k8s.io" and resource.kind == "NetworkPolicy":
        return _empty_selector(fields.get("podSelector"))
    if resource.group == "cilium.io":
        return _empty_selector(fields.get("endpointSelector"))
    if resource.group == "projectcalico.org":
        return _calico_all(spec)
    return False


def collect(resource: Resource, ctx: RuleContext) -> Iterator[Isolated | PodNamespace | NamespaceObject]:
    if resource.kind in _POLICY_KINDS:
        if _covers_all(resource):
            if resource.kind in _CLUSTER_WIDE:
                yield Isolated(None)
            elif resource.namespace:
                yield Isolated(resource.namespace)
        return
    yield from namespace_facts(resource)


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    covered: set[str] = set()
    for fact in facts:
        if isinstance(fact, Isolated):
            if fact.namespace is None:
                return
            covered.add(fact.namespace)
    exempt = [n for _, n in strings(ctx.options.get("exempt-namespaces"))]
    for use in namespaces_with_pods(facts, exempt):
        if use.name not in covered:
            yield Violation(f"namespace {use.name} runs pods but no NetworkPolicy selects all of them "
                            "(podSelector: {}); every pod in the cluster can reach them - add a default-deny "
                            "policy and allow what the namespace needs", anchor=use.anchor)
