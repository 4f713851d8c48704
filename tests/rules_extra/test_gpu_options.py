"""gpu-* rules: options (taint key, node labels, sub-checks off, extra GPU resource names)."""

from __future__ import annotations

from conftest import Run

POD = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: p, namespace: research}
    spec:
      nodeSelector: {pool: ml-large}
      tolerations: [{key: dedicated, operator: Equal, value: ml, effect: NoSchedule}]
      containers:
      - name: a
        image: ghcr.io/acme/a:1.0.0
        resources: {limits: {nvidia.com/gpu: 1}}
"""


def _checks(findings: list) -> list[str]:
    return sorted(f.details["check"] for f in findings)


def test_custom_taint_and_label_fail_by_default(run_tree: Run) -> None:
    findings = run_tree("gpu-toleration", {"p.yaml": POD})
    assert _checks(findings) == ["missing-node-selection", "missing-toleration"]


def test_taint_key_and_node_labels_options(run_tree: Run) -> None:
    assert run_tree("gpu-toleration", {"p.yaml": POD}, {"taint-key": "dedicated", "node-labels": ["pool"]}) == []


def test_sub_checks_can_be_turned_off(run_tree: Run) -> None:
    off = run_tree("gpu-toleration", {"p.yaml": POD}, {"require-toleration": False})
    assert _checks(off) == ["missing-node-selection"]
    assert run_tree("gpu-toleration", {"p.yaml": POD},
                    {"require-toleration": False, "require-node-selection": False}) == []


def test_gpu_resources_option_extends_both_rules(run_tree: Run) -> None:
    neuron = POD.replace("nvidia.com/gpu: 1", "aws.amazon.com/neuron: 0.5")
    assert run_tree("gpu-limits", {"p.yaml": neuron}) == []
    found = run_tree("gpu-limits", {"p.yaml": neuron}, {"gpu-resources": ["aws.amazon.com/neuron*"]})
    assert _checks(found) == ["not-integer"]
    assert _checks(run_tree("gpu-toleration", {"p.yaml": neuron}, {"gpu-resources": ["aws.amazon.com/neuron"]})) \
        == ["missing-node-selection", "missing-toleration"]


def test_gpu_named_labels(run_tree: Run) -> None:
    pool = POD.replace("nodeSelector: {pool: ml-large}", "nodeSelector: {ml-platform.io/gpu-pool: a10g}")
    assert _checks(run_tree("gpu-toleration", {"p.yaml": pool})) == ["missing-toleration"]
    assert _checks(run_tree("gpu-toleration", {"p.yaml": pool}, {"gpu-named-labels": False})) == [
        "missing-node-selection", "missing-toleration"]
    value = POD.replace("nodeSelector: {pool: ml-large}", "nodeSelector: {pool: gpu-a100}")
    assert _checks(run_tree("gpu-toleration", {"p.yaml": value})) == ["missing-toleration"]


def test_resource_names_match_exactly_or_by_a_prefix_ending_in_a_star() -> None:
    from gitops_gen.rules._gpu import matches, patterns

    names = patterns([" nvidia.com/mig-* ", "amd.com/gpu", "", 3, "*x"])  # stripped; blanks and non-names left out
    assert names == ["nvidia.com/mig-*", "amd.com/gpu", "*x"]
    assert patterns("not a list") == [] and patterns([{"a": 1}]) == []
    asked = ("nvidia.com/mig-1g.5gb", "nvidia.com/mig-", "amd.com/gpu", "amd.com/gpus", "nvidia.com/gpu", "*x", "*xy")
    assert [n for n in asked if matches(n, names)] == ["nvidia.com/mig-1g.5gb", "nvidia.com/mig-", "amd.com/gpu", "*x"]
    assert matches("anything", ["*"]) and not matches("amd.com/gpu", [])
