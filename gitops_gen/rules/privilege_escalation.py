"""privilege-escalation: every container must set ``allowPrivilegeEscalation: false``.

Unless told otherwise, a process in a container may gain more privileges than its parent
through setuid binaries (``sudo``, ``su``, ``ping`` on older images) or file capabilities:
the ``no_new_privs`` flag is what stops a non-root process from becoming root again.
``allowPrivilegeEscalation: false`` sets it; the default is ``true``.

Pod Security Standards, restricted ("Privilege Escalation"); kube-linter
``privilege-escalation-container``; Polaris ``privilegeEscalationAllowed``; checkov CKV_K8S_20;
Kyverno ``disallow-privilege-escalation``.

Sub-checks, one finding per container:

``allowed``
    ``allowPrivilegeEscalation: true`` set; on that line.
``missing``
    the field is not set (for an Argo template container, nor in ``templateDefaults``);
    reported at the container.  Patches merged into containers defined elsewhere (KServe model
    containers, TrainJob trainer and runtime patches) are not required to set it.

Options: none.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec:
          containers:
          - name: api
            image: ghcr.io/acme/api:2.0.1
            securityContext:
              allowPrivilegeEscalation: false

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: api}
    spec:
      initContainers:
      - name: migrate               # finding here (missing)
        image: ghcr.io/acme/migrate:2.0.1
      containers:
      - name: api
        image: ghcr.io/acme/api:2.0.1
        securityContext:
          allowPrivilegeEscalation: true    # finding here (allowed)
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import container_label
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import all_containers, container_setting

ID = "privilege-escalation"
SEVERITY = Severity.MEDIUM
CATEGORY = "pod-security-restricted"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Container does not set securityContext.allowPrivilegeEscalation: false."
OPTIONS: dict[str, Option] = {}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for container in all_containers(resource):
        label = container_label(container)
        own = mapping(container.container.get("securityContext"))
        if own is not None and own.get("allowPrivilegeEscalation") is True:
            yield Violation(f"{label} allows privilege escalation (setuid binaries can make it root); set "
                            "allowPrivilegeEscalation: false",
                            (*container.path, "securityContext", "allowPrivilegeEscalation"), check="allowed")
        elif not container.partial and container_setting(container, "allowPrivilegeEscalation") is None:
            # an inherited ``true`` (Argo templateDefaults) is reported where it is written
            yield Violation(f"{label} does not set allowPrivilegeEscalation: false (the default lets setuid "
                            "binaries gain privileges)", container.path, check="missing")
