"""required-labels: an object lacks a label or annotation the platform requires.

Ownership and cost labels (``team``, ``owner``, ``app.kubernetes.io/name``, a cost centre) are
what alerts, dashboards, chargeback of GPU hours and cleanup scripts select by; an object without
them is an orphan nobody is paged for.  Which ones a platform needs is its own decision, so the
rule is **off until configured**: with both lists empty (the default) it reports nothing.
kube-linter ``required-label-*`` / ``required-annotation-*``, Kyverno ``require-labels`` /
``require-annotations`` and Polaris custom label checks do the same.

Every object is judged on its own ``metadata`` (a pod template's labels are the workload's
business: require them on the workload).  One finding per missing key, on ``metadata.labels`` or
``metadata.annotations`` (on ``metadata`` when the map is absent).  A key present with any value
(even empty) is there.

Sub-checks: ``label``, ``annotation``.  Severity ``medium``: a team that lists a key wants the
gate to hold it.

Options:

``labels`` (list, default ``[]``)
    Label keys every object must carry.
``annotations`` (list, default ``[]``)
    Annotation keys every object must carry.

PASS (with ``labels: [team]``)::

    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: model-server
      labels: {team: research}

FAIL (with ``labels: [team]``)::

    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: model-server
      labels:                       # <- reported: no "team" label
        app: model-server
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "required-labels"
SEVERITY = Severity.MEDIUM
CATEGORY = "metadata"
DESCRIPTION = "Object lacks a required label or annotation (off until labels/annotations are configured)."
OPTIONS: dict[str, Option] = {
    "labels": Option(list[str], [], "label keys every object must carry"),
    "annotations": Option(list[str], [], "annotation keys every object must carry"),
}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for option, field, check_name in (("labels", "labels", "label"), ("annotations", "annotations", "annotation")):
        required = ctx.options.get(option) or []
        if not required:
            continue
        found = mapping(resource.get(("metadata", field)))
        present = found or {}
        at = ("metadata", field) if found is not None else ("metadata",)
        for key in required:
            if key not in present:
                yield Violation(f"{resource.kind} {resource.name or '<unnamed>'} has no {check_name} {key!r}, "
                                f"which this platform requires", at, check=check_name)
