"""seccomp-profile: containers must not run without a seccomp filter.

Seccomp filters the system calls a container may make; the runtime's default profile blocks the
ones used by most kernel exploits (``keyctl``, ``unshare``, ``bpf``, ``ptrace`` of other
processes...).  Kubernetes still runs pods ``Unconfined`` unless a profile is set (or the kubelet
enables ``seccompDefault``), so the restricted level asks every pod to set one.

Pod Security Standards: baseline forbids ``Unconfined``; restricted requires ``RuntimeDefault``
or ``Localhost``.  checkov CKV_K8S_31; Kyverno ``restrict-seccomp`` and
``restrict-seccomp-strict``.

Sub-checks:

``unconfined``
    ``securityContext.seccompProfile.type`` set to anything but ``RuntimeDefault`` or
    ``Localhost`` (i.e. ``Unconfined``), at pod level or on a container; on that line.
``missing`` (only with ``require: true``)
    a container whose effective profile (its own, else the pod's) is not set; reported at the
    container.  Patches merged into pods defined elsewhere (TrainJob runtime patches, KServe
    model containers, Argo ``templateDefaults``) are not required to set it.

Options:

``require`` (bool, default ``false``)
    Require a profile on every container (the ``restricted`` preset sets this).

PASS (with ``require: true``)::

    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: retrain}
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              securityContext:
                seccompProfile: {type: RuntimeDefault}
              containers:
              - {name: retrain, image: ghcr.io/acme/retrain:1.2.0}

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: app}
    spec:
      containers:
      - name: app                   # finding here with require: true (missing)
        image: ghcr.io/acme/app:3.2.0
      - name: helper
        image: ghcr.io/acme/helper:1.0.0
        securityContext:
          seccompProfile:
            type: Unconfined        # finding here (unconfined)
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import all_contexts, container_label
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import all_containers, container_setting

ID = "seccomp-profile"
SEVERITY = Severity.MEDIUM
#: ``Unconfined`` turns the syscall filter off: a baseline violation, worse than a missing profile.
CHECK_SEVERITIES = {"unconfined": Severity.HIGH}
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Seccomp profile Unconfined, or (with require: true) not set for a container."
OPTIONS: dict[str, Option] = {
    "require": Option(bool, False),
}

ALLOWED_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for context in all_contexts(resource):
        profile = mapping(context.data.get("seccompProfile"))
        kind = profile.get("type") if profile is not None else None
        if kind is not None and kind not in ALLOWED_TYPES:
            scope = " for every container of the pod" if context.pod_level else ""
            yield Violation(f"{context.label} sets seccomp profile {kind}{scope}: no system call "
                            "is filtered; use RuntimeDefault or Localhost",
                            context.at("seccompProfile", "type"), check="unconfined")
    if not ctx.options.get("require"):
        return
    for container in all_containers(resource):
        if container.partial:
            continue
        setting = container_setting(container, "seccompProfile")
        profile = mapping(setting.value) if setting is not None else None
        if profile is None or profile.get("type") is None:
            yield Violation(f"{container_label(container)} has no seccomp profile; set "
                            "securityContext.seccompProfile.type: RuntimeDefault on the pod or the container",
                            container.path, check="missing")
