"""`gitops-gen update` on the ml-platform blueprint, with real git repositories: the issue's proof.

The blueprint is rendered once per module (a repository made by ``new``); each test works on a
copy.  The "newer blueprint" is a copy of the bundled one at version 0.2.0 with cert-manager's
chart bumped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import git
import pytest
from update_helpers import commit_all, copy_repo, invoke, isolate_git, newer_blueprint, show, state

from gitops_gen.blueprints import ANSWERS_FILE, BlueprintInfo, apply_update, find_blueprint, plan_update, render
from gitops_gen.blueprints import pristine as pristine_module
from gitops_gen.blueprints.pristine import PRISTINE_REF
from gitops_gen.errors import RepositoryError

CERT_MANAGER = "apps/platform/cert-manager.yaml"
ARGOCD_VALUES = "platform/argocd/values.yaml"
NLP = ["--set", "teams.nlp.group=nlp-team", "--set", "teams.nlp.gpu_quota=2", "--set", "teams.nlp.cpu_quota=8",
       "--set", "teams.nlp.memory_quota=32Gi"]


@pytest.fixture(scope="module")
def rendered(bp: BlueprintInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``gitops-gen new ml-platform --no-input``: a repository with its first commit."""
    with pytest.MonkeyPatch.context() as patch:
        isolate_git(patch, tmp_path_factory.mktemp("home"))
        yield render(bp, tmp_path_factory.mktemp("rendered"), {})


@pytest.fixture(scope="module")
def v2(bp: BlueprintInfo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return newer_blueprint(bp.path, tmp_path_factory.mktemp("v2") / "ml-platform", "0.2.0",
                           {CERT_MANAGER: ("targetRevision: v1.21.1", "targetRevision: v1.22.0")})


@pytest.fixture(autouse=True)
def _git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git(monkeypatch, tmp_path / "home")


@pytest.fixture
def repo(rendered: Path, tmp_path: Path) -> Path:
    return copy_repo(rendered, tmp_path / "repo")


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text()
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1))


def test_new_writes_the_answers_and_the_pristine_ref(rendered: Path) -> None:
    r = git.Repo(rendered)
    assert r.git.rev_parse(PRISTINE_REF) == r.head.commit.hexsha
    assert "blueprint:" not in (rendered / ".gitops-gen.yaml").read_text()
    assert show(rendered, "HEAD", ANSWERS_FILE) is not None


def test_user_edits_survive_a_new_team_and_a_version_bump(repo: Path, v2: Path) -> None:
    edit(repo, ARGOCD_VALUES, "admin.enabled: true", "admin.enabled: false  # SSO only (ours)")
    (repo / "teams" / "ops").mkdir()
    (repo / "teams" / "ops" / "namespace.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ops\n")
    main_before = commit_all(repo, "hand edits: SSO only, team ops")
    before = state(repo)

    code, out = invoke("update", "--no-gate", str(repo), "--blueprint", str(v2), "--trust", *NLP)

    assert code == 0, out
    assert "Committed" in out and "gitops-gen/update-0.2.0" in out
    assert state(repo)[1:] == before[1:]  # the user's HEAD, index and work tree are untouched
    r = git.Repo(repo)
    assert r.commit("main").hexsha == main_before
    branch = r.commit("gitops-gen/update-0.2.0")
    assert [p.hexsha for p in branch.parents] == [main_before]  # one commit on top of the user's
    assert "admin.enabled: false  # SSO only (ours)" in show(repo, "gitops-gen/update-0.2.0", ARGOCD_VALUES)
    assert "targetRevision: v1.22.0" in show(repo, "gitops-gen/update-0.2.0", CERT_MANAGER)
    assert show(repo, "gitops-gen/update-0.2.0", "teams/nlp/platform/namespaces.yaml") is not None
    assert show(repo, "gitops-gen/update-0.2.0", "teams/ops/namespace.yaml") is not None
    answers = show(repo, "gitops-gen/update-0.2.0", ANSWERS_FILE)
    assert answers is not None and 'version: "0.2.0"' in answers and "nlp:" in answers
    message = branch.message
    assert message.startswith("gitops-gen update: ml-platform 0.1.0 -> 0.2.0")
    assert "teams.nlp: added" in message
    assert "cert-manager: v1.21.1 -> v1.22.0" in message
    assert "added: teams/nlp/platform/namespaces.yaml" in message


def test_an_overlapping_edit_is_a_conflict_left_on_the_update_branch(repo: Path, v2: Path) -> None:
    edit(repo, CERT_MANAGER, "targetRevision: v1.21.1", "targetRevision: v1.21.2  # our hotfix")
    main_before = commit_all(repo)

    code, out = invoke("update", "--no-gate", str(repo), "--blueprint", str(v2), "--trust")

    assert code == 1, out
    text = (repo / CERT_MANAGER).read_text()
    line = text.splitlines().index("<<<<<<< HEAD") + 1
    assert f"CONFLICT {CERT_MANAGER}:{line}: content conflict" in out
    r = git.Repo(repo)
    assert r.active_branch.name == "gitops-gen/update-0.2.0"
    assert "v1.21.2  # our hotfix" in text and "v1.22.0" in text and ">>>>>>> " in text
    assert r.git.status("--porcelain").splitlines()[0].startswith("UU ") or "UU " + CERT_MANAGER in r.git.status(
        "--porcelain")
    assert r.commit("main").hexsha == main_before  # main untouched
    r.git.checkout("--theirs", "--", CERT_MANAGER)  # resolving and continuing is plain git
    r.git.add(CERT_MANAGER)
    r.git.cherry_pick("--continue", env={"GIT_EDITOR": "true"})
    assert r.head.commit.parents[0].hexsha == main_before
    assert r.head.commit.message.startswith("gitops-gen update: ml-platform 0.1.0 -> 0.2.0")


def test_a_deleted_file_stays_deleted(repo: Path, v2: Path) -> None:
    (repo / "apps/platform/airflow.yaml").unlink()  # the blueprint does not change it
    (repo / CERT_MANAGER).unlink()  # the blueprint changes it: still deleted, and said so
    commit_all(repo, "we do not run airflow nor cert-manager")

    code, out = invoke("update", "--no-gate", str(repo), "--blueprint", str(v2), "--trust")

    assert code == 0, out
    assert f"kept deleted (you deleted it; the blueprint changed it): {CERT_MANAGER}" in out
    assert show(repo, "gitops-gen/update-0.2.0", "apps/platform/airflow.yaml") is None
    assert show(repo, "gitops-gen/update-0.2.0", CERT_MANAGER) is None


def test_a_dirty_tree_is_refused_and_nothing_changes(repo: Path) -> None:
    edit(repo, ARGOCD_VALUES, "admin.enabled: true", "admin.enabled: false")
    before = state(repo)
    code, out = invoke("update", "--no-gate", str(repo), *NLP)
    assert code == 2 and "uncommitted changes" in out and ARGOCD_VALUES in out
    assert state(repo) == before
    git.Repo(repo).git.checkout("--", ARGOCD_VALUES)
    (repo / "scratch.txt").write_text("untracked")
    code, out = invoke("update", "--no-gate", str(repo), *NLP)
    assert code == 2 and "scratch.txt" in out


def test_a_repository_without_answers_is_refused(repo: Path) -> None:
    git.Repo(repo).git.rm("--quiet", ANSWERS_FILE)
    commit_all(repo, "no answers")
    before = state(repo)
    code, out = invoke("update", "--no-gate", str(repo), *NLP)
    assert code == 2 and f"no answers file {ANSWERS_FILE}" in out
    assert state(repo) == before
    code, out = invoke("update", "--no-gate", str(repo.parent))
    assert code == 2 and "not a git repository" in out


def test_update_after_update_moves_the_pristine_base(repo: Path) -> None:
    code, out = invoke("update", "--no-gate", str(repo), "--in-place", *NLP)
    assert code == 0, out
    edit(repo, "teams/nlp/platform/rbac.yaml", "kind:", "# reviewed by the nlp team\nkind:")
    commit_all(repo, "nlp rbac note")
    plan = plan_update(repo, sets=["teams.nlp.gpu_quota=3"])
    assert plan.base_origin == "pristine ref"
    assert plan.inputs_changed == ("teams.nlp.gpu_quota: 2 -> 3",)
    result = apply_update(plan, in_place=True)
    assert result.commit is not None and not result.conflicts
    assert "# reviewed by the nlp team" in (repo / "teams/nlp/platform/rbac.yaml").read_text()
    assert "gpu_quota: 3" in (repo / ANSWERS_FILE).read_text()
    r = git.Repo(repo)
    assert r.git.rev_parse(f"{PRISTINE_REF}^{{tree}}") != r.git.rev_parse("HEAD^{tree}")  # ours differ
    code, out = invoke("update", str(repo), "--check")
    assert code == 0 and "up to date" in out


def test_a_fresh_clone_renders_the_recorded_version_again(repo: Path, tmp_path: Path) -> None:
    edit(repo, ARGOCD_VALUES, "admin.enabled: true", "admin.enabled: false")
    commit_all(repo)
    clone = tmp_path / "clone"
    git.Repo.clone_from(repo, clone)
    assert git.Repo(clone).git.for_each_ref(PRISTINE_REF) == ""  # hidden refs are not cloned
    plan = plan_update(clone, sets=NLP[1::2])
    assert plan.base_origin == "rendered again"
    original = git.Repo(repo).commit(PRISTINE_REF).tree.hexsha
    assert git.Repo(clone).commit(plan.base).tree.hexsha == original  # the very same render
    assert not plan.conflicts
    result = apply_update(plan)
    assert result.commit is not None
    assert "admin.enabled: false" in show(clone, result.commit, ARGOCD_VALUES)
    assert show(clone, result.commit, "teams/nlp/profile/profile.yaml") is not None


def test_the_gates_report_of_the_update_is_printed_on_demand(repo: Path) -> None:
    code, out = invoke("update", str(repo), "--set", "enable_katib=false", "--gate")
    assert code == 0, out
    assert "<!-- gitops-gen:gate -->" in out and "gitops-gen gate passed" in out
    assert "head `gitops-gen/update-" in out


def test_a_clone_of_an_older_bundled_version_says_what_to_fetch(repo: Path, tmp_path: Path) -> None:
    edit(repo, ANSWERS_FILE, 'version: "0.1.0"', 'version: "0.0.9"')  # as if rendered by an older release
    commit_all(repo)
    clone = tmp_path / "clone"
    git.Repo.clone_from(repo, clone)
    before = state(clone)
    code, out = invoke("update", "--no-gate", str(clone), *NLP)
    assert code == 2, out
    assert "cannot reproduce the render this repository started from (ml-platform 0.0.9)" in out
    assert f"git fetch origin {PRISTINE_REF}:{PRISTINE_REF}" in out
    assert state(clone) == before


def test_the_gitops_gen_pin_follows_the_running_version_unless_the_user_chose_it(repo: Path) -> None:
    edit(repo, ANSWERS_FILE, 'gitops-gen: "0.1.0"', 'gitops-gen: "0.0.9"')  # as if an older release rendered it
    edit(repo, ANSWERS_FILE, '"gitops-gen==0.1.0"', '"gitops-gen==0.0.9"')
    commit_all(repo)
    plan = plan_update(repo)
    assert plan.inputs_changed == ("gitops_gen_requirement: gitops-gen==0.0.9 -> gitops-gen==0.1.0",)
    edit(repo, ANSWERS_FILE, 'gitops-gen: "0.0.9"', 'gitops-gen: "0.0.8"')  # 0.0.9 was the user's own choice
    commit_all(repo)
    assert plan_update(repo).inputs_changed == ()


def test_check_is_a_drift_gate(repo: Path, v2: Path) -> None:
    code, out = invoke("update", str(repo), "--check", "--blueprint", str(v2), "--trust")
    assert code == 1 and "behind its blueprint" in out and "0.2.0 is available" in out
    code, out = invoke("update", str(repo), "--check", "--set", "enable_airflow=false")
    assert code == 1 and "renders differently" in out and "enable_airflow: true -> false" in out


def test_dry_run_prints_the_files_and_changes_nothing(repo: Path, v2: Path) -> None:
    edit(repo, CERT_MANAGER, "targetRevision: v1.21.1", "targetRevision: v1.21.2")
    commit_all(repo)
    before = state(repo)
    code, out = invoke("update", str(repo), "--dry-run", "--blueprint", str(v2), "--trust", *NLP)
    assert code == 1, out  # a conflict is expected
    assert "added: teams/nlp/profile/profile.yaml" in out
    assert f"would conflict: {CERT_MANAGER}:" in out
    assert state(repo) == before


def test_a_failure_half_way_leaves_the_repository_as_it_was(repo: Path, v2: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    edit(repo, CERT_MANAGER, "targetRevision: v1.21.1", "targetRevision: v1.21.2")
    commit_all(repo)
    before = state(repo)

    def broken(*args: object) -> None:
        raise RepositoryError("disk full")

    monkeypatch.setattr(pristine_module, "advance", broken)
    conflicted = plan_update(repo, blueprint=find_blueprint(str(v2)))
    clean = plan_update(repo, sets=NLP[1::2])
    assert conflicted.conflicts and not clean.conflicts
    for plan in (conflicted, clean):
        for in_place in (False, True):
            with pytest.raises(RepositoryError, match="disk full"):
                apply_update(plan, in_place=in_place)
            assert state(repo) == before


def test_new_refuses_an_existing_repository_even_with_overwrite(repo: Path) -> None:
    again = ["new", "ml-platform", "--no-input", "--overwrite", "-o", str(repo.parent), "--set", f"repo_name={repo.name}"]
    code, out = invoke(*again)  # untouched since new made it: nothing of anyone's to lose
    assert code == 0, out
    (repo / "notes.txt").write_text("mine")
    code, out = invoke(*again)  # an untracked file of the user's
    assert code == 2 and "already a git repository" in out and (repo / "notes.txt").is_file()
    commit_all(repo, "history")
    before = state(repo)
    code, out = invoke("new", "ml-platform", "--no-input", "--overwrite", "-o", str(repo.parent),
                       "--set", f"repo_name={repo.name}")
    assert code == 2 and "already a git repository" in out and f"gitops-gen update {repo}" in out
    assert state(repo) == before
