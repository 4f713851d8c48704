"""apparmor-profile: containers must not run without AppArmor confinement.

On nodes with AppArmor, the container runtime applies its default profile, which blocks
mounting, writing to ``/proc/sys`` and other escape routes.  ``Unconfined`` turns that off, and
a profile name the cluster does not define is not a reviewed profile either.  Allowed:
the runtime default and profiles loaded on the node (``Localhost``).

Pod Security Standards, baseline ("AppArmor"); Kyverno ``restrict-apparmor-profiles``.

Checked, each finding on its own line:

- the annotations ``container.apparmor.security.beta.kubernetes.io/<container>`` on the pod
  (template) metadata: the value must be ``runtime/default`` or ``localhost/<profile>``
  (sub-check ``annotation``; the annotation is deprecated since Kubernetes 1.30 in favour of
  the field below, but still honoured);
- ``securityContext.appArmorProfile.type`` at pod level and on every container: must be
  ``RuntimeDefault`` or ``Localhost`` (sub-check ``unconfined``).

Options: none.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      selector: {matchLabels: {app: api}}
      template:
        metadata:
          labels: {app: api}
          annotations:
            container.apparmor.security.beta.kubernetes.io/api: runtime/default
        spec:
          securityContext:
            appArmorProfile: {type: RuntimeDefault}
          containers:
          - {name: api, image: ghcr.io/acme/api:2.0.1}

FAIL::

    apiVersion: v1
    kind: Pod
    metadata:
      name: api
      annotations:
        container.apparmor.security.beta.kubernetes.io/api: unconfined   # finding here
    spec:
      containers:
      - name: api
        image: ghcr.io/acme/api:2.0.1
        securityContext:
          appArmorProfile:
            type: Unconfined        # and here
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import all_contexts
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import pod_specs

ID = "apparmor-profile"
SEVERITY = Severity.HIGH
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "AppArmor profile other than the runtime default or a node-local profile (e.g. unconfined)."
OPTIONS: dict[str, Option] = {}

ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
ALLOWED_TYPES = frozenset({"RuntimeDefault", "Localhost"})


def _annotation_ok(value: object) -> bool:
    return value == "runtime/default" or (isinstance(value, str) and value.startswith("localhost/"))


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for pod in pod_specs(resource):
        if pod.metadata_path is None:
            continue
        annotations = mapping(resource.get((*pod.metadata_path, "annotations")))
        for key, value in (annotations or {}).items():
            if isinstance(key, str) and key.startswith(ANNOTATION_PREFIX) and not _annotation_ok(value):
                container = key[len(ANNOTATION_PREFIX):]
                yield Violation(f'{pod.owner}: AppArmor profile "{value}" for container "{container}"; use '
                                "runtime/default or localhost/<profile>",
                                (*pod.metadata_path, "annotations", key), check="annotation")
    for context in all_contexts(resource):
        profile = mapping(context.data.get("appArmorProfile"))
        if profile is None:
            continue
        kind = profile.get("type")
        if kind not in ALLOWED_TYPES and kind is not None:
            yield Violation(f"{context.label} sets AppArmor profile type {kind}; "
                            "use RuntimeDefault or Localhost",
                            context.at("appArmorProfile", "type"), check="unconfined")
