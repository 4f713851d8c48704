"""proc-mount: containers must keep the default ``/proc`` mask.

By default the container runtime masks and makes read-only the parts of ``/proc`` that reveal
or change the node (``/proc/kcore``, ``/proc/sys``, ``/proc/sysrq-trigger``...).
``procMount: Unmasked`` removes that protection; it exists only for nested containers with
user namespaces, and is not something a workload manifest should ask for.

Pod Security Standards, baseline ("/proc Mount Type"); Polaris ``procMount``; Kyverno
``disallow-proc-mount``.

Every container the walker finds is checked; ``securityContext.procMount`` must be unset or
``Default``.  One finding per container, on its ``procMount:`` line.

Options: none.

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: app}
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/app:3.2.0
        securityContext:
          procMount: Default

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: app}
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/app:3.2.0
        securityContext:
          procMount: Unmasked       # finding here
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import container_contexts
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "proc-mount"
SEVERITY = Severity.HIGH
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Container unmasks /proc (securityContext.procMount other than Default)."
OPTIONS: dict[str, Option] = {}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for context in container_contexts(resource):
        if "procMount" not in context.data:
            continue
        value = context.data["procMount"]
        if value is None or value == "Default":
            continue
        yield Violation(f"{context.label} sets procMount: {value}, which exposes the node's /proc; "
                        "remove it or set Default", context.at("procMount"))
