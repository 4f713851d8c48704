"""missing-probes: a long-running serving container has no readiness or no liveness probe.

Without a *readiness* probe a pod receives traffic as soon as its process starts - for a model
server, long before the weights are loaded - and keeps receiving it while it is wedged.
Without a *liveness* probe a deadlocked server (a stuck CUDA call, an exhausted thread pool)
stays "Running" forever.  kube-linter (``no-readiness-probe``, ``no-liveness-probe``) and
Polaris report the same.  A ``startupProbe`` complements them for slow model loading but does
not replace either.

Only workloads that serve are checked (option ``kinds``; by default the long-running
controllers the pod-spec walker knows, its ``SERVING_KINDS``): Deployments, StatefulSets,
DaemonSets, ReplicaSets, ReplicationControllers, OpenShift DeploymentConfigs, Argo Rollouts,
KServe InferenceServices (custom ``containers:``), ServingRuntimes/ClusterServingRuntimes and
Seldon deployments, each in its own API group.  Jobs, CronJobs, training jobs, Katib trials,
Notebooks, Argo Workflows and Tekton runs run to completion or are interactive, and are not
checked.  Within those, only ``containers`` are: init containers run to completion, ephemeral
containers are for debugging.

Probes supplied by the platform count as present:

- KServe ``model:`` / framework shortcuts take their container, probes included, from the
  ServingRuntime, which is checked where it is defined;
- the Seldon Core operator adds TCP liveness and readiness probes to each container named
  in the predictor's ``graph`` when it has none, so only the other containers are checked.

Sub-checks ``missing-readiness`` and ``missing-liveness``: one finding for each probe a
container lacks, on the container.

Options:

``kinds`` (list)
    The workload kinds checked (default: those above).  A list of your own is matched by kind
    name alone (add ``Pod`` to judge bare pods).
``require-readiness`` / ``require-liveness`` (bool, default ``true``)
    Which probes are required.

PASS::

    containers:
    - name: server
      image: nvcr.io/nvidia/tritonserver:24.08-py3
      readinessProbe: {httpGet: {path: /v2/health/ready, port: 8000}}
      livenessProbe: {httpGet: {path: /v2/health/live, port: 8000}}
      startupProbe: {httpGet: {path: /v2/health/ready, port: 8000}, failureThreshold: 60}

FAIL::

    kind: Deployment
    ...
      containers:
      - name: server                 # <- reported twice: no readiness, no liveness probe
        image: nvcr.io/nvidia/tritonserver:24.08-py3
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import container_label
from gitops_gen.rules._util import items, mapping, string_items, text
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import SERVING_KINDS, Container, all_containers, serves

ID = "missing-probes"
SEVERITY = Severity.LOW
CATEGORY = "workloads"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Serving container without a readiness or liveness probe."
OPTIONS: dict[str, Option] = {
    "kinds": Option(list[str], sorted(SERVING_KINDS)),
    "require-readiness": Option(bool, True),
    "require-liveness": Option(bool, True),
}


_PROBES = (("readinessProbe", "missing-readiness", "require-readiness"),
           ("livenessProbe", "missing-liveness", "require-liveness"))
_EFFECTS = {
    "readinessProbe": "no readiness probe: it gets traffic before it is ready (a model server: before the "
                      "weights are loaded) and while wedged",
    "livenessProbe": "no liveness probe: a hung process is never restarted",
}


def _graph_names(graph: Any, depth: int = 0) -> Iterator[str]:
    node = mapping(graph)
    if node is None or depth > 32:
        return
    name = text(node.get("name"))
    if name:
        yield name
    for _, child in items(node.get("children")):
        yield from _graph_names(child, depth + 1)


def _seldon_defaulted(resource: Resource, container: Container) -> bool:
    """True when the Seldon operator will add probes to this container (it is a graph node)."""
    path = container.pod.path
    if resource.kind != "SeldonDeployment" or len(path) < 3 or path[:2] != ("spec", "predictors"):
        return False
    predictor = mapping(resource.get(path[:3]))
    return predictor is not None and container.name in set(_graph_names(predictor.get("graph")))


def _checked(resource: Resource, kinds: frozenset[str]) -> bool:
    """The default ``kinds`` stands for the walker's serving controllers (``SERVING_KINDS``), each
    matched in its own API group, so DeploymentConfigs are checked and a Job of another API is not;
    a configured list is matched by kind name."""
    if kinds == SERVING_KINDS:
        return serves(resource)
    return resource.kind in kinds


@lru_cache(maxsize=8)
def _kinds(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(names)


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if not _checked(resource, _kinds(string_items(ctx.options.get("kinds")))):
        return
    wanted = [(probe, sub) for probe, sub, option in _PROBES if ctx.options.get(option, True)]
    for container in all_containers(resource):
        if container.partial or container.group != "containers" or _seldon_defaulted(resource, container):
            continue
        for probe, sub in wanted:
            if mapping(container.container.get(probe)) is None:
                yield Violation(f"{container_label(container)} has {_EFFECTS[probe]}; add {probe}",
                                container.path, check=sub)
