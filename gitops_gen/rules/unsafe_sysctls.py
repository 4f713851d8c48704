"""unsafe-sysctls: pods may set only the sysctls that are namespaced and safe.

Most kernel parameters are global to the node, or let one pod starve the others; the kubelet
refuses "unsafe" sysctls unless the node allows them explicitly, and the Pod Security baseline
allows only the known-safe, namespaced set.  The safe set grows with Kubernetes releases, so it
follows the target cluster version (``--kubernetes-version``):

- always: ``kernel.shm_rmid_forced``, ``net.ipv4.ip_local_port_range``,
  ``net.ipv4.ip_unprivileged_port_start``, ``net.ipv4.tcp_syncookies``,
  ``net.ipv4.ping_group_range``;
- from 1.27: ``net.ipv4.ip_local_reserved_ports``;
- from 1.29: ``net.ipv4.tcp_keepalive_time``, ``net.ipv4.tcp_fin_timeout``,
  ``net.ipv4.tcp_keepalive_intvl``, ``net.ipv4.tcp_keepalive_probes``.

Pod Security Standards, baseline ("Sysctls"); Kyverno ``restrict-sysctls``.

``securityContext.sysctls[].name`` is checked on every pod spec the walker finds.  One finding
per disallowed sysctl, on its ``name:`` line.  Names are compared as written (the ``/``
separated spelling of a safe name is not recognised, as in Pod Security admission).

Options:

``allowed`` (list of strings, default ``[]``)
    Sysctls allowed on top of the safe set (for nodes that allow them in the kubelet's
    ``allowedUnsafeSysctls``).

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: proxy}
    spec:
      securityContext:
        sysctls:
        - {name: net.ipv4.ip_local_port_range, value: "1024 65000"}
      containers:
      - {name: proxy, image: envoyproxy/envoy:v1.31.2}

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: proxy}
    spec:
      securityContext:
        sysctls:
        - name: net.core.somaxconn      # finding here
          value: "4096"
      containers:
      - {name: proxy, image: envoyproxy/envoy:v1.31.2}
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import pod_contexts
from gitops_gen.rules._util import items, text
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "unsafe-sysctls"
SEVERITY = Severity.HIGH
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Pod sets a sysctl outside the Pod Security safe set."
OPTIONS: dict[str, Option] = {
    "allowed": Option(list[str], []),
}

#: (minimum Kubernetes minor version, sysctls safe from then on)
SAFE_SYSCTLS: tuple[tuple[int, frozenset[str]], ...] = (
    (0, frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                   "net.ipv4.ip_unprivileged_port_start",
                   "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range"})),
    (27, frozenset({"net.ipv4.ip_local_reserved_ports"})),
    (29, frozenset({"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                    "net.ipv4.tcp_keepalive_probes"})),
)


def safe_sysctls(kubernetes_version: str) -> frozenset[str]:
    """The safe set for a ``1.x`` version; an unparsable version gets the newest set."""
    major, _, rest = kubernetes_version.strip().lstrip("v").partition(".")
    minor_text = rest.partition(".")[0]
    minor = int(minor_text) if major == "1" and minor_text.isdigit() else 10**6
    return frozenset().union(*(names for since, names in SAFE_SYSCTLS if minor >= since))


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    allowed = safe_sysctls(ctx.kubernetes_version) | {s for s in ctx.options.get("allowed") or []
                                                       if isinstance(s, str)}
    for context in pod_contexts(resource):
        for i, sysctl in items(context.data.get("sysctls")):
            name = text(sysctl.get("name"))
            if name is None or name in allowed:
                continue
            yield Violation(f"{context.label} sets sysctl {name}, which is not in the safe set for "
                            f"Kubernetes {ctx.kubernetes_version}; it affects the whole node or is refused "
                            "by the kubelet",
                            context.at("sysctls", i, "name"))
