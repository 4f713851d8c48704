"""selinux-options: pods must not choose their own SELinux type, user or role.

SELinux confines containers with the ``container_t`` type; a pod that picks another type (for
instance ``spc_t``, "super privileged container", or ``unconfined_t``) or sets an SELinux user
or role switches that confinement off.  Only the container types meant for workloads are
allowed: ``container_t``, ``container_init_t``, ``container_kvm_t`` and ``container_engine_t``.

Pod Security Standards, baseline ("SELinux"); Kyverno ``disallow-selinux`` (rules
``selinux-type`` and ``selinux-user-role``).

``securityContext.seLinuxOptions`` is checked at pod level and on every container.  Findings,
each on its own line: ``type`` not allowed (sub-check ``type``), ``user`` or ``role`` set to
anything but an empty string (sub-check ``user-role``).  ``level`` (MCS categories) is allowed.

Options:

``allowed-types`` (list of strings, default: the four types above)
    SELinux types a pod may ask for.  An empty ``type`` (unset) is always allowed.

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: app}
    spec:
      securityContext:
        seLinuxOptions:
          level: "s0:c123,c456"
      containers:
      - name: app
        image: ghcr.io/acme/app:3.2.0
        securityContext:
          seLinuxOptions: {type: container_init_t}

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: app}
    spec:
      securityContext:
        seLinuxOptions:
          type: spc_t               # finding here (type)
          user: system_u            # and here (user-role)
      containers:
      - name: app
        image: ghcr.io/acme/app:3.2.0
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import all_contexts
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "selinux-options"
SEVERITY = Severity.HIGH
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Pod or container sets an SELinux type outside the container types, or an SELinux user/role."
OPTIONS: dict[str, Option] = {
    "allowed-types": Option(list[str], ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"]),
}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    allowed = {t for t in ctx.options.get("allowed-types") or [] if isinstance(t, str)}
    for context in all_contexts(resource):
        options = mapping(context.data.get("seLinuxOptions"))
        if options is None:
            continue
        selinux_type = options.get("type")
        if selinux_type not in (None, "") and selinux_type not in allowed:
            yield Violation(f"{context.label} sets SELinux type {selinux_type}, which lifts the container "
                            f"confinement; allowed: {', '.join(sorted(allowed)) or 'none'}",
                            context.at("seLinuxOptions", "type"), check="type")
        for field in ("user", "role"):
            if options.get(field) not in (None, ""):
                yield Violation(f"{context.label} sets SELinux {field} {options[field]}; pods must not "
                                "choose their SELinux user or role", context.at("seLinuxOptions", field),
                                check="user-role")
