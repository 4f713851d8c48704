"""The pull-request gate on real git repositories (issue 10's proof).

The base commit holds a clean platform (a kustomize base with two overlays, namespaces with Pod
Security labels, NetworkPolicies, quotas and limits) and a legacy folder whose Deployment ``web``
has findings.  Each head change asserts the rule, the class, the file and the line of what the
gate reports, and its exit code.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import git
import pytest
from click.testing import CliRunner
from tree_helpers import commit_all

from gitops_gen.cli import main

DATA = Path(__file__).parent / "data" / "platform"
PRIVILEGED_PATCH = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          securityContext:
            privileged: true
"""

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None,
                                reason="SKIPPED LOUDLY: kubectl is not installed; the gate's kustomize cases need it")


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(DATA, root)
    commit_all(root, "base: a clean platform and legacy findings")
    return root


def gate(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["check", str(repo), "--base", "main", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


def found(report: dict[str, Any], repo: Path) -> list[tuple[str, str, str, int]]:
    """(rule, class, file below the repository, line) of every finding of the report."""
    return sorted((f["rule"], f.get("change") or f.get("details", {}).get("change"),
                   os.path.relpath(f["file"], repo), f["line"]) for f in report["findings"])


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_the_unchanged_tree_passes_although_legacy_findings_exist(repo: Path) -> None:
    full = CliRunner().invoke(main, ["check", str(repo)])
    assert full.exit_code == 1, "the legacy folder fails a plain check"
    code, report = gate(repo)
    assert code == 0 and found(report, repo) == []
    # (legacy web has no budget: the kustomize base's goes to team-a-prod and team-a-staging only)
    assert report["gate"]["persisting"] == 8 and report["gate"]["new"] == 0


def test_a_privileged_container_is_one_new_finding(repo: Path) -> None:
    deployment = repo / "apps/base/deployment.yaml"
    deployment.write_text(deployment.read_text().replace("readOnlyRootFilesystem: true",
                                                         "readOnlyRootFilesystem: true\n            privileged: true"))
    code, report = gate(repo)
    assert code == 1
    assert found(report, repo) == [("privileged-container", "new", "apps/base/deployment.yaml",
                                    line_of(deployment, "privileged: true"))]


def test_an_unrelated_change_passes(repo: Path) -> None:
    (repo / "README.md").write_text("# demo\n\nmore words\n")
    code, report = gate(repo)
    assert code == 0 and found(report, repo) == []


def test_deleting_a_network_policy_removes_a_guardrail(repo: Path) -> None:
    guardrails = repo / "platform/guardrails.yaml"
    base_line = line_of(guardrails, "metadata: {name: default-deny, namespace: team-a-staging}")
    docs = guardrails.read_text().split("---\n")
    guardrails.write_text("---\n".join(d for d in docs if "default-deny, namespace: team-a-staging" not in d))
    code, report = gate(repo)
    assert code == 1
    rows = found(report, repo)
    # the kustomize base's Deployment is built into team-a-staging too: nothing selects it there now
    assert [r[:3] for r in rows] == [("guardrail-removed", "guardrail-removed", "platform/guardrails.yaml"),
                                     ("workload-network-policy", "new", "apps/base/deployment.yaml")]
    assert rows[0][3] == base_line - 2  # the deleted object's first line (apiVersion), where it was in base
    assert "NetworkPolicy" in next(f["message"] for f in report["findings"] if f["rule"] == "guardrail-removed")


def test_turning_a_rule_off_removes_a_guardrail(repo: Path) -> None:
    config = repo / ".gitops-gen.yaml"
    config.write_text("fail-on: medium\nrules:\n  privileged-container: off\n")
    code, report = gate(repo)
    assert code == 1
    assert found(report, repo) == [("guardrail-removed", "guardrail-removed", ".gitops-gen.yaml",
                                    line_of(config, "privileged-container"))]


def test_a_patch_that_makes_the_base_privileged_is_caught_through_the_build(repo: Path) -> None:
    patch = repo / "apps/overlays/prod/patch.yaml"
    patch.write_text(PRIVILEGED_PATCH)
    code, report = gate(repo)
    assert code == 1
    assert found(report, repo) == [("privileged-container", "new", "apps/overlays/prod/patch.yaml",
                                    line_of(patch, "privileged: true"))]


def test_an_inline_patch_that_makes_the_base_privileged_is_located_in_the_kustomization(repo: Path) -> None:
    kustomization = repo / "apps/overlays/staging/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("  - path: patch.yaml\n", (
        "  - path: patch.yaml\n"
        "  - target: {kind: Deployment, name: web}\n"
        "    patch: |-\n"
        "      - op: add\n"
        "        path: /spec/template/spec/containers/0/securityContext/privileged\n"
        "        value: true\n")))
    code, report = gate(repo)
    assert code == 1
    assert found(report, repo) == [("privileged-container", "new", "apps/overlays/staging/kustomization.yaml",
                                    line_of(kustomization, "value: true"))]
    assert report["findings"][0]["column"] == 16 and "inline patch" in report["findings"][0]["message"]


def test_moving_a_file_and_changing_a_generator_is_nothing_new(repo: Path) -> None:
    (repo / "apps/base/deployment.yaml").rename(repo / "apps/base/web.yaml")
    (repo / "apps/base/kustomization.yaml").write_text("resources: [web.yaml, pdb.yaml]\n")
    prod = repo / "apps/overlays/prod/kustomization.yaml"
    prod.write_text(prod.read_text().replace("LEVEL=info", "LEVEL=debug"))
    (repo / "legacy/web.yaml").rename(repo / "legacy/old-web.yaml")
    code, report = gate(repo)
    assert code == 0 and found(report, repo) == []
    assert report["gate"]["persisting"] == 8


def test_the_same_violation_under_the_same_name_elsewhere_is_new(repo: Path) -> None:
    """legacy/ already has a privileged Deployment named web; the same in an overlay is still new
    (checkov's --baseline would absorb it: it matches by resource address only)."""
    patch = repo / "apps/overlays/staging/patch.yaml"
    patch.write_text(PRIVILEGED_PATCH)
    code, report = gate(repo)
    assert code == 1
    assert found(report, repo) == [("privileged-container", "new", "apps/overlays/staging/patch.yaml",
                                    line_of(patch, "privileged: true"))]
    # a third identical finding where base had two is one new finding (counted sets)
    (repo / "apps/overlays/prod/patch.yaml").write_text(PRIVILEGED_PATCH)
    code, report = gate(repo)
    assert [r[1] for r in found(report, repo)] == ["new", "new"]


def test_all_lists_persisting_findings_that_never_fail(repo: Path) -> None:
    code, report = gate(repo, "--all")
    assert code == 0
    assert {r[1] for r in found(report, repo)} == {"persisting"}
    assert {r[2] for r in found(report, repo)} == {"legacy/web.yaml"}


def test_a_head_ref_is_compared_commit_to_commit(repo: Path) -> None:
    r = git.Repo(repo)
    r.git.checkout("-b", "feature")
    patch = repo / "apps/overlays/prod/patch.yaml"
    patch.write_text(PRIVILEGED_PATCH)
    r.git.commit("-am", "privileged")
    r.git.checkout("main")
    code, report = gate(repo, "--head", "feature")
    assert code == 1
    assert [r[:3] for r in found(report, repo)] == [("privileged-container", "new", "apps/overlays/prod/patch.yaml")]


@pytest.mark.parametrize(("args", "message"), [
    (("--base", "nope"), "does not exist"),
    (("--base", "main", "--head", "nope"), "does not exist"),
])
def test_bad_refs_exit_2_saying_what_to_fetch(repo: Path, args: tuple[str, ...], message: str) -> None:
    result = CliRunner().invoke(main, ["check", str(repo), *args])
    assert result.exit_code == 2
    assert message in result.output and "git fetch" in result.output


def test_a_folder_outside_git_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--base", "main"])
    assert result.exit_code == 2 and "not inside a git repository" in result.output


def test_a_shallow_clone_missing_the_base_says_what_to_fetch(repo: Path, tmp_path: Path) -> None:
    origin = git.Repo(repo)
    (repo / "README.md").write_text("# demo\n\nsecond commit\n")
    origin.git.commit("-am", "second")
    shallow = tmp_path / "shallow"
    git.Repo.clone_from(f"file://{repo}", shallow, depth=1)
    result = CliRunner().invoke(main, ["check", str(shallow), "--base", "HEAD~1"])
    assert result.exit_code == 2
    assert "shallow clone" in result.output and "git fetch --depth" in result.output, result.output


def test_a_budget_deleted_from_one_kustomize_base_is_not_hidden_by_another_teams(repo: Path, tmp_path: Path) -> None:
    """Kustomize bases name no namespace: two teams' bases may each hold a budget ``web``.  One
    team deleting theirs is a removed guardrail although the other's stays; moving it within
    the same base is not."""
    shutil.copytree(repo / "apps", repo / "team-b")
    for overlay in ("prod", "staging"):
        kustomization = repo / "team-b/overlays" / overlay / "kustomization.yaml"
        kustomization.write_text(kustomization.read_text().replace("team-a", "team-b"))
    commit_all(repo, "team b's copy of the app")
    (repo / "apps/base/pdb.yaml").unlink()
    (repo / "apps/base/kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    code, report = gate(repo)
    assert code == 1
    assert [r for r in found(report, repo) if r[1] == "guardrail-removed"] == [
        ("guardrail-removed", "guardrail-removed", "apps/base/pdb.yaml", 1)]
    assert "PodDisruptionBudget web deleted" in next(f["message"] for f in report["findings"]
                                                     if f["rule"] == "guardrail-removed")
    # and team a's Deployment lost its budget (team b's does not cover it: another namespace)
    assert ("pod-disruption-budget", "new", "apps/base/deployment.yaml") in [r[:3] for r in found(report, repo)]
    git.Repo(repo).git.checkout("--", ".")
    (repo / "apps/base/pdb.yaml").rename(repo / "apps/base/budget.yaml")
    (repo / "apps/base/kustomization.yaml").write_text("resources: [deployment.yaml, budget.yaml]\n")
    code, report = gate(repo)
    assert code == 0 and report["gate"]["guardrails_removed"] == 0
