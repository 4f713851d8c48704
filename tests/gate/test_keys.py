"""Matching keys and counted-set classification of the pull-request gate."""

from __future__ import annotations

from gitops_gen.gate.keys import finding_key, keyed_path, stable_name
from gitops_gen.gate.run import classify
from gitops_gen.model import Finding, ResourceRef, Severity

POD = {"spec": {"containers": [{"name": "sidecar"}, {"name": "api", "volumeMounts": [{"mountPath": "/tmp"}]}],
                "tolerations": [{"effect": "NoSchedule"}]}}


def test_list_items_are_named_by_their_merge_key() -> None:
    assert keyed_path(POD, ("spec", "containers", 1, "securityContext")) == "spec.containers[name=api].securityContext"
    assert keyed_path(POD, ("spec", "containers", 1, "volumeMounts", 0)) == \
        "spec.containers[name=api].volumeMounts[mountPath=/tmp]"
    assert keyed_path(POD, ("spec", "tolerations", 0)) == "spec.tolerations[0]"  # no merge key: the position
    assert keyed_path(POD, ("spec", "containers", 7)) == "spec.containers[7]"


def test_kustomize_hash_suffixes_are_not_identity() -> None:
    assert stable_name("ConfigMap", "settings-7f9c8d2b4m") == "settings"
    assert stable_name("ConfigMap", "settings-89g4tffbfk") == "settings"  # kubectl kustomize output
    assert stable_name("Deployment", "web-7f9c8d2b4m") == "web-7f9c8d2b4m"  # only generated kinds
    assert stable_name("ConfigMap", "my-long-name") == "my-long-name"


def _finding(name: str, api: str = "apps/v1", line: int = 1, rule: str = "privileged-container") -> Finding:
    return Finding(rule, Severity.ERROR, "m", "f.yaml", line, 1, ("spec", "containers", 0),
                   ResourceRef(api, "Deployment", "ns", name))


def test_the_key_ignores_lines_and_api_versions_but_not_units() -> None:
    a = finding_key(_finding("web", "apps/v1", line=3), "kustomize:apps/overlays/prod", None, "x.yaml")
    b = finding_key(_finding("web", "apps/v1beta2", line=40), "kustomize:apps/overlays/prod", None, "y.yaml")
    c = finding_key(_finding("web"), "kustomize:apps/overlays/staging", None, "x.yaml")
    assert a == b
    assert a != c


def test_counted_sets() -> None:
    base = [("k", _finding("web")), ("k", _finding("web")), ("gone", _finding("old"))]
    head = [("k", _finding("web")), ("k", _finding("web")), ("k", _finding("web")), ("fresh", _finding("new"))]
    new, persisting, resolved = classify(base, head)
    assert len(new) == 2 and len(persisting) == 2 and len(resolved) == 1
    assert {f.details["change"] for f in new} == {"new"}
    assert resolved[0].resource is not None and resolved[0].resource.name == "old"
