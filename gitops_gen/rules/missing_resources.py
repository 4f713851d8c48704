"""missing-resources: a container does not declare its CPU and memory requests and memory limit.

The scheduler places pods by their *requests*: a container without them is treated as needing
nothing, so nodes get overpacked and the pod is first in line for eviction (``BestEffort``).
Without a memory *limit* one leaking data loader or tokenizer can take a node's memory and get
its neighbours - often someone's eight-hour training job - OOM-killed.  ResourceQuotas also
refuse pods that leave out the resources the quota constrains.  kube-linter
(``unset-cpu-requirements``, ``unset-memory-requirements``), Polaris and checkov report the same.
A CPU *limit* is not required by default: CPU is compressible, and limits throttle
latency-sensitive servers for no benefit (enable ``require-cpu-limit`` if your policy wants it).

Every container that runs in a pod is checked, init containers included: an init container's
requests count toward the pod's while it runs.  Not checked: ephemeral (debug) containers, which
cannot have resources, and containers merged into a pod defined elsewhere (KServe ``model:``
shortcuts, Trainer runtime patches, Tekton StepActions and the steps that use them), whose
resources may come from there.  Argo Workflow templates take ``templateDefaults`` into account,
Tekton steps their task's ``stepTemplate`` (both merged into the container field by field);
Tekton v1 keeps resources in ``computeResources``.

A *request* is declared when it is written, or when the container sets a *limit* for that
resource and writes no request for it: Kubernetes then copies the limit into the request, so
``limits: {cpu: "1", memory: 1Gi}`` alone declares both requests too.  A request written as
``0`` or ``""`` is not replaced by the limit, and a ``requests`` that is not a mapping is not
filled in either.

One finding per container listing what is missing: on its ``resources:`` key when that exists
but is incomplete, otherwise on the container.  Values are not judged here (``0`` or ``""``
count as missing).  A LimitRange can default requests and limits at admission, but the
manifest is what reviewers read and what quotas are planned from.

Options (all booleans):

``require-cpu-request`` (default ``true``), ``require-memory-request`` (default ``true``),
``require-memory-limit`` (default ``true``), ``require-cpu-limit`` (default ``false``).

PASS::

    containers:
    - name: server
      image: nvcr.io/nvidia/tritonserver:24.08-py3
      resources:
        requests: {cpu: "2", memory: 8Gi}
        limits: {memory: 8Gi, nvidia.com/gpu: 1}
    - name: proxy                            # requests default to the limits: cpu 200m, memory 128Mi
      image: ghcr.io/acme/proxy:1.2.0
      resources:
        limits: {cpu: 200m, memory: 128Mi}

FAIL::

    containers:
    - name: server                          # <- no resources at all: reported here
      image: nvcr.io/nvidia/tritonserver:24.08-py3
    - name: sidecar
      image: ghcr.io/acme/proxy:1.2.0
      resources:                            # <- no memory limit: reported here
        requests: {cpu: 100m, memory: 64Mi}
    - name: exporter
      image: ghcr.io/acme/exporter:0.9.0
      resources:                            # <- no cpu request (nor a cpu limit to copy): here
        limits: {memory: 64Mi}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import container_label
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import Container, all_containers, resources_field

ID = "missing-resources"
SEVERITY = Severity.MEDIUM
CATEGORY = "workloads"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Container without CPU and memory requests or without a memory limit."
OPTIONS: dict[str, Option] = {
    "require-cpu-request": Option(bool, True),
    "require-memory-request": Option(bool, True),
    "require-memory-limit": Option(bool, True),
    "require-cpu-limit": Option(bool, False),
}

_REQUIREMENTS = (("require-cpu-request", "requests", "cpu", "cpu request"),
                 ("require-memory-request", "requests", "memory", "memory request"),
                 ("require-memory-limit", "limits", "memory", "memory limit"),
                 ("require-cpu-limit", "limits", "cpu", "cpu limit"))


def _layers(container: Container) -> list[Mapping[str, Any]]:
    """The resources of the container and of each layer merged into it, nearest first (read once
    per container, not once per requirement)."""
    return [mapping(data.get(resources_field(data, container.group))) or {}
            for data in (container.container, *(layer.data for layer in container.inherits))]


def _written(layers: list[Mapping[str, Any]], section: str, name: str) -> bool:
    """True when the container (or a default merged into it) writes a non-empty value."""
    for own in layers:
        values = mapping(own.get(section))
        if (values.get(name) if values is not None else None) not in (None, "", 0):
            return True
    return False


def _declared(layers: list[Mapping[str, Any]], section: str, name: str) -> bool:
    """True when the value is written, or (a request) defaulted by the API server from the limit:
    only where no ``requests`` mapping writes the name at all."""
    if _written(layers, section, name):
        return True
    if section != "requests":
        return False
    for own in layers:
        values = own.get("requests")
        if values is not None and (mapping(values) is None or name in values):
            return False  # a request written as 0 or "", or requests of the wrong shape: not filled in
    return _written(layers, "limits", name)


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    wanted = [(section, name, label) for option, section, name, label in _REQUIREMENTS
              if ctx.options.get(option, OPTIONS[option].default)]
    for container in all_containers(resource):
        if container.partial or container.group == "ephemeralContainers":
            continue
        layers = _layers(container)
        missing = [label for section, name, label in wanted if not _declared(layers, section, name)]
        if not missing:
            continue
        key = container.resources_key
        at = (*container.path, key) if key in container.container else container.path
        listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + f" or {missing[-1]}"
        yield Violation(f"{container_label(container)} has no {listed}; set resources so the scheduler, "
                        "quotas and the OOM killer treat it as intended", at)
