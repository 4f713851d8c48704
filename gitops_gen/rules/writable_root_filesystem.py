"""writable-root-filesystem: a container's root filesystem is writable.

With ``readOnlyRootFilesystem: true`` an intruder cannot drop tools or binaries into the image's
filesystem or tamper with the application's code and configuration, and a bug cannot fill the
node's disk through the container's writable layer.  Anything that must be written (``/tmp``,
caches, a Hugging Face or Torch model cache, Jupyter's home) goes on an explicit ``emptyDir``
or volume, which also makes the space visible and limitable.  kube-linter
(``no-read-only-root-fs``), Polaris (``readOnlyRootFilesystem``) and checkov (CKV_K8S_22)
report the same.

Every container the pod-spec walker finds is checked except ephemeral (debug) containers, and,
for the missing setting, containers merged into pods defined elsewhere (KServe ``model:``
shortcuts, Trainer patches).  Argo Workflow templates inherit ``templateDefaults.container``.

Sub-checks and locations: ``set-false`` - the container says ``readOnlyRootFilesystem: false``
(or anything but true), reported on that line; ``missing`` - it does not say, reported on the
container.

Options: none.

PASS::

    containers:
    - name: server
      image: ghcr.io/acme/server:2.0.0
      securityContext:
        readOnlyRootFilesystem: true
      volumeMounts:
      - {name: tmp, mountPath: /tmp}
    volumes:
    - {name: tmp, emptyDir: {sizeLimit: 1Gi}}

FAIL::

    containers:
    - name: server                  # <- missing: reported here
      image: ghcr.io/acme/server:2.0.0
    - name: cache
      image: redis:7.4.0
      securityContext:
        readOnlyRootFilesystem: false   # <- reported here
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import container_label
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import all_containers, container_setting

ID = "writable-root-filesystem"
SEVERITY = Severity.LOW
CATEGORY = "workloads"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Container without securityContext.readOnlyRootFilesystem: true."
OPTIONS: dict[str, Option] = {}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for container in all_containers(resource):
        if container.group == "ephemeralContainers":
            continue
        setting = container_setting(container, "readOnlyRootFilesystem")
        label = container_label(container)
        if setting is None:
            if not container.partial:
                yield Violation(f"{label} has a writable root filesystem; set securityContext."
                                "readOnlyRootFilesystem: true and mount an emptyDir where it must write",
                                container.path, check="missing")
        elif setting.value is not True and setting.path[:len(container.path)] == container.path:
            # an inherited value (Argo templateDefaults) is reported once, where it is written
            shown = str(setting.value).lower() if isinstance(setting.value, bool) else repr(setting.value)
            yield Violation(f"{label} sets readOnlyRootFilesystem: {shown}; set it to true and mount an "
                            "emptyDir where it must write", setting.path, check="set-false")
