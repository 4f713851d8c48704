"""Reports built by hand for the reporter tests (imported by the test modules)."""

from __future__ import annotations

from gitops_gen.model import CheckedResource, Finding, Report, ResourceRef, Severity, Waived

WEB = ResourceRef("apps/v1", "Deployment", "team-a", "web")
ADMIN = ResourceRef("rbac.authorization.k8s.io/v1", "ClusterRole", None, "admin")
TRAIN = ResourceRef("kubeflow.org/v1", "PyTorchJob", "ml", "train|gpu")
CONTAINER = ("spec", "template", "spec", "containers", 0)


def finding(rule: str, severity: Severity, message: str, file: str, line: int, column: int = 1,
            path: tuple[str | int, ...] = (), resource: ResourceRef | None = None,
            details: dict[str, str] | None = None) -> Finding:
    return Finding(rule, severity, message, file, line, column, path, resource, details or {})


def make_report() -> Report:
    """Findings with and without resources, a waiver of each kind, hostile characters."""
    findings = [
        finding("run-as-root", Severity.HIGH, 'container "web" may run as root', "apps/web.yaml", 21, 9,
                CONTAINER, WEB, {"check": "missing-run-as-non-root"}),
        finding("latest-tag", Severity.MEDIUM, "image uses tag <latest> & no digest", "apps/web.yaml",
                18, 16, (*CONTAINER, "image"), WEB),
        finding("yaml-syntax", Severity.ERROR, "mapping values are not allowed here", "broken.yaml", 3, 7),
        finding("wildcard-verbs", Severity.LOW, "rule grants verbs | all: *\nsecond line",
                "rbac/admin.yaml", 9, 5, ("rules", 0, "verbs"), ADMIN),
        finding("gpu-limits", Severity.INFO, "GPU request без лимита 🚀", "ml/train.yaml", 30, 11,
                ("spec", "pytorchReplicaSpecs", "Master"), TRAIN),
    ]
    checked = [
        CheckedResource(WEB, "apps/web.yaml", 1),
        CheckedResource(ADMIN, "rbac/admin.yaml", 1),
        CheckedResource(TRAIN, "ml/train.yaml", 1),
        CheckedResource(ResourceRef("v1", "Namespace", None, "team-a"), "apps/ns.yaml", 1),
    ]
    host_network = finding("host-network", Severity.HIGH, "pod uses the host network", "apps/web.yaml",
                           25, 7, ("spec", "template", "spec", "hostNetwork"), WEB)
    latest = finding("latest-tag", Severity.MEDIUM, "image uses tag latest", "ml/train.yaml", 40, 18,
                     (), TRAIN)
    waived = [
        Waived(host_network, "CNI debug, ticket OPS-12", "config"),
        Waived(latest, "pinned by Argo CD Image Updater", "annotation"),
    ]
    return Report(findings=findings, files=5, documents=5, checked=checked, waived=waived)


def empty_report() -> Report:
    """40 clean resources in 10 files."""
    checked = [CheckedResource(ResourceRef("v1", "ConfigMap", "ns", f"cm{i}"), f"f{i % 10}.yaml", 1 + i // 10)
               for i in range(40)]
    return Report(files=10, documents=40, checked=checked)


def single(f: Finding, *, files: int = 1) -> Report:
    """A report with one finding on its (checked) resource."""
    checked = [CheckedResource(f.resource, f.file, 1)] if f.resource is not None else []
    return Report(findings=[f], files=files, documents=1, checked=checked)
