"""Pull-request gate reports built by hand (``check --base``): findings carry ``details["change"]``,
``details["key"]`` and ``details["unit"]``, and the report a :class:`GateSummary`."""

from __future__ import annotations

from reportdata import ADMIN, CONTAINER, TRAIN, WEB, finding

from gitops_gen.model import Change, CheckedResource, Finding, GateSummary, Report, ResourceRef, Severity

NETPOL = ResourceRef("networking.k8s.io/v1", "NetworkPolicy", "team-a", "default-deny")
BASE, HEAD = "origin/main", "working tree"


def gated(f: Finding, change: Change, unit: str | None, key: str | None = None) -> Finding:
    """``f`` as a gate run marks it."""
    details = {**f.details, "change": change.value, "key": key or f"{unit or ''}|{f.rule}|{f.file}|{f.field_path}"}
    if unit is not None:
        details["unit"] = unit
    return Finding(f.rule, f.severity, f.message, f.file, f.line, f.column, f.path, f.resource, details)


GUARDRAIL = gated(finding("guardrail-removed", Severity.HIGH, "NetworkPolicy team-a/default-deny was deleted",
                          "apps/netpol.yaml", 3, 1, (), NETPOL), Change.GUARDRAIL_REMOVED, "dir:apps")
NEW_HIGH = gated(finding("run-as-root", Severity.HIGH, 'container "web" may run as root', "apps/web.yaml", 21, 9,
                         CONTAINER, WEB, {"check": "missing-run-as-non-root"}), Change.NEW, "app:web")
NEW_MEDIUM = gated(finding("latest-tag", Severity.MEDIUM, "image uses tag <latest> & no digest", "apps/web.yaml",
                           18, 16, (*CONTAINER, "image"), WEB), Change.NEW, "app:web")
NEW_LOW = gated(finding("wildcard-verbs", Severity.LOW, "rule grants verbs | all: *", "rbac/admin.yaml", 9, 5,
                        ("rules", 0, "verbs"), ADMIN), Change.NEW, "kustomize:rbac")
NEW_FILE = gated(finding("yaml-syntax", Severity.INFO, "duplicate key", "notes/x.yaml", 2, 1), Change.NEW, None)
PERSISTING = gated(finding("host-network", Severity.HIGH, "pod uses the host network", "apps/web.yaml", 25, 7,
                           ("spec", "template", "spec", "hostNetwork"), WEB), Change.PERSISTING, "app:web")
RESOLVED = gated(finding("latest-tag", Severity.MEDIUM, "image uses tag latest", "ml/train.yaml", 40, 18, (),
                         TRAIN), Change.RESOLVED, "app:ml")

CHECKED = [CheckedResource(WEB, "apps/web.yaml", 1), CheckedResource(ADMIN, "rbac/admin.yaml", 1),
           CheckedResource(TRAIN, "ml/train.yaml", 1)]


def gate_report(*, show_all: bool = False) -> Report:
    """One removed guardrail, four new findings (high, medium, low, info); with ``show_all`` the
    persisting and resolved findings too (the counts are the same either way)."""
    findings = [GUARDRAIL, NEW_HIGH, NEW_MEDIUM, NEW_LOW, NEW_FILE]
    if show_all:
        findings += [PERSISTING, RESOLVED]
    summary = GateSummary(BASE, HEAD, new=4, persisting=1, resolved=1, guardrails_removed=1)
    return Report(findings=findings, files=4, documents=4, checked=list(CHECKED), gate=summary)


def passing_gate_report() -> Report:
    """Nothing new: only a persisting high finding (listed, as with ``--all``) and a resolved one."""
    summary = GateSummary(BASE, "feature", new=0, persisting=1, resolved=1)
    return Report(findings=[PERSISTING, RESOLVED], files=2, documents=2, checked=list(CHECKED), gate=summary)
