"""root-group: a pod or container runs with group ID 0 (root's group), or below ``min-id``.

``runAsNonRoot`` says nothing about groups: a container running as UID 1000 with ``runAsGroup:
0`` still owns files as group root, and reads and writes whatever the image made group-root
writable (``/etc/passwd`` in many images, caches and sockets mounted from the node).  An
``fsGroup: 0`` makes every mounted volume group-root; a ``supplementalGroups`` entry of 0 adds
root's group to every process.  kube-linter's ``run-as-non-root`` (its runAsGroup part),
Kyverno's ``require-non-root-groups`` and kube-score's "Container Security Context User Group
ID" (which wants IDs above 10000) report the same.

Sub-checks, one finding per value set, on its line:

``run-as-group``         ``securityContext.runAsGroup`` of a pod or container
``fs-group``             ``securityContext.fsGroup`` of a pod
``supplemental-groups``  an entry of ``securityContext.supplementalGroups`` of a pod

Only values that are written are judged (an unset group is the image's, which
``run-as-root`` covers through the user); every pod spec and container the walker knows is read,
custom resources included.

Severity ``low``: group 0 is a hardening gap, not a privilege by itself, and images built for
OpenShift's arbitrary user IDs deliberately run with group 0.  Raise it in your configuration
when your images never need it.

Options:

``min-id`` (int, default ``0``)
    Group IDs below this are reported too (``10000`` as kube-score); 0 is always reported.

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: trainer}
    spec:
      securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000}
      containers:
      - {name: trainer, image: ghcr.io/acme/trainer:1.0.0}

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: trainer}
    spec:
      securityContext:
        runAsUser: 1000
        runAsGroup: 0               # <- reported (run-as-group)
        fsGroup: 0                  # <- reported (fs-group)
      containers:
      - {name: trainer, image: ghcr.io/acme/trainer:1.0.0}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath, Resource, Severity
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import WORKLOAD_KINDS, all_containers, pod_specs

ID = "root-group"
SEVERITY = Severity.LOW
CATEGORY = "workloads"
DESCRIPTION = "Pod or container runs with group 0 (runAsGroup, fsGroup, supplementalGroups) or below min-id."
OPTIONS: dict[str, Option] = {
    "min-id": Option(int, 0, "group IDs below this are reported too (0 always is)"),
}
KINDS = WORKLOAD_KINDS


def _low(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and (value == 0 or value < minimum)


def _what(value: Any, minimum: int) -> str:
    return "0, root's group" if value == 0 else f"{value}, below the minimum {minimum}"


def _context(data: Mapping[str, Any], path: FieldPath, owner: str, minimum: int,
             pod_level: bool) -> Iterator[Violation]:
    context = mapping(data.get("securityContext"))
    if context is None:
        return
    at = (*path, "securityContext")
    group = context.get("runAsGroup")
    if _low(group, minimum):
        yield Violation(f"{owner} runs with runAsGroup {_what(group, minimum)}: files it writes and reads "
                        "are group-root's; use a non-root group", (*at, "runAsGroup"), at_value=True,
                        check="run-as-group")
    if not pod_level:
        return
    fs_group = context.get("fsGroup")
    if _low(fs_group, minimum):
        yield Violation(f"{owner} sets fsGroup {_what(fs_group, minimum)}: every mounted volume becomes "
                        "group-root's; use a non-root group", (*at, "fsGroup"), at_value=True, check="fs-group")
    supplemental = context.get("supplementalGroups")
    if isinstance(supplemental, list):
        for i, value in enumerate(supplemental):
            if _low(value, minimum):
                yield Violation(f"{owner} adds supplemental group {_what(value, minimum)} to every process",
                                (*at, "supplementalGroups", i), at_value=True, check="supplemental-groups")


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    minimum = ctx.options.get("min-id") or 0
    for pod in pod_specs(resource):
        yield from _context(pod.spec, pod.path, pod.owner, minimum, True)
    for container in all_containers(resource):
        yield from _context(container.container, container.path, f"{container.label} ({container.pod.owner})",
                            minimum, False)
