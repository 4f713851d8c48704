"""missing-resources and missing-probes options."""

from __future__ import annotations

from conftest import Run

DEPLOYMENT = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: serving}
    spec:
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec:
          containers:
          - name: api
            image: ghcr.io/acme/api:1.0.0
            readinessProbe: {httpGet: {path: /ready, port: 8080}}
            resources:
              requests: {cpu: 100m, memory: 128Mi}
              limits: {memory: 128Mi}
"""


def test_cpu_limit_is_optional_unless_required(run_tree: Run) -> None:
    assert run_tree("missing-resources", {"d.yaml": DEPLOYMENT}) == []
    findings = run_tree("missing-resources", {"d.yaml": DEPLOYMENT}, {"require-cpu-limit": True})
    assert [f.line for f in findings] == [13] and "cpu limit" in findings[0].message


def test_memory_limit_can_be_dropped(run_tree: Run) -> None:
    no_limit = DEPLOYMENT.replace("          limits: {memory: 128Mi}\n", "")
    assert len(run_tree("missing-resources", {"d.yaml": no_limit})) == 1
    assert run_tree("missing-resources", {"d.yaml": no_limit}, {"require-memory-limit": False}) == []


def test_probe_requirements_and_kinds(run_tree: Run) -> None:
    findings = run_tree("missing-probes", {"d.yaml": DEPLOYMENT})
    assert [f.details["check"] for f in findings] == ["missing-liveness"]
    assert run_tree("missing-probes", {"d.yaml": DEPLOYMENT}, {"require-liveness": False}) == []
    assert run_tree("missing-probes", {"d.yaml": DEPLOYMENT}, {"kinds": ["StatefulSet"]}) == []
