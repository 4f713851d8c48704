"""Custom policies (ValidatingAdmissionPolicies) through the command line: loading errors with
file and line, findings with rule, file and line, configuration, waivers, the cache and workers
(matching and params: test_cel_policy_matching.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cel_helpers import PARAMS_POLICY, POLICY, check, custom, deployment, write
from click.testing import CliRunner

from gitops_gen.cli import main


def test_a_violation_is_a_finding_of_the_policy_rule_at_the_object_or_the_annotated_field(tmp_path: Path) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY,
                     "apps/bad.yaml": deployment(labels="{}", replicas=20),
                     "apps/good.yaml": deployment(name="ok")})
    code, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert code == 1
    assert custom(findings) == [("team-label", "bad.yaml", 1, "deployment web has no team label"),
                                ("team-label", "bad.yaml", 8, "at most 10 replicas")]
    assert {f["severity"] for f in findings if f["rule"] == "team-label"} == {"high"}


def test_an_expression_that_errors_is_a_policy_error_at_its_line_in_the_policy(tmp_path: Path) -> None:
    policy = POLICY.replace("object.spec.replicas <= 10", "object.spec.paused == false")
    write(tmp_path, {"policies/team.yaml": policy, "apps/web.yaml": deployment()})
    code, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert code == 1
    [(rule, file, line, message)] = custom(findings)
    assert (rule, file, line) == ("policy-error", "team.yaml", 22)
    assert "validations.1.expression" in message and "paused" in message


def test_failure_policy_ignore_admits_an_object_that_makes_it_error(tmp_path: Path) -> None:
    policy = POLICY.replace("object.spec.replicas <= 10", "object.spec.paused == false").replace(
        "spec:\n  matchConstraints", "spec:\n  failurePolicy: Ignore\n  matchConstraints")
    write(tmp_path, {"policies/team.yaml": policy, "apps/web.yaml": deployment()})
    assert custom(check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))[1]) == []


@pytest.mark.parametrize(("change", "line", "words"), [
    (("object.spec.replicas <= 10", "object.spec.replicas <="), 22, "Syntax error"),
    (("object.spec.replicas <= 10", "authorizer.group('').resource('pods').check('get').allowed()"), 22,
     "authorizer"),
    (("object.spec.replicas <= 10", "nothing.here"), 22, "undeclared reference"),
    (("object.spec.replicas <= 10", "1 + 'a' == 2"), 22, "no matching overload"),
    (("- name: team", "- name: no-identifier"), 17, "CEL identifier"),
    (("gitops-gen.io/severity: high", "gitops-gen.io/severity: urgent"), 6, "unknown severity"),
])
def test_a_policy_the_api_server_would_refuse_is_an_error_with_file_and_line(
        tmp_path: Path, change: tuple[str, str], line: int, words: str) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY.replace(*change), "apps/web.yaml": deployment()})
    code, _, output = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert code == 2
    assert f"team.yaml:{line}: " in output and words in output


def test_only_admission_policy_documents_are_taken_from_a_policy_folder(tmp_path: Path) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY, "policies/tests/sample.yaml": deployment(labels="{}"),
                     "policies/expected.json": '{"a": "pass"}', "apps/web.yaml": deployment()})
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert custom(findings) == []


def test_configuration_names_policy_folders_sets_severities_and_waives(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitops-gen.yaml": "policies: [policies]\nrules:\n  team-label: {severity: low}\n"
                            "waivers:\n- rule: team-label\n  match: {name: legacy}\n  reason: migrating\n",
        "policies/team.yaml": POLICY,
        "apps/bad.yaml": deployment(labels="{}"),
        "apps/legacy.yaml": deployment(name="legacy", labels="{}"),
    })
    code, findings, _ = check(str(tmp_path / "apps"), "--fail-on", "medium")
    assert [(f["rule"], Path(f["file"]).name, f["line"], f["severity"]) for f in findings
            if f["rule"] == "team-label"] == [("team-label", "bad.yaml", 1, "low")]
    assert code in (0, 1)  # other (bundled) rules may fail: the policy's finding is low


def test_validate_with_policies_runs_the_policies_and_no_bundled_rule(tmp_path: Path) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY, "apps/bad.yaml": deployment(labels="{}")})
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"),
                                       "--format", "json"])
    assert result.exit_code == 1
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert rules == {"team-label"}


def test_a_policy_named_like_a_bundled_rule_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"policies/p.yaml": POLICY.replace("name: team-label", "name: host-port"),
                     "apps/web.yaml": deployment()})
    code, _, output = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert code == 2 and "p.yaml:4: policy name 'host-port' is the id of a bundled rule" in output


def test_a_binding_naming_no_policy_is_refused(tmp_path: Path) -> None:
    binding = PARAMS_POLICY.split("---\n")[1].replace("policyName: max-replicas", "policyName: nothing")
    write(tmp_path, {"policies/p.yaml": POLICY + "---\n" + binding, "apps/web.yaml": deployment()})
    code, _, output = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert code == 2 and "p.yaml:29: binding 'max-replicas-prod' names policy 'nothing'" in output


def test_policies_need_a_kubernetes_version_that_serves_them(tmp_path: Path) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY, "apps/web.yaml": deployment()})
    code, _, output = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"),
                            "--kubernetes-version", "1.29")
    assert code == 2 and "served from Kubernetes 1.30" in output


def test_the_readme_example_policy_works(tmp_path: Path) -> None:
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("### Custom policies"):]
    policy = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert policy is not None
    limits = "\n        resources: {limits: {nvidia.com/gpu: 1}}"
    gpu = deployment().replace("image: nginx:1.27.0", "image: nginx:1.27.0" + limits)
    write(tmp_path, {"policies/gpu.yaml": policy.group(1), "apps/train.yaml": gpu, "apps/web.yaml": deployment()})
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert custom(findings, "gpu-needs-toleration", "policy-error") == [
        ("gpu-needs-toleration", "train.yaml", 14, "deployment web requests GPUs without the GPU toleration")]


def test_a_variable_may_hold_an_optional_and_one_that_errors_is_named(tmp_path: Path) -> None:
    policy = POLICY.replace("object.metadata.?labels[?'team'].orValue('')", "object.metadata.?labels[?'team']") \
        .replace("variables.team != ''", "variables.team.hasValue()") \
        .replace("  validations:", "  - name: paused\n    expression: object.spec.paused\n  validations:") \
        .replace("object.spec.replicas <= 10", "variables.paused == false")
    write(tmp_path, {"policies/team.yaml": policy, "apps/bad.yaml": deployment(labels="{}")})
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    found = custom(findings)
    assert [(rule, file, line) for rule, file, line, _ in found] == [("policy-error", "team.yaml", 24),
                                                                     ("team-label", "bad.yaml", 1)]
    assert "variables.paused: " in found[0][3] and "paused" in found[0][3]


def test_a_field_no_matched_kind_has_is_a_type_warning_with_file_and_line(tmp_path: Path) -> None:
    policy = POLICY.replace("object.spec.replicas <= 10", "object.spec.replica <= 10")
    write(tmp_path, {"policies/team.yaml": policy, "apps/web.yaml": deployment()})
    result = CliRunner().invoke(main, ["check", str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"),
                                       "--format", "json", "--no-cache"])
    assert result.exit_code == 1  # the policy runs (the API server accepts it, with this warning in its status)
    assert "gitops-gen: warning: " in result.stderr
    assert "team.yaml:22: spec.validations[1].expression: object.spec.replica is not a field of Deployment" \
        in result.stderr
    [(rule, file, line, _)] = custom(json.loads(result.stdout)["findings"])
    assert (rule, file, line) == ("policy-error", "team.yaml", 22)


def test_type_checking_reads_no_further_than_the_schemas_know(tmp_path: Path) -> None:
    guarded = POLICY.replace("object.spec.replicas <= 10", "object.kind == 'Pod' || has(object.spec.template)") \
        .replace("resources: [deployments]", "resources: [deployments, pods]")
    crd = POLICY.replace("apiGroups: [apps]", "apiGroups: [trainer.kubeflow.org]") \
        .replace("resources: [deployments]", "resources: [trainjobs]").replace("replicas <= 10", "anything")
    for name, text in {"guarded": guarded, "crd": crd}.items():
        write(tmp_path / name, {"p.yaml": text})
        result = CliRunner().invoke(main, ["validate", str(tmp_path / name), "--policies", str(tmp_path / name)])
        assert "warning" not in result.stderr, (name, result.stderr)


def test_an_inline_annotation_waives_a_policy_on_one_object(tmp_path: Path) -> None:
    waived = deployment(name="legacy", labels="{}").replace(
        "  labels: {}", "  labels: {}\n  annotations: {gitops-gen.io/ignore.team-label: owned by the platform team}")
    write(tmp_path, {"policies/team.yaml": POLICY, "apps/legacy.yaml": waived,
                     "apps/bad.yaml": deployment(labels="{}")})
    result = CliRunner().invoke(main, ["check", str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"),
                                       "--format", "json", "--no-cache"])
    report = json.loads(result.stdout)
    assert custom(report["findings"]) == [("team-label", "bad.yaml", 1, "deployment web has no team label")]
    assert [(w["rule"], Path(w["file"]).name, w["reason"]) for w in report["waived"]] == [
        ("team-label", "legacy.yaml", "owned by the platform team")]


def test_the_result_cache_is_keyed_by_the_policies(tmp_path: Path) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY, "apps/bad.yaml": deployment(labels="{}")})
    args = ["check", str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"), "--format", "json",
            "--cache-dir", str(tmp_path / "cache")]

    def messages() -> list[str]:
        report = json.loads(CliRunner().invoke(main, args).stdout)
        return [m for *_, m in custom(report["findings"])]

    assert messages() == messages() == ["deployment web has no team label"]
    (tmp_path / "policies/team.yaml").write_text(POLICY.replace("has no team label", "needs a team label"))
    assert messages() == ["deployment web needs a team label"]


def test_a_broken_file_in_the_tree_does_not_stop_the_search_for_params(tmp_path: Path) -> None:
    write(tmp_path, {
        "policies/p.yaml": PARAMS_POLICY,
        "apps/limits.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: platform}\n"
                            "data: {max: '3'}\n",
        "apps/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: prod}}\n",
        "apps/prod.yaml": deployment(namespace="shop", replicas=5),
    })
    code, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert code == 1
    assert custom(findings, "max-replicas") == [("max-replicas", "prod.yaml", 1, "replicas must be at most 3")]
    assert [(f["rule"], Path(f["file"]).name) for f in findings if f["rule"] == "yaml-syntax"] == [
        ("yaml-syntax", "broken.yaml")]


def test_a_binding_that_only_warns_reports_low(tmp_path: Path) -> None:
    binding = ("---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\n"
               "metadata: {name: warn-only}\nspec: {policyName: team-label, validationActions: [Warn]}\n")
    write(tmp_path, {"policies/team.yaml": POLICY + binding, "apps/bad.yaml": deployment(labels="{}")})
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert [(f["rule"], f["severity"], f["details"].get("check"), f["line"]) for f in findings
            if f["rule"] == "team-label"] == [("team-label", "low", "warn", 1)]


def test_worker_processes_find_what_one_process_finds(tmp_path: Path) -> None:
    write(tmp_path, {"policies/team.yaml": POLICY,
                     **{f"apps/d{i}.yaml": deployment(name=f"d{i}", labels="{}" if i % 2 else "{team: a}",
                                                      replicas=i) for i in range(16)}})
    runs = [custom(check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"), "-j", jobs)[1])
            for jobs in ("1", "2")]
    assert runs[0] == runs[1] and len(runs[0]) == 8 + 5


def test_a_policy_may_use_the_format_library(tmp_path: Path) -> None:
    policy = POLICY.replace("object.spec.replicas <= 10",
                            "\"!format.labelValue().validate(variables.team + '-').hasValue()\"")
    write(tmp_path, {"policies/team.yaml": policy, "apps/web.yaml": deployment()})
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert custom(findings) == [("team-label", "web.yaml", 8, "at most 10 replicas")]
