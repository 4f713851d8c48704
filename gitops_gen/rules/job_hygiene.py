"""job-hygiene: Jobs that are never cleaned up, CronJobs that can stop for good, Jobs that restart
forever.

``no-ttl``          a standalone Job without ``spec.ttlSecondsAfterFinished``: finished Jobs and
                    their pods stay until someone deletes them, each holding its logs, its pod
                    object and the quota of a namespace (kube-linter
                    ``job-ttl-seconds-after-finished``).  Not reported for Argo CD and Helm hooks,
                    which their tool deletes (Argo CD's default is ``BeforeHookCreation``), nor
                    for the Jobs a CronJob makes (its history limits clean those).
``no-deadline``     a CronJob without ``spec.startingDeadlineSeconds``: after more than 100
                    missed schedules (a controller outage, a long suspension) the controller stops
                    scheduling it and logs an error nobody reads (kube-score "CronJob has
                    deadline").
``restart-policy``  ``restartPolicy: Always`` in a Job's (or CronJob's) pod template: the API
                    server refuses it, so the sync fails (severity ``medium``).

Findings are on ``spec`` (the missing field), or on the ``restartPolicy:`` value.  Severity
``low`` for the first two: housekeeping, not breakage.  A Job synced by Argo CD that
``ttlSecondsAfterFinished`` removes is created again by the next sync: for Jobs meant to run
once per change, prefer an Argo CD hook (``argocd.argoproj.io/hook: Sync`` with a
``hook-delete-policy``), which this rule accepts.

Options: none.

PASS::

    apiVersion: batch/v1
    kind: Job
    metadata: {name: evaluate}
    spec:
      ttlSecondsAfterFinished: 86400
      template:
        spec:
          restartPolicy: Never
          containers: [{name: eval, image: ghcr.io/acme/eval:1.0.0}]

FAIL::

    apiVersion: batch/v1
    kind: Job
    metadata: {name: evaluate}
    spec:                           # <- reported (no-ttl)
      template:
        spec:
          restartPolicy: Always     # <- reported (restart-policy)
          containers: [{name: eval, image: ghcr.io/acme/eval:1.0.0}]
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import FieldPath, Resource, Severity
from gitops_gen.rules._util import deploy_hook, mapping
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import POD_RUNNING_KINDS

ID = "job-hygiene"
SEVERITY = Severity.LOW
CATEGORY = "workloads"
DESCRIPTION = "Job without ttlSecondsAfterFinished, CronJob without startingDeadlineSeconds, restartPolicy Always."
OPTIONS: dict[str, Option] = {}
KINDS = POD_RUNNING_KINDS  # the walker's; only batch Jobs and CronJobs are judged
CHECK_SEVERITIES = {"restart-policy": Severity.MEDIUM}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if resource.group != "batch" or resource.kind not in ("Job", "CronJob"):
        return
    name = f"{resource.kind} {resource.name or '<unnamed>'}"
    template: FieldPath
    if resource.kind == "Job":
        template = ("spec", "template", "spec")
        spec = mapping(resource.get(("spec",)))
        if spec is not None and spec.get("ttlSecondsAfterFinished") is None \
                and not deploy_hook(resource.data.get("metadata")):
            yield Violation(f"{name} sets no ttlSecondsAfterFinished: it and its pods stay after it finishes; "
                            "set one, or make it an Argo CD hook with a hook-delete-policy", ("spec",),
                            check="no-ttl")
    else:
        template = ("spec", "jobTemplate", "spec", "template", "spec")
        spec = mapping(resource.get(("spec",)))
        if spec is not None and spec.get("startingDeadlineSeconds") is None:
            yield Violation(f"{name} sets no startingDeadlineSeconds: after 100 missed schedules it is never "
                            "scheduled again; set a deadline", ("spec",), check="no-deadline")
    if resource.get((*template, "restartPolicy")) == "Always":
        yield Violation(f"{name}: restartPolicy Always is refused for Jobs (use OnFailure or Never)",
                        (*template, "restartPolicy"), at_value=True, check="restart-policy")
