"""argocd-unpinned-revision: the GitOps repository itself may track a branch."""

from __future__ import annotations

from conftest import Run

ROOT = """\
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {name: root, namespace: argocd}
    spec:
      project: platform
      source:
        repoURL: https://github.com/example-org/ml-platform-gitops.git
        path: apps
        targetRevision: main
      destination: {server: https://kubernetes.default.svc, namespace: argocd}
"""

CHILD = """\
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {name: teams, namespace: argocd}
    spec:
      project: platform
      sources:
      - repoURL: git@github.com:example-org/ml-platform-gitops.git
        path: teams/research
        targetRevision: main
      - repoURL: https://github.com/kubeflow/manifests
        path: common/kubeflow-namespace/base
        targetRevision: master
      destination: {server: https://kubernetes.default.svc, namespace: research}
"""


def _lines(findings: list) -> list[tuple[str, int]]:
    return [(f.file, f.line) for f in findings]


def test_app_of_apps_repository_may_track_main(run_tree: Run) -> None:
    findings = run_tree("argocd-unpinned-revision", {"bootstrap/root.yaml": ROOT, "apps/teams.yaml": CHILD})
    # only the upstream kubeflow/manifests branch is reported; the GitOps repo (ssh form too) is not
    assert _lines(findings) == [("apps/teams.yaml", 12)]
    assert "kubeflow/manifests" in findings[0].message


def test_detection_needs_the_folder_to_hold_applications(run_tree: Run) -> None:
    root = ROOT.replace("path: apps", "path: nothere")
    findings = run_tree("argocd-unpinned-revision", {"bootstrap/root.yaml": root, "apps/teams.yaml": CHILD})
    assert _lines(findings) == [("apps/teams.yaml", 9), ("apps/teams.yaml", 12), ("bootstrap/root.yaml", 9)]


def test_detection_can_be_turned_off_and_replaced_by_self_repos(run_tree: Run) -> None:
    files = {"bootstrap/root.yaml": ROOT, "apps/teams.yaml": CHILD}
    off = run_tree("argocd-unpinned-revision", files, {"detect-self-repo": False})
    assert len(off) == 3
    named = run_tree("argocd-unpinned-revision", files, {
        "detect-self-repo": False, "self-repos": ["ssh://git@github.com/example-org/ml-platform-gitops"]})
    assert _lines(named) == [("apps/teams.yaml", 12)]


def test_self_repo_branches_limit_what_the_gitops_repo_may_track(run_tree: Run) -> None:
    files = {"bootstrap/root.yaml": ROOT.replace("targetRevision: main", "targetRevision: feature-x"),
             "apps/teams.yaml": CHILD}
    findings = run_tree("argocd-unpinned-revision", files)
    assert ("bootstrap/root.yaml", 9) in _lines(findings)
    missing = run_tree("argocd-unpinned-revision",
                       {"bootstrap/root.yaml": ROOT.replace("        targetRevision: main\n", ""),
                        "apps/teams.yaml": CHILD}, {"self-repo-branches": ["main"]})
    assert ("bootstrap/root.yaml", 6) in _lines(missing)  # missing = HEAD, not allowed here


def test_allowed_branches_apply_to_any_repository(run_tree: Run) -> None:
    findings = run_tree("argocd-unpinned-revision", {"bootstrap/root.yaml": ROOT, "apps/teams.yaml": CHILD},
                        {"allowed-branches": ["master"]})
    assert findings == []


def test_applicationset_git_directories_detect_the_repository(run_tree: Run) -> None:
    appset = """\
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: teams, namespace: argocd}
        spec:
          generators:
          - git:
              repoURL: https://github.com/example-org/ml-platform-gitops
              revision: main
              directories:
              - path: apps/teams/*
          template:
            metadata: {name: "{{path.basename}}"}
            spec:
              project: teams
              source:
                repoURL: https://github.com/example-org/ml-platform-gitops
                path: "{{path}}"
                targetRevision: main
              destination: {server: https://kubernetes.default.svc, namespace: "{{path.basename}}"}
    """
    child = CHILD.replace("targetRevision: master", "targetRevision: v1.11.0")
    findings = run_tree("argocd-unpinned-revision", {"appsets/teams.yaml": appset,
                                                     "apps/teams/research/app.yaml": child})
    assert findings == []
