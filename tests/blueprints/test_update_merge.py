"""`gitops-gen update`'s merge on a small blueprint built inline: the traps of copier and cruft
(renames, modify/delete, binaries, a fresh clone of a repository made by an older version), the
answers file of a third-party blueprint, and a property test of random edits on both sides."""

from __future__ import annotations

import random
from pathlib import Path

import git
import pytest
import yaml
from bp_helpers import DEMO_OPTIONS, DEMO_SCHEMA, make_blueprint
from update_helpers import commit_all, invoke, isolate_git, newer_blueprint, show, state

from gitops_gen.blueprints import (
    ANSWERS_FILE,
    BlueprintInfo,
    UpdateResult,
    apply_update,
    load_blueprint,
    load_values_file,
    plan_update,
    read_answers,
    render,
)
from gitops_gen.blueprints.pristine import PRISTINE_REF

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
TEXT_FILES = {f"{folder}/file{i}.txt": "".join(f"{folder} {i} line {j}: {{{{ cookiecutter.project_name }}}}\n"
                                               if j % 10 == 0 else f"{folder} {i} line {j}\n" for j in range(30))
              for i, folder in enumerate(["a", "a", "b", "b", "c", "c"])}


@pytest.fixture(autouse=True)
def _git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git(monkeypatch, tmp_path / "home")


def small_blueprint(root: Path) -> BlueprintInfo:
    path = make_blueprint(root, files=TEXT_FILES, hooks={})
    (path / "{{cookiecutter.repo_name}}" / "logo.png").write_bytes(PNG)
    return load_blueprint(path)


def newer(bp: BlueprintInfo, dest: Path, edits: dict[str, tuple[str, str]], version: str = "2.0.0") -> BlueprintInfo:
    return load_blueprint(newer_blueprint(bp.path, dest, version, edits))


def template(bp: BlueprintInfo) -> Path:
    return bp.template_dir


def result_text(repo: Path, result: UpdateResult, path: str) -> str | None:
    if result.commit is not None:
        return show(repo, result.commit, path)
    file = repo / path
    return file.read_text(errors="replace") if file.is_file() else None


def test_a_file_renamed_by_the_user_receives_the_blueprints_change(tmp_path: Path) -> None:
    bp = small_blueprint(tmp_path / "bp")
    repo = render(bp, tmp_path / "out", {})
    git.Repo(repo).git.mv("a/file0.txt", "c/renamed.txt")
    commit_all(repo, "rename")
    bp2 = newer(bp, tmp_path / "bp2", {"a/file0.txt": ("a 0 line 5\n", "a 0 line 5 (changed by the blueprint)\n")})
    result = apply_update(plan_update(repo, blueprint=bp2))
    assert not result.conflicts and result.commit is not None
    assert "line 5 (changed by the blueprint)" in (show(repo, result.commit, "c/renamed.txt") or "")
    assert show(repo, result.commit, "a/file0.txt") is None


def test_a_file_the_blueprint_removed_but_the_user_edited_is_a_modify_delete_conflict(tmp_path: Path) -> None:
    bp = small_blueprint(tmp_path / "bp")
    repo = render(bp, tmp_path / "out", {})
    (repo / "b/file2.txt").write_text((repo / "b/file2.txt").read_text() + "mine\n")
    main = commit_all(repo)
    bp2 = newer(bp, tmp_path / "bp2", {})
    (template(bp2) / "b/file2.txt").unlink()
    bp2 = load_blueprint(bp2.path)
    plan = plan_update(repo, blueprint=bp2)
    assert [(c.path, c.kind.split(" ")[0]) for c in plan.conflicts] == [("b/file2.txt", "modify/delete")]
    result = apply_update(plan)
    assert "mine" in (repo / "b/file2.txt").read_text()  # never silently deleted
    r = git.Repo(repo)
    assert "UD b/file2.txt" in r.git.status("--porcelain") or "DU b/file2.txt" in r.git.status("--porcelain")
    assert r.commit("main").hexsha == main and result.commit is None


def test_a_binary_changed_on_both_sides_is_a_conflict(tmp_path: Path) -> None:
    bp = small_blueprint(tmp_path / "bp")
    repo = render(bp, tmp_path / "out", {})
    (repo / "logo.png").write_bytes(PNG + b"ours")
    commit_all(repo)
    bp2 = newer(bp, tmp_path / "bp2", {})
    (template(bp2) / "logo.png").write_bytes(PNG + b"theirs")
    plan = plan_update(repo, blueprint=bp2)
    assert [(c.path, c.kind) for c in plan.conflicts] == [("logo.png", "binary")]
    result = apply_update(plan)
    assert result.conflicts and (repo / "logo.png").read_bytes() == PNG + b"ours"  # git keeps ours in the tree
    assert "logo.png" in git.Repo(repo).git.diff("--name-only", "--diff-filter=U")


def test_a_file_added_on_both_sides_is_a_conflict_and_user_files_are_untouched(tmp_path: Path) -> None:
    bp = small_blueprint(tmp_path / "bp")
    repo = render(bp, tmp_path / "out", {})
    (repo / "new.txt").write_text("ours\n")
    (repo / "notes.txt").write_text("my notes\n")
    commit_all(repo)
    bp2 = newer(bp, tmp_path / "bp2", {})
    (template(bp2) / "new.txt").write_text("theirs\n")
    plan = plan_update(repo, blueprint=bp2)
    assert [c.path for c in plan.conflicts] == ["new.txt"] and plan.conflicts[0].kind.startswith("add/add")
    apply_update(plan)
    assert (repo / "notes.txt").read_text() == "my notes\n"


def test_third_party_answers_and_a_fresh_clone_of_an_older_version(tmp_path: Path) -> None:
    checkout = tmp_path / "blueprints-repo"
    bp_dir = make_blueprint(checkout / "templates" / "demo", files=TEXT_FILES, hooks={})
    blueprints_repo = git.Repo.init(checkout)
    blueprints_repo.git.remote("add", "origin", "https://git.example.com/blueprints.git")
    first = commit_all(checkout, "demo 1.2.3")
    repo = render(load_blueprint(bp_dir), tmp_path / "out", {"replicas": 3})
    answers = read_answers(repo)
    assert (answers.name, answers.version, answers.inputs["replicas"]) == ("demo", "1.2.3", 3)
    assert (answers.source.kind, answers.source.url, answers.source.commit, answers.source.subdirectory) == (
        "git", "https://git.example.com/blueprints.git", first, "templates/demo")
    assert "_private" not in answers.inputs
    (repo / "a/file1.txt").write_text((repo / "a/file1.txt").read_text().replace("a 1 line 3", "a 1 line 3 (ours)"))
    commit_all(repo)
    newer_blueprint(bp_dir, tmp_path / "scratch", "2.0.0", {"a/file1.txt": ("a 1 line 20", "a 1 line 20 (v2)")})
    for rel in ("cookiecutter.json", "blueprint.yaml", "{{cookiecutter.repo_name}}/a/file1.txt"):
        (bp_dir / rel).write_bytes((tmp_path / "scratch" / rel).read_bytes())
    commit_all(checkout, "demo 2.0.0")
    clone = tmp_path / "clone"
    git.Repo.clone_from(repo, clone)  # no pristine ref: the base is 1.2.3 rendered again, from the checkout

    plan = plan_update(clone, blueprint=load_blueprint(bp_dir))

    assert plan.base_origin == "rendered again" and plan.behind
    assert git.Repo(clone).commit(plan.base).tree.hexsha == git.Repo(repo).commit(PRISTINE_REF).tree.hexsha
    result = apply_update(plan)
    text = show(clone, result.commit or "", "a/file1.txt") or ""
    assert "a 1 line 3 (ours)" in text and "a 1 line 20 (v2)" in text
    assert not (clone / "templates").exists()


def test_answers_keep_their_types_and_leave_out_write_only_inputs(tmp_path: Path) -> None:
    schema = {**DEMO_SCHEMA, "properties": {**DEMO_SCHEMA["properties"],
                                            "token": {"type": "string", "writeOnly": True},
                                            "labels": {"type": "object"}}}
    options = {**DEMO_OPTIONS, "token": "", "labels": {}}
    bp = load_blueprint(make_blueprint(tmp_path / "bp", options=options, schema=schema, hooks={}))
    tricky = {"on": "yes", "1.30": "0644", "n": ["no", "~", "1e3", "null", ""], "nested": {"x": 1.5, "t": True}}
    repo = render(bp, tmp_path / "out", {"token": "s3cr3t", "labels": tricky}, git_init=False)
    text = (repo / ANSWERS_FILE).read_text()
    assert "s3cr3t" not in text and "token" not in text
    assert read_answers(repo).inputs["labels"] == tricky
    assert yaml.safe_load(text)["inputs"]["labels"] == tricky


def _user_edits(rng: random.Random, repo: Path) -> tuple[list[tuple[str, str]], list[str], dict[str, str]]:
    """Random edits: (marker, path) that must survive, deleted paths, added files (path -> text)."""
    files = sorted(TEXT_FILES)
    markers: list[tuple[str, str]] = []
    chosen = rng.sample(files, 4)
    for n, rel in enumerate(chosen[:3]):
        lines = (repo / rel).read_text().splitlines(keepends=True)
        for k in range(rng.randint(1, 3)):
            marker = f"USER-{n}-{k}"
            j = rng.randrange(len(lines))
            if rng.random() < 0.5:
                lines[j] = f"{lines[j].rstrip()} {marker}\n"
            else:
                lines.insert(j, f"{marker}\n")
            markers.append((marker, rel))
        (repo / rel).write_text("".join(lines))
    deleted = [chosen[3]] if rng.random() < 0.5 else []
    for rel in deleted:
        (repo / rel).unlink()
    if rng.random() < 0.5:  # move an edited file
        old = markers[0][1]
        new = "moved/" + old.replace("/", "-")
        (repo / "moved").mkdir(exist_ok=True)
        (repo / old).rename(repo / new)
        markers = [(m, new if p == old else p) for m, p in markers]
    added = {"mine.txt": f"added by the user {rng.random()}\n"} if rng.random() < 0.5 else {}
    for rel, text in added.items():
        (repo / rel).write_text(text)
    return markers, deleted, added


def _blueprint_change(rng: random.Random, bp: BlueprintInfo, dest: Path) -> BlueprintInfo:
    bp2 = newer(bp, dest, {})
    for n, rel in enumerate(rng.sample(sorted(TEXT_FILES), 3)):
        path = template(bp2) / rel
        lines = path.read_text().splitlines(keepends=True)
        for k in range(rng.randint(1, 3)):
            j = rng.randrange(len(lines))
            roll = rng.random()
            if roll < 0.4:
                lines[j] = f"BLUEPRINT-{n}-{k}\n"
            elif roll < 0.8:
                lines.insert(j, f"BLUEPRINT-{n}-{k}\n")
            elif len(lines) > 5:
                del lines[j]
        path.write_text("".join(lines))
    if rng.random() < 0.3:
        (template(bp2) / rng.choice(sorted(TEXT_FILES))).unlink()
    if rng.random() < 0.3:
        (template(bp2) / "c" / "extra.txt").write_text("new in the blueprint\n")
    return load_blueprint(bp2.path)


@pytest.mark.parametrize("seed", range(12))
def test_property_every_user_edit_is_kept_or_reported(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    bp = small_blueprint(tmp_path / "bp")
    repo = render(bp, tmp_path / "out", {})
    markers, deleted, added = _user_edits(rng, repo)
    commit_all(repo)
    bp2 = _blueprint_change(rng, bp, tmp_path / "bp2")

    result = apply_update(plan_update(repo, blueprint=bp2))

    conflicted = {c.path for c in result.conflicts}
    originals = {new: old for (_, old), (_, new) in zip(_original_paths(markers, seed), markers, strict=True)}
    for marker, path in markers:
        if path in conflicted or originals.get(path) in conflicted:
            continue
        assert marker in (result_text(repo, result, path) or ""), f"seed {seed}: {marker} in {path} silently gone"
    for path in deleted:
        assert path in conflicted or result_text(repo, result, path) is None, f"seed {seed}: {path} came back"
    for path, text in added.items():
        assert result_text(repo, result, path) == text


def _original_paths(markers: list[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    """The (marker, path before any move) pairs, by replaying the same random choices' effect."""
    return [(m, p if not p.startswith("moved/") else p.removeprefix("moved/").replace("-", "/", 1))
            for m, p in markers]


def test_a_values_file_replaces_recorded_inputs_and_sets_edit_them(tmp_path: Path) -> None:
    bp = small_blueprint(tmp_path / "bp")
    repo = render(bp, tmp_path / "out", {"replicas": 3})
    values = tmp_path / "values.yaml"
    values.write_text("teams:\n  nlp: {group: nlp-team, gpu_quota: 2}\n")
    plan = plan_update(repo, values=load_values_file(values), sets=["replicas=4", "teams.nlp.cpu_quota=8"], blueprint=bp)
    assert plan.new_inputs["teams"] == {"nlp": {"group": "nlp-team", "gpu_quota": 2, "cpu_quota": "8"}}
    assert plan.inputs_changed == ("replicas: 3 -> 4", "teams.research: removed", "teams.nlp: added")
    result = apply_update(plan, in_place=True)
    assert read_answers(repo).inputs["replicas"] == 4 and result.branch == "main"
    assert git.Repo(repo).head.commit.hexsha == result.commit


def test_branch_options_and_folders_are_checked_before_anything_changes(tmp_path: Path) -> None:
    bp = small_blueprint(tmp_path / "bp")
    repo = render(bp, tmp_path / "out", {})
    before = state(repo)
    base = ["update", str(repo), "--blueprint", str(bp.path), "--set", "replicas=5"]
    code, out = invoke(*base, "--branch", "main")
    assert code == 2 and "branch main exists already" in out
    code, out = invoke(*base, "--branch", "no..dots")
    assert code == 2 and "not a valid branch name" in out
    code, out = invoke(*base, "--branch", "x", "--in-place")
    assert code == 2 and "exclude each other" in out
    code, out = invoke("update", "--no-gate", str(repo / "a"))
    assert code == 2 and "give the repository's root folder" in out
    assert state(repo) == before
    code, out = invoke(*base, "--branch", "feature/bigger")
    assert code == 0 and "branch feature/bigger" in out and "replicas: 2 -> 5" in out
    assert "(answers):\n  modified: .gitops-gen/answers.yaml" in out


def test_the_recorded_blueprints_hooks_need_trust_on_update_too(tmp_path: Path) -> None:
    bp_dir = make_blueprint(tmp_path / "bp")  # with a post-generation hook
    code, out = invoke("new", str(bp_dir), "--no-input", "--trust", "-o", str(tmp_path / "out"))
    repo = tmp_path / "out" / "demo-platform"
    assert code in (0, 1) and (repo / ANSWERS_FILE).is_file(), out
    code, out = invoke("update", "--no-gate", str(repo), "--set", "replicas=3")
    assert code == 2 and "--trust" in out and "post_gen_project.py" in out
    code, out = invoke("update", "--no-gate", str(repo), "--set", "replicas=3", "--trust")
    assert code == 0, out
