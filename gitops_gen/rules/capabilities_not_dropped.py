"""capabilities-not-dropped: containers must drop ALL capabilities and add back at most NET_BIND_SERVICE.

Container runtimes grant a default set of capabilities (CHOWN, DAC_OVERRIDE, FOWNER, SETUID,
SETGID, NET_RAW, MKNOD...) that almost no workload needs and that widen every exploit: NET_RAW
spoofs packets on the pod network, DAC_OVERRIDE ignores file permissions, SETUID/SETGID switch
users.  The restricted level asks each container to drop ``ALL`` and add back only
``NET_BIND_SERVICE`` (to bind ports below 1024 as non-root).

Pod Security Standards, restricted ("Capabilities"); kube-linter ``drop-net-raw-capability``;
Polaris ``insecureCapabilities``; checkov CKV_K8S_28 / CKV_K8S_37; Kyverno
``disallow-capabilities-strict`` (rules ``require-drop-all`` and ``adding-capabilities-strict``).

Sub-checks, for every container the walker finds:

``drop-all-missing``
    ``securityContext.capabilities.drop`` does not contain ``ALL`` (exactly, upper case, as Pod
    Security admission compares it); reported at the ``drop:`` list when there is one, else at
    the container.  Patches merged into containers defined elsewhere (KServe model containers,
    TrainJob trainer and runtime patches, Argo ``templateDefaults``) are not required to drop.
``add-not-allowed``
    a capability in ``capabilities.add`` other than the allowed ones; on its item.

Options:

``allowed-add`` (list of strings, default ``[NET_BIND_SERVICE]``)
    Capabilities a container may add back.

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
      - name: nginx
        image: nginxinc/nginx-unprivileged:1.27.2
        securityContext:
          capabilities:
            drop: [ALL]
            add: [NET_BIND_SERVICE]

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
      - name: nginx                 # finding here (drop-all-missing)
        image: nginxinc/nginx-unprivileged:1.27.2
        securityContext:
          capabilities:
            add:
            - CHOWN                 # finding here (add-not-allowed)
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import container_label
from gitops_gen.rules._util import mapping, strings
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import all_containers, container_setting

ID = "capabilities-not-dropped"
SEVERITY = Severity.MEDIUM
CATEGORY = "pod-security-restricted"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Container does not drop ALL capabilities, or adds one other than NET_BIND_SERVICE."
OPTIONS: dict[str, Option] = {
    "allowed-add": Option(list[str], ["NET_BIND_SERVICE"]),
}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    allowed = {c for c in ctx.options.get("allowed-add") or [] if isinstance(c, str)}
    for container in all_containers(resource):
        label = container_label(container)
        context = mapping(container.container.get("securityContext"))
        own = mapping(context.get("capabilities")) if context is not None else None
        if own is not None:
            for i, name in strings(own.get("add")):
                if name not in allowed:
                    yield Violation(f"{label} adds capability {name}; the restricted level allows only "
                                    f"{', '.join(sorted(allowed)) or 'none'}",
                                    (*container.path, "securityContext", "capabilities", "add", i),
                                    check="add-not-allowed")
        if container.partial:
            continue
        setting = container_setting(container, "capabilities")
        capabilities = mapping(setting.value) if setting is not None else None
        drops = [name for _, name in strings((capabilities or {}).get("drop"))]
        if "ALL" in drops:
            continue
        hint = " (write it upper case)" if any(name.upper() == "ALL" for name in drops) else ""
        at = (*setting.path, "drop") if setting is not None and capabilities is not None \
            and "drop" in capabilities else container.path
        yield Violation(f"{label} does not drop ALL capabilities{hint}; "
                        "set securityContext.capabilities.drop: [ALL]",
                        at, check="drop-all-missing")
