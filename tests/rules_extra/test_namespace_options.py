"""namespace-* rules: the exempt-namespaces option, and reporting once per namespace."""

from __future__ import annotations

from conftest import Run

TWO_JOBS = """\
    apiVersion: batch/v1
    kind: Job
    metadata: {name: a, namespace: research}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: a, image: "ghcr.io/acme/a:1.0.0"}]
    ---
    apiVersion: batch/v1
    kind: Job
    metadata: {name: b, namespace: research}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: b, image: "ghcr.io/acme/b:1.0.0"}]
"""


def test_one_finding_per_namespace_on_its_first_workload(run_tree: Run) -> None:
    findings = run_tree("namespace-network-policy", {"jobs.yaml": TWO_JOBS})
    assert [(f.file, f.line) for f in findings] == [("jobs.yaml", 3)]
    assert [f.details.get("check") for f in run_tree("namespace-quota", {"jobs.yaml": TWO_JOBS})] == [
        "missing-limitrange", "missing-quota"]


def test_exempt_namespaces(run_tree: Run) -> None:
    assert run_tree("namespace-network-policy", {"jobs.yaml": TWO_JOBS}, {"exempt-namespaces": ["research"]}) == []
    assert run_tree("namespace-quota", {"jobs.yaml": TWO_JOBS}, {"exempt-namespaces": ["research"]}) == []


def test_namespace_object_in_another_file_is_where_the_finding_goes(run_tree: Run) -> None:
    files = {"jobs.yaml": TWO_JOBS, "ns/research.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n"
                                                          "  name: research\n"}
    findings = run_tree("namespace-network-policy", files)
    assert [(f.file, f.line) for f in findings] == [("ns/research.yaml", 4)]
