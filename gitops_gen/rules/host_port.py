"""host-port: containers must not bind ports of the node (``hostPort``).

A ``hostPort`` binds a port on the node's own addresses: it bypasses NetworkPolicies that guard
the pod network, exposes the container on every interface of the node, and limits scheduling
to one such pod per node (a second replica stays Pending).  Expose workloads through a Service
(ClusterIP, NodePort or LoadBalancer) or an Ingress / Gateway instead.

Pod Security Standards, baseline ("Host Ports": "HostPorts should be disallowed entirely
(recommended) or restricted to a known list"); Polaris ``hostPortSet``; checkov CKV_K8S_26;
Kyverno ``disallow-host-ports`` and ``disallow-host-ports-range``.

Every container the walker finds is checked; ``ports[].hostPort`` of 0 (or unset) means no
host port and is fine.  One finding per host port, on its ``hostPort:`` line.

Options:

``allowed-ranges`` (list, default ``[]``: no host port allowed)
    Host ports that are allowed, each a port number (``8443``) or an inclusive range written
    ``"5000-6000"``.

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: triton}
    spec:
      containers:
      - name: triton
        image: nvcr.io/nvidia/tritonserver:24.08-py3
        ports:
        - {containerPort: 8000, name: http}

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: triton}
    spec:
      containers:
      - name: triton
        image: nvcr.io/nvidia/tritonserver:24.08-py3
        ports:
        - containerPort: 8000
          hostPort: 8000            # finding here
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._util import items, text
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import all_containers

ID = "host-port"
SEVERITY = Severity.MEDIUM
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Container binds a port of the node (ports[].hostPort)."


def _range(entry: object) -> tuple[int, int] | None:
    """``8443`` -> ``(8443, 8443)``, ``"5000-6000"`` -> ``(5000, 6000)``; None when malformed."""
    low = high = None
    if isinstance(entry, int) and not isinstance(entry, bool):
        low = high = entry
    elif isinstance(entry, str):
        first, sep, second = entry.strip().partition("-")
        if first.strip().isdigit() and (not sep or second.strip().isdigit()):
            low = int(first)
            high = int(second) if sep else low
    if low is None or high is None or not 0 <= low <= high <= 65535:
        return None
    return low, high


def _ranges_problem(entries: Sequence[object]) -> str | None:
    bad = next((e for e in entries if _range(e) is None), None)
    return None if bad is None else f'entry {bad!r} is not a port number or a range like "5000-6000"'


OPTIONS: dict[str, Option] = {
    "allowed-ranges": Option(list[int | str], [], check=_ranges_problem),
}


def parse_ranges(entries: Sequence[object]) -> list[tuple[int, int]]:
    """``[8443, "5000-6000"]`` -> ``[(8443, 8443), (5000, 6000)]`` (the configuration was checked
    when it was read; a malformed entry is skipped here)."""
    return [r for r in map(_range, entries) if r is not None]


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    ranges = parse_ranges(ctx.options.get("allowed-ranges") or [])
    for container in all_containers(resource):
        for i, port in items(container.container.get("ports")):
            host_port = port.get("hostPort")
            if not isinstance(host_port, int) or isinstance(host_port, bool) or host_port == 0:
                continue
            if any(low <= host_port <= high for low, high in ranges):
                continue
            name = text(port.get("name"))
            shown = f' "{name}"' if name else ""
            allowed = " (outside the allowed ranges)" if ranges else ""
            yield Violation(f"{container.label} ({container.pod.owner}) binds host port {host_port}{shown}"
                            f"{allowed}; expose it through a Service instead",
                            (*container.path, "ports", i, "hostPort"))
