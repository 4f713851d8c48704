"""probes-identical: a container's liveness probe is the same as its readiness probe.

Readiness and liveness answer different questions.  A failing readiness probe takes the pod out
of its Services until it recovers; a failing liveness probe kills the container.  When both are
one probe, a slow dependency (a database, a model store, a GPU busy with a long batch) first
takes every replica out of rotation, then restarts them all, at the moment the service is under
the most load - and a model server that needs minutes to load its weights turns a blip into an
outage.  Give liveness a cheap "is the process alive" check (or a higher ``failureThreshold``)
and keep dependency checks in readiness.  Kyverno ``ensure-probes-different`` and kube-score
"Pod Probes Identical" report the same.

Two probes are identical when their whole definitions are equal (handler and timings): the
same endpoint with a longer liveness threshold is a deliberate, common and sound choice.  Every
container the walker finds is read (init containers run no such probes).  One finding per
container, on its ``livenessProbe:`` key.

Sub-check ``liveness-equals-readiness``.  Severity ``low``: a latent outage amplifier, not a
break.

Options: none.

PASS::

    containers:
    - name: server
      image: ghcr.io/acme/server:1.0.0
      readinessProbe: {httpGet: {path: /ready, port: 8080}}
      livenessProbe: {httpGet: {path: /healthz, port: 8080}}

FAIL::

    containers:
    - name: server
      image: ghcr.io/acme/server:1.0.0
      readinessProbe: {httpGet: {path: /healthz, port: 8080}}
      livenessProbe: {httpGet: {path: /healthz, port: 8080}}     # <- reported
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import WORKLOAD_KINDS, all_containers

ID = "probes-identical"
SEVERITY = Severity.LOW
CATEGORY = "workloads"
DESCRIPTION = "Container's liveness probe is identical to its readiness probe (a slow dependency restarts it)."
OPTIONS: dict[str, Option] = {}
KINDS = WORKLOAD_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for container in all_containers(resource):
        if container.group == "initContainers":
            continue
        liveness = mapping(container.container.get("livenessProbe"))
        readiness = mapping(container.container.get("readinessProbe"))
        if liveness and readiness and liveness == readiness:
            yield Violation(f"{container.label} ({container.pod.owner}) has the same liveness and readiness probe: "
                            "when it fails, every replica leaves its Services and is then restarted; make "
                            "liveness a cheaper check, or more tolerant", (*container.path, "livenessProbe"),
                            check="liveness-equals-readiness")
