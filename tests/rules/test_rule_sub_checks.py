"""The fail fixtures of the rules with sub-checks exercise every sub-check (the fixtures prove
rule and line; this proves each finding's ``check`` names what the rule documents)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gitops_gen.engine import check_resources
from gitops_gen.manifests import SourceFile, load_file

HERE = Path(__file__).parent

#: rule -> every sub-check it documents
SUB_CHECKS: dict[str, set[str]] = {
    "pod-disruption-budget": {"missing", "blocks-eviction", "above-hpa-min"},
    "replicas-not-spread": {"no-spread"},
    "min-replicas": {"workload", "hpa"},
    "workload-network-policy": {"not-selected"},
    "dangling-reference": {"service-selector", "ingress-backend", "hpa-target", "pdb-selector",
                           "networkpolicy-selector", "selector-mismatch", "probe-port", "target-port",
                           "service-account"},
    "service-account-token": {"automount", "default-account"},
    "root-group": {"run-as-group", "fs-group", "supplemental-groups"},
    "service-exposure": {"node-port", "load-balancer", "external-ips"},
    "priority-class": {"missing"},
    "required-labels": {"label", "annotation"},
    "probes-identical": {"liveness-equals-readiness"},
    "image-pull-policy": {"not-always"},
    "ingress-hygiene": {"no-tls", "wildcard-host", "empty-host"},
    "job-hygiene": {"no-ttl", "no-deadline", "restart-policy"},
    "bare-pod": {"no-controller"},
    "image-digest": {"not-digest"},
    "rbac-system-group-binding": {"binding"},
}
#: rbac-escalation's sub-checks from issue 14 (its older findings carry none, or port-forward)
ESCALATION = {"create-pods", "csr-approval", "webhook-config", "endpoints-edit"}


def _checks(rule: str) -> set[str]:
    found: set[str] = set()
    for path in sorted((HERE / rule / "fail").glob("*.yaml")):
        text = path.read_text()
        if text.startswith("#@file "):
            continue  # repository bundles: their lines are proven by the fixture harness
        header = re.match(r"#\s*options:\s*(.+)", text)
        options = {rule: json.loads(header.group(1))} if header else None
        resources = load_file(SourceFile(str(path), path.name)).resources
        found |= {f.details.get("check", "") for f in check_resources(resources, [rule], options)}
    return found


@pytest.mark.parametrize("rule", sorted(SUB_CHECKS))
def test_fail_fixtures_exercise_every_sub_check(rule: str) -> None:
    assert _checks(rule) == SUB_CHECKS[rule]


def test_rbac_escalation_fixtures_exercise_the_new_sub_checks() -> None:
    assert _checks("rbac-escalation") >= ESCALATION
