"""render(): cookiecutter's output, deterministic, all or nothing, never outside the target."""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import git
import pytest
from bp_helpers import (
    DEMO_FILES,
    DEMO_OPTIONS,
    DEMO_SCHEMA,
    WRITTEN_BY_GITOPS_GEN,
    listing,
    make_blueprint,
    snapshot,
)
from bp_helpers import tree_difference as difference
from cookiecutter.main import cookiecutter

from gitops_gen.blueprints import BlueprintInfo, InputsError, load_blueprint, render
from gitops_gen.errors import BlueprintError


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> BlueprintInfo:
    return load_blueprint(make_blueprint(tmp_path_factory.mktemp("demo") / "bp"))


def permissive_schema() -> dict[str, Any]:
    """The demo schema without the checks that would stop hostile values before render's own."""
    schema: dict[str, Any] = json.loads(json.dumps(DEMO_SCHEMA))
    schema["properties"]["repo_name"] = {"type": "string"}
    return schema


def run_cookiecutter(template: Path, output: Path, tmp_path: Path,
                     extra: dict[str, Any] | None = None) -> Path:
    """Plain cookiecutter, isolated from the user's config and replay folder."""
    config = tmp_path / "cc-config.yaml"
    config.write_text(f"cookiecutters_dir: {tmp_path / 'cc-cache'}\nreplay_dir: {tmp_path / 'cc-replay'}\n")
    return Path(cookiecutter(str(template), no_input=True, output_dir=str(output), config_file=str(config),
                             extra_context=extra))


def test_same_tree_as_cookiecutter_for_defaults_and_for_given_values(demo: BlueprintInfo,
                                                                     tmp_path: Path) -> None:
    ours = render(demo, tmp_path / "ours", {}, git_init=False)
    theirs = run_cookiecutter(demo.path, tmp_path / "theirs", tmp_path)
    assert ours.name == theirs.name == "demo-platform"
    assert difference(theirs, ours, ignore=WRITTEN_BY_GITOPS_GEN) is None
    values = {"project_name": "Acme ML", "replicas": 3, "cloud": "generic", "enable_extra": False,
              "teams": {"nlp": {"group": "nlp-team", "gpu_quota": 2},
                        "research": {"group": "research-team", "gpu_quota": 8, "cpu_quota": "64"}}}
    ours = render(demo, tmp_path / "ours2", values, git_init=False)
    theirs = run_cookiecutter(demo.path, tmp_path / "theirs2", tmp_path, extra=values)
    assert difference(theirs, ours, ignore=WRITTEN_BY_GITOPS_GEN) is None
    assert not (ours / "extra").exists()  # the hook ran
    assert (ours / "values.yaml").read_text() == (
        'name: "Acme ML"\nreplicas: 3\nteams:\n  nlp: {group: "nlp-team", gpus: 2}\n'
        '  research: {group: "research-team", gpus: 8}\n')


def test_deterministic_bytes_and_modes(demo: BlueprintInfo, tmp_path: Path) -> None:
    first = render(demo, tmp_path / "a", {}, git_init=False)
    second = render(demo, tmp_path / "b" / "deeper", {}, git_init=False)
    assert snapshot(first) == snapshot(second)
    assert os.stat(first / "scripts" / "run.sh").st_mode & stat.S_IXUSR


def test_cwd_and_system_temp_are_untouched(demo: BlueprintInfo, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "cwd"
    here.mkdir()
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setattr(tempfile, "tempdir", str(systmp))
    render(demo, tmp_path / "out", {}, git_init=False)
    assert os.getcwd() == str(here)
    bad_hook = make_blueprint(tmp_path / "bad", hooks={"post_gen_project.py": "raise SystemExit(3)\n"})
    with pytest.raises(BlueprintError):
        render(load_blueprint(bad_hook), tmp_path / "out2", {}, git_init=False)
    assert os.getcwd() == str(here)
    assert list(systmp.iterdir()) == []  # no rendered hook script left behind
    assert list(here.iterdir()) == []


def test_relative_output_folder_is_relative_to_cwd(demo: BlueprintInfo, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    repo = render(demo, Path("rel"), {}, git_init=False)
    assert repo == tmp_path / "rel" / "demo-platform"
    assert repo.is_dir()


def test_failing_hook_leaves_nothing_and_says_why(tmp_path: Path) -> None:
    hook = 'import sys\nprint("partial work", file=sys.stderr)\nopen("half.txt", "w").close()\nsys.exit(4)\n'
    bp = load_blueprint(make_blueprint(tmp_path / "bp", hooks={"post_gen_project.py": hook}))
    parent = tmp_path / "new" / "parent"
    expected = r"post_gen_project hook failed \(exit status 4\):\npartial work"
    with pytest.raises(BlueprintError, match=expected) as info:
        render(bp, parent, {})
    assert info.value.file and info.value.file.endswith("hooks/post_gen_project.py")
    assert not (tmp_path / "new").exists()  # the parents it created are gone too


def test_pre_gen_hook_runs_in_the_empty_project_folder(tmp_path: Path) -> None:
    hook = ('import os, sys\nif os.listdir("."):\n    sys.exit("not empty")\n'
            'open("pre.txt", "w").write("pre")\n')
    bp = load_blueprint(make_blueprint(tmp_path / "bp", hooks={"pre_gen_project.py": hook}))
    repo = render(bp, tmp_path / "out", {}, git_init=False)
    assert (repo / "pre.txt").read_text() == "pre"


def test_undefined_variable_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    text = "line1\nok {{ cookiecutter.repo_name }}\nbad {{ cookiecutter.nope }}\n"
    files = {**DEMO_FILES, "sub/f.txt": text}
    bp = load_blueprint(make_blueprint(tmp_path / "bp", files=files))
    expected = "undefined variable: 'collections.OrderedDict object' has no attribute 'nope'"
    with pytest.raises(BlueprintError, match=re.escape(expected)) as info:
        render(bp, tmp_path / "out", {})
    assert info.value.file == "{{cookiecutter.repo_name}}/sub/f.txt"
    assert info.value.line == 3
    assert "research-team" not in str(info.value)  # no context dump
    assert listing(tmp_path / "out") == []


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    files = {**DEMO_FILES, "broken.yaml": "a: 1\nb: {% if %}\n"}
    bp = load_blueprint(make_blueprint(tmp_path / "bp", files=files))
    with pytest.raises(BlueprintError, match="template syntax error") as info:
        render(bp, tmp_path / "out", {})
    assert info.value.file == "{{cookiecutter.repo_name}}/broken.yaml"
    assert info.value.line == 2
    assert listing(tmp_path / "out") == []


def test_undefined_variable_in_a_file_name_is_caught_before_writing(tmp_path: Path) -> None:
    files = {**DEMO_FILES, "{{cookiecutter.nope}}.yaml": "a: 1\n"}
    bp = load_blueprint(make_blueprint(tmp_path / "bp", files=files))
    with pytest.raises(BlueprintError, match="file name does not render"):
        render(bp, tmp_path / "out", {})
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["../escape", "/abs/path", "a/b", "..", ".", "", "x\\y", "new\nline"])
def test_repo_folder_name_cannot_leave_the_target(tmp_path: Path, name: str) -> None:
    bp = load_blueprint(make_blueprint(tmp_path / "bp", schema=permissive_schema()))
    with pytest.raises(BlueprintError) as info:
        render(bp, tmp_path / "out", {"repo_name": name})
    assert info.value.key == "repo_name"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bp"]


def test_template_paths_cannot_leave_the_repository(tmp_path: Path) -> None:
    options = {**DEMO_OPTIONS, "sub": "ok"}
    schema = permissive_schema()
    schema["properties"]["sub"] = {"type": "string"}
    files = {**DEMO_FILES, "{{cookiecutter.sub}}/x.yaml": "a: 1\n"}
    bp = load_blueprint(make_blueprint(tmp_path / "bp", options=options, schema=schema, files=files))
    for bad in ("../../evil", "/tmp/evil", "a/../../evil"):
        with pytest.raises(BlueprintError, match="outside the repository"):
            render(bp, tmp_path / "out", {"sub": bad})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bp"]
    assert (render(bp, tmp_path / "out", {"sub": "nested/ok"}, git_init=False) / "nested/ok/x.yaml").is_file()


@pytest.mark.parametrize(("hook", "fragment"), [
    ('open("../escape.txt", "w").close()\n', "wrote outside the repository folder: 'escape.txt'"),
    ('import os\nos.symlink("/etc/passwd", "passwd")\n', "symlink to '/etc/passwd', outside the repository"),
    ('import os\nos.symlink("../..", "up")\n', "outside the repository"),
    ('import os\nos.mkfifo("pipe")\n', "special file"),
])
def test_everything_written_is_checked_to_be_inside(tmp_path: Path, hook: str, fragment: str) -> None:
    bp = load_blueprint(make_blueprint(tmp_path / "bp", hooks={"post_gen_project.py": hook}))
    with pytest.raises(BlueprintError, match=fragment):
        render(bp, tmp_path / "out", {})
    assert listing(tmp_path / "out") == []


def test_symlinks_inside_the_repository_are_fine(tmp_path: Path) -> None:
    hook = 'import os\nos.symlink("values.yaml", "link.yaml")\n'
    bp = load_blueprint(make_blueprint(tmp_path / "bp", hooks={"post_gen_project.py": hook}))
    repo = render(bp, tmp_path / "out", {}, git_init=False)
    assert os.readlink(repo / "link.yaml") == "values.yaml"


def test_existing_target_needs_overwrite(demo: BlueprintInfo, tmp_path: Path) -> None:
    target = tmp_path / "out" / "demo-platform"
    target.mkdir(parents=True)
    render(demo, tmp_path / "out", {}, git_init=False)  # an empty folder is fine
    (target / "mine.txt").write_text("keep me")
    with pytest.raises(BlueprintError, match="exists and is not empty"):
        render(demo, tmp_path / "out", {}, git_init=False)
    assert (target / "mine.txt").read_text() == "keep me"
    render(demo, tmp_path / "out", {"replicas": 5}, git_init=False, overwrite=True)
    assert not (target / "mine.txt").exists()
    assert "replicas: 5" in (target / "values.yaml").read_text()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["demo-platform"]  # no scratch left


def test_target_that_is_a_file_is_refused(demo: BlueprintInfo, tmp_path: Path) -> None:
    (tmp_path / "demo-platform").write_text("a file")
    with pytest.raises(BlueprintError, match="not a folder"):
        render(demo, tmp_path, {}, overwrite=True)


def test_invalid_values_write_nothing(demo: BlueprintInfo, tmp_path: Path) -> None:
    with pytest.raises(InputsError):
        render(demo, tmp_path / "out", {"replicas": 0})
    with pytest.raises(InputsError):
        render(demo, tmp_path / "out", {"project_name": "{{ 7*7 }}"})
    assert not (tmp_path / "out").exists()


def test_output_path_with_template_syntax_is_refused(demo: BlueprintInfo, tmp_path: Path) -> None:
    with pytest.raises(BlueprintError, match=re.escape("contains '{{'")):
        render(demo, tmp_path / "{{ x }}", {})
    with pytest.raises(BlueprintError, match="inside the blueprint"):
        render(demo, demo.path / "out", {})


def test_git_repository_with_one_clean_commit(demo: BlueprintInfo, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    hooks = home / "hooks"
    hooks.mkdir(parents=True)
    for name in ("pre-commit", "post-commit"):
        (hooks / name).write_text(f"#!/bin/sh\ntouch {tmp_path}/hook-ran\nexit 1\n")
        (hooks / name).chmod(0o755)
    (home / ".gitconfig").write_text(f"[core]\n\thooksPath = {hooks}\n[commit]\n\tgpgsign = true\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                "GIT_CONFIG_GLOBAL", "EMAIL", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    repo_dir = render(demo, tmp_path / "out", {})
    repo = git.Repo(repo_dir)
    commits = list(repo.iter_commits())
    assert len(commits) == 1
    assert not repo.is_dirty(untracked_files=True)
    assert commits[0].message.strip() == "Initial render of demo 1.2.3 by gitops-gen 0.1.0"
    assert (commits[0].author.name, commits[0].author.email) == ("gitops-gen", "gitops-gen@localhost")
    assert (commits[0].committer.name, commits[0].committer.email) == ("gitops-gen", "gitops-gen@localhost")
    assert repo.active_branch.name == "main"
    assert not (tmp_path / "hook-ran").exists()
    tracked = sorted(e.path for e in commits[0].tree.traverse() if e.type == "blob")
    assert tracked == sorted(k for k, v in snapshot(repo_dir).items() if v[0] == "file")
    mode = commits[0].tree / "scripts" / "run.sh"
    assert mode.mode == 0o100755


def test_git_identity_comes_from_git_config(demo: BlueprintInfo, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                "GIT_CONFIG_GLOBAL", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    commit = git.Repo(render(demo, tmp_path / "out", {})).head.commit
    assert (commit.author.name, commit.author.email) == ("Ada Lovelace", "ada@example.com")


def test_bytecode_caches_of_an_installed_template_are_not_rendered(tmp_path: Path) -> None:
    files = {**DEMO_FILES, "dags/dag.py": "NAME = '{{ cookiecutter.repo_name }}'\n",
             "dags/__pycache__/dag.cpython-311.pyc": "compiled by pip at install time\n"}
    bp = load_blueprint(make_blueprint(tmp_path / "bp", files=files))
    repo = render(bp, tmp_path / "out", {}, git_init=False)
    assert (repo / "dags" / "dag.py").read_text() == "NAME = 'demo-platform'\n"
    assert not (repo / "dags" / "__pycache__").exists()


# cookiecutter merges a given mapping into the default one, gitops-gen replaces it: give a superset.
GIVEN = {"project_name": "Acme ML", "cloud": "generic", "replicas": 3, "enable_extra": False,
         "teams": {"research": {"group": "research-team", "gpu_quota": 8, "cpu_quota": "64"},
                   "nlp": {"group": "n", "gpu_quota": 2}}}
EXTRA_OPTIONS = {"__prompts__": {"project_name": "Name of the platform?"},
                 "__slug": "{{ cookiecutter.repo_name }}-{{ cookiecutter.replicas }}",
                 "_copy_without_render": ["*.bin"], "_new_lines": "\n"}


@pytest.mark.parametrize("values", [{}, GIVEN])
def test_context_is_the_one_cookiecutter_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                values: dict[str, Any]) -> None:
    """Not just the same output for this template: the same context, for any template."""
    import cookiecutter.main as cc_main

    from gitops_gen.blueprints.inputs import resolve
    from gitops_gen.blueprints.render import template_context

    bp = load_blueprint(make_blueprint(tmp_path / "bp", options={**DEMO_OPTIONS, **EXTRA_OPTIONS}))
    seen: dict[str, Any] = {}

    def capture(**kwargs: Any) -> str:
        seen.update(kwargs["context"])
        return str(tmp_path)

    monkeypatch.setattr(cc_main, "generate_files", capture)
    run_cookiecutter(bp.path, tmp_path / "out", tmp_path, extra=values or None)
    ours = template_context(bp, resolve(bp, values), tmp_path / "out")
    assert json.dumps(ours) == json.dumps(seen)  # same keys, same order, same types
    context = ours["cookiecutter"]
    assert context["__slug"] == f"{context['repo_name']}-{values.get('replicas', 2)}"


def test_a_vanished_working_folder_is_reported(demo: BlueprintInfo, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(BlueprintError, match="current folder no longer exists"):
        render(demo, tmp_path / "out", {}, git_init=False)
    assert not (tmp_path / "out").exists()
