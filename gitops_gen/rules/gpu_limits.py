"""gpu-limits: a GPU is requested without a matching limit, or in a fractional amount.

GPUs are extended resources, which Kubernetes never overcommits: a container must list them in
``limits`` (``requests`` may be left out, it then equals the limit), requests and limits must be
equal, and the amount must be a whole number - a GPU cannot be split by asking for ``0.5``
(sharing is done with MIG, time-slicing or MPS, which advertise their own whole resources).
The API server rejects a pod breaking these rules; since the pod is created by a controller,
the Deployment or training job is accepted and then silently never gets a pod, and the error
only shows in the ReplicaSet's or job controller's events.

Checked on every container the pod-spec walker finds, including KServe ``model:`` shortcuts
and Kubeflow Trainer ``trainer.resourcesPerNode``.  A GPU resource is any name in the
``gpu-resources`` option.

Sub-checks, each on the offending line:

- ``missing-limit``: a GPU in ``requests`` but not in ``limits`` (on the request);
- ``request-not-equal-limit``: both set with different amounts (on the request);
- ``not-integer``: an amount that is not a whole number (``0.5``, ``500m``), or not a
  quantity at all (on that amount).

Options:

``gpu-resources`` (list, default ``["nvidia.com/gpu", "nvidia.com/gpu.shared",
"nvidia.com/mig-*", "amd.com/gpu", "gpu.intel.com/i915", "gpu.intel.com/xe"]``)
    Resource names treated as GPUs; an entry ending in ``*`` is a prefix (MIG profiles such as
    ``nvidia.com/mig-1g.10gb``).

PASS::

    resources:
      limits:
        nvidia.com/gpu: 1            # requests default to the limit
        memory: 32Gi

FAIL::

    resources:
      requests:
        nvidia.com/gpu: 2            # <- no limit: reported here
    ---
    resources:
      limits:
        nvidia.com/gpu: "0.5"        # <- not a whole GPU: reported here
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._gpu import DEFAULT_GPU_RESOURCES, gpu_entries, parse_quantity, patterns
from gitops_gen.rules._pss import container_label
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import all_containers

ID = "gpu-limits"
SEVERITY = Severity.HIGH
CATEGORY = "gpu"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "GPU requested without an equal limit, or in a fractional amount (the pod is rejected)."
OPTIONS: dict[str, Option] = {
    "gpu-resources": Option(list[str], DEFAULT_GPU_RESOURCES),
}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    gpu_names = patterns(ctx.options.get("gpu-resources"))
    for container in all_containers(resource):
        entries = list(gpu_entries(container, gpu_names))
        if not entries:
            continue
        label = container_label(container)
        limits = {e.name: e for e in entries if e.section == "limits"}
        for entry in entries:
            amount = parse_quantity(entry.value)
            if amount is None or amount.denominator != 1:
                shown = entry.value if isinstance(entry.value, str) else repr(entry.value)
                why = ("is not a quantity; give a whole number of GPUs" if amount is None else
                       "is not a whole number: GPUs are allocated whole (share one with MIG or time-slicing)")
                yield Violation(f"{label} asks for {shown} {entry.name} in {entry.section}, which {why}",
                                entry.path, True, "not-integer")
                continue
            if entry.section != "requests" or amount == 0:
                continue
            limit = limits.get(entry.name)
            if limit is None:
                yield Violation(f"{label} requests {entry.name} without a limit; the API server rejects the "
                                f"pod (extended resources need limits): set limits.{entry.name} to the same "
                                "amount", entry.path, True, "missing-limit")
            elif (limit_amount := parse_quantity(limit.value)) is not None and limit_amount != amount:
                asked = f"{entry.value} {entry.name}"
                yield Violation(f"{label} requests {asked} but limits it to {limit.value}; the API server "
                                "rejects the pod (GPUs are never overcommitted): make them equal",
                                entry.path, True, "request-not-equal-limit")
