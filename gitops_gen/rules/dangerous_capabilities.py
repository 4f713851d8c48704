"""dangerous-capabilities: containers may add only the capabilities the baseline allows.

Linux capabilities split root's powers; the Pod Security baseline allows adding only those a
container runtime grants by default anyway (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID,
KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).  Anything else
is a path to the node: SYS_ADMIN mounts file systems and escapes the container, NET_ADMIN
rewrites the node's routing and firewall, SYS_PTRACE reads other processes' memory, SYS_MODULE
loads kernel modules, NET_RAW spoofs packets, BPF and PERFMON observe the whole kernel.
Names are compared exactly, as Kubernetes' own Pod Security admission does (``CAP_SYS_ADMIN``
and ``sys_admin`` are not in the list either).

Pod Security Standards, baseline ("Capabilities"); kube-linter
``drop-net-raw-capability``; Polaris ``dangerousCapabilities`` / ``insecureCapabilities``;
checkov CKV_K8S_39 (SYS_ADMIN); Kyverno ``disallow-capabilities``.

Every container the walker finds is checked.  One finding per disallowed capability, on its
item of ``securityContext.capabilities.add``.

Options:

``allowed`` (list of strings, default ``[]``)
    Capabilities allowed on top of the baseline list (e.g. ``[IPC_LOCK]`` for RDMA/InfiniBand
    training pods that pin memory).

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27.2
        securityContext:
          capabilities:
            drop: [ALL]
            add: [NET_BIND_SERVICE]

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: debug}
    spec:
      containers:
      - name: tools
        image: ghcr.io/acme/tools:1.0.0
        securityContext:
          capabilities:
            add:
            - NET_ADMIN               # finding here
            - SYS_PTRACE              # and here
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import container_contexts
from gitops_gen.rules._util import mapping, strings
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "dangerous-capabilities"
SEVERITY = Severity.HIGH
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Container adds a Linux capability beyond the Pod Security baseline list."
OPTIONS: dict[str, Option] = {
    "allowed": Option(list[str], []),
}

#: The capabilities Pod Security baseline allows a container to add.
BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    extra = {c for c in ctx.options.get("allowed") or [] if isinstance(c, str)}
    allowed = BASELINE_CAPABILITIES | extra
    for context in container_contexts(resource):
        capabilities = mapping(context.data.get("capabilities"))
        if capabilities is None:
            continue
        for i, name in strings(capabilities.get("add")):
            if name not in allowed:
                hint = " (capability names are upper case, without CAP_)" if name.upper().removeprefix(
                    "CAP_") in allowed else ""
                yield Violation(f"{context.label} adds capability {name}, which the Pod Security "
                                f"baseline does not allow{hint}", context.at("capabilities", "add", i))
