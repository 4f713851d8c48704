"""``gitops-gen policy new | test | export``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cel_helpers import PARAMS_POLICY, POLICY, write
from click.testing import CliRunner

from gitops_gen.cli import main

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "cel"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_a_new_policy_is_a_skeleton_whose_tests_pass(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    code, output = invoke("policy", "new", "team-owner", "-o", str(folder))
    assert code == 0 and (folder / "team-owner.yaml").is_file() and (folder / "team-owner.test.yaml").is_file()
    code, output = invoke("policy", "test", str(folder))
    assert code == 0, output
    assert output.splitlines()[-1] == "2 passed, 0 failed"
    assert invoke("policy", "new", "team-owner", "-o", str(folder))[0] == 2  # never overwritten
    assert invoke("policy", "new", "Bad_Name", "-o", str(folder))[0] == 2


def test_a_failing_case_is_listed_with_its_line_and_exits_1(tmp_path: Path) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY, "policies/team.test.yaml": """\
cases:
- name: labelled
  expect: allow
  resource: {apiVersion: apps/v1, kind: Deployment, metadata: {name: a, labels: {team: x}}, spec: {replicas: 1}}
- name: wrongly expected to pass
  expect: allow
  resource: {apiVersion: apps/v1, kind: Deployment, metadata: {name: b}, spec: {replicas: 1}}
- name: from a file
  expect: deny
  message: at most 10 replicas
  file: samples/big.yaml
""", "policies/samples/big.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c, labels: {team: x}}\n"
                                  "spec: {replicas: 11}\n"})
    code, output = invoke("policy", "test", str(tmp_path / "policies"))
    assert code == 1
    lines = output.splitlines()
    assert lines[1].startswith("pass    team-label  allow     allow  labelled (")
    assert lines[1].endswith("team.test.yaml:2)")
    assert lines[2].startswith("FAIL    team-label  allow     deny   wrongly expected to pass (")
    assert lines[2].endswith("team.test.yaml:5)")
    assert lines[3].strip() == "deployment b has no team label"
    assert lines[4].startswith("pass    team-label  deny      deny   from a file (")
    assert lines[-1] == "2 passed, 1 failed"


def test_a_malformed_case_is_an_error_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY,
                     "policies/team.test.yaml": "cases:\n- name: x\n  expect: maybe\n  resource: {}\n"})
    code, output = invoke("policy", "test", str(tmp_path / "policies"))
    assert code == 2 and "team.test.yaml:2: cases[0]: expect is allow or deny" in output


def test_export_gives_each_policy_a_binding_valid_for_kubernetes_1_31(tmp_path: Path) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY})
    out = tmp_path / "export.yaml"
    assert invoke("policy", "export", str(tmp_path / "policies"), "--action", "Warn", "-o", str(out))[0] == 0
    text = out.read_text()
    assert "kind: ValidatingAdmissionPolicyBinding" in text and "policyName: team-label" in text
    assert "- Warn" in text
    code, output = invoke("validate", str(out), "--kubernetes-version", "1.31", "--require-schemas",
                          "--format", "json")
    assert code == 0 and json.loads(output)["findings"] == []


def test_export_keeps_the_folders_bindings_and_refuses_a_params_policy_without_one(tmp_path: Path) -> None:
    write(tmp_path, {"withbinding/p.yaml": PARAMS_POLICY,
                     "without/p.yaml": PARAMS_POLICY.split("---\n")[0]})
    code, output = invoke("policy", "export", str(tmp_path / "withbinding"))
    assert code == 0 and output.count("kind: ValidatingAdmissionPolicyBinding") == 1
    assert "name: max-replicas-prod" in output
    code, output = invoke("policy", "export", str(tmp_path / "without"))
    assert code == 2 and "p.yaml:1: policy 'max-replicas' has a paramKind: give it a binding" in output


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason=f"{CONFORMANCE} absent (../shared): SKIPPED")
def test_every_conformance_policy_exports_valid_for_kubernetes_1_31(tmp_path: Path) -> None:
    out = tmp_path / "all.yaml"
    folders = sorted(str(p) for p in CONFORMANCE.iterdir() if p.is_dir())
    assert invoke("policy", "export", *folders, "-o", str(out))[0] == 0
    code, output = invoke("validate", str(out), "--kubernetes-version", "1.31", "--require-schemas",
                          "--format", "json")
    assert code == 0 and json.loads(output)["findings"] == [], output
    assert out.read_text().count("kind: ValidatingAdmissionPolicyBinding") == 30


def test_the_example_org_policies_pass_their_tests_and_export_valid() -> None:
    examples = Path(__file__).resolve().parents[2] / "examples" / "policies"
    code, output = invoke("policy", "test", str(examples))
    assert code == 0, output
    assert output.splitlines()[-1] == "8 passed, 0 failed"
    assert {line.split()[1] for line in output.splitlines()[1:-1]} == {
        "gpu-pool-toleration", "org-registries", "team-label"}
    code, exported = invoke("policy", "export", str(examples))
    assert code == 0 and exported.count("kind: ValidatingAdmissionPolicyBinding") == 3


def test_rules_and_explain_know_the_policies_given(tmp_path: Path) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY})
    code, output = invoke("rules", "--policies", str(tmp_path / "policies"))
    assert code == 0
    assert [line.split()[:3] for line in output.splitlines() if "custom-policy" in line] == [
        ["policy-error", "high", "custom-policy"], ["team-label", "high", "custom-policy"]]
    code, output = invoke("explain", "team-label", "--policies", str(tmp_path / "policies"))
    assert code == 0 and output.startswith("team-label (high, custom-policy)\n\nWorkloads carry a team label.")
    assert "team.yaml` (line 1)" in output and "- `variables.team != ''`" in output
