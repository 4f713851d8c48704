"""The generated CI and pre-commit install exactly ``gitops_gen_requirement``, and the generated
policy configuration lets the repository follow its own ``target_revision`` (the CI's
pull-request gate: test_generated_ci_gate.py).

Every CI file is parsed as YAML, the install command taken out of it as the CI would run it, and
its arguments compared with what pip must receive: split by ``shlex`` and, for the shell lines, by a
real ``sh`` running the line with ``pip`` replaced by a function that prints its arguments (so a
``>`` or ``#`` left unquoted would show).  No network: nothing is installed.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from bp_helpers import Renders
from checks import policy_findings, show
from ci_helpers import GIT_URL, REQUIREMENTS, RUNNING_PIN, WHEEL, read_yaml, requirement_render

import gitops_gen
from gitops_gen.blueprints import BlueprintInfo, InputsError, render
from gitops_gen.blueprints.context import build, running_defaults
from gitops_gen.model import Severity


def _shell_args(line: str, command: str) -> list[str]:
    """The arguments ``command`` receives when ``sh`` runs ``line`` (``command`` replaced by a
    function printing them, one per line, NUL-terminated)."""
    if shutil.which("sh") is None:  # pragma: no cover - every supported system has one
        return shlex.split(line)[1:]
    assert line.startswith(command + " "), line
    script = "stub() { for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }\nstub" + line[len(command):]
    out = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout
    return out.split("\0")[:-1]


def _assert_pip_install(line: str, command: str, options: list[str], requirement: str) -> None:
    expected = [command, "install", *options, requirement]
    assert shlex.split(line) == expected, line
    assert _shell_args(line, command) == expected[1:], line


# -- the requirement in every file ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_github_actions_installs_the_requirement(ci_renders: Renders, name: str) -> None:
    repo, requirement = requirement_render(ci_renders, name)
    workflow = read_yaml(repo / ".github/workflows/gitops-gen.yaml")
    steps = workflow["jobs"]["check"]["steps"]
    names = [step.get("name") or step.get("uses") for step in steps]
    install = steps[names.index("Install gitops-gen")]
    # the checkout comes first: a wheel path is a file of the checked-out repository
    assert names.index("Install gitops-gen") > names.index("actions/checkout@v4.2.2")
    _assert_pip_install(install["run"], "pip", [], requirement)


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_gitlab_ci_installs_the_requirement(ci_renders: Renders, name: str) -> None:
    repo, requirement = requirement_render(ci_renders, name)
    job = read_yaml(repo / ".gitlab-ci.yml")["gitops-gen"]
    installs = [line for line in job["script"] if line.startswith("pip ")]
    assert len(installs) == 1, job["script"]
    _assert_pip_install(installs[0], "pip", [], requirement)
    # the gate reads git history (and pip clones a git+ requirement): the full image has git, the slim one not
    assert job["image"] == "python:3.12.8"


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_jenkins_x_installs_the_requirement(ci_renders: Renders, name: str) -> None:
    repo, requirement = requirement_render(ci_renders, name)
    run = read_yaml(repo / ".lighthouse/jenkins-x/pullrequest.yaml")
    steps = run["spec"]["pipelineSpec"]["tasks"][0]["taskSpec"]["steps"]
    step = next(s for s in steps if s["name"] == "gitops-gen-check")
    assert step["workingDir"] == "/workspace/source"  # where the clone step checked the repository out
    pip = "/workspace/venv/bin/pip"
    installs = [line.strip() for line in step["script"].splitlines() if line.strip().startswith(pip)]
    assert len(installs) == 1, step["script"]
    _assert_pip_install(installs[0], pip, ["-q"], requirement)
    assert step["image"] == "python:3.12.8"  # git, for the gate and for a git+ requirement
    if shutil.which("sh") is not None:  # the whole script is valid shell
        subprocess.run(["sh", "-n", "-c", step["script"]], check=True)


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_pre_commit_installs_the_requirement(ci_renders: Renders, name: str) -> None:
    repo, requirement = requirement_render(ci_renders, name)
    text = (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert len(config["repos"]) == 1
    local = config["repos"][0]
    assert local["repo"] == "local"
    hook, tests = local["hooks"]
    assert hook["id"] == "gitops-gen-check"
    assert hook["entry"] == "gitops-gen check"
    assert hook["args"] == ["."] and hook["pass_filenames"] is False
    # the org policies' test cases, when policies/ changes, with the same gitops-gen
    assert (tests["id"], tests["entry"], tests["args"]) == ("gitops-gen-policy-test", "gitops-gen policy test",
                                                            ["policies"])
    assert tests["files"] == "^policies/" and tests["pass_filenames"] is False
    assert {k: v for k, v in tests.items() if k in ("language", "additional_dependencies")} == {
        k: v for k, v in hook.items() if k in ("language", "additional_dependencies")}
    if requirement == WHEEL:
        # pre-commit runs pip in its own cache folder, where a relative path means nothing: the hook
        # runs the gitops-gen installed beside pre-commit, and the comment says how to install it
        assert hook["language"] == "system"
        assert "additional_dependencies" not in hook
        (line,) = [m.group(1) for m in re.finditer(r"^#\s+(pip install .*)$", text, re.MULTILINE)]
        _assert_pip_install(line, "pip", [], requirement)
    else:
        assert hook["language"] == "python"
        assert hook["additional_dependencies"] == [requirement]  # handed to pip as one argument


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_readme_and_answers_name_the_requirement(ci_renders: Renders, name: str) -> None:
    repo, requirement = requirement_render(ci_renders, name)
    readme = (repo / "README.md").read_text(encoding="utf-8")
    found = re.search(r"`(pip install .*?) && gitops-gen check \.`", readme, re.DOTALL)
    assert found, "README.md: no local install command"
    _assert_pip_install(found.group(1), "pip", [], requirement)
    answers = read_yaml(repo / ".gitops-gen/answers.yaml")["inputs"]
    assert answers["gitops_gen_requirement"] == requirement


def test_no_file_hard_codes_a_version(ci_renders: Renders) -> None:
    """With a git URL, no generated file installs gitops-gen by a version pin."""
    repo, _ = requirement_render(ci_renders, "git-url")
    for rel in (".github/workflows/gitops-gen.yaml", ".gitlab-ci.yml", ".lighthouse/jenkins-x/pullrequest.yaml",
                ".pre-commit-config.yaml", "README.md"):
        text = (repo / rel).read_text(encoding="utf-8")
        assert "gitops-gen==" not in text, rel
        assert "rev: v" not in text, rel


# -- the default: the running version ---------------------------------------------------------


def test_cookiecutter_json_default_is_the_running_version_pin(bp: BlueprintInfo) -> None:
    """Plain cookiecutter reads cookiecutter.json; gitops-gen pins its own version: the two agree
    (bump cookiecutter.json and blueprint.yaml's default with the version)."""
    assert running_defaults()["gitops_gen_requirement"] == RUNNING_PIN
    assert bp.options["gitops_gen_requirement"] == RUNNING_PIN
    assert bp.schema["properties"]["gitops_gen_requirement"].get("default") == RUNNING_PIN
    assert bp.input("gitops_gen_requirement").default == RUNNING_PIN


def test_the_default_follows_the_running_version(bp: BlueprintInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gitops_gen, "__version__", "9.8.7")
    built = build(bp.options, {})
    assert built.answers["gitops_gen_requirement"] == "gitops-gen==9.8.7"
    assert built.cookiecutter["gitops_gen_requirement"] == "gitops-gen==9.8.7"
    assert built.raw["gitops_gen_requirement"] == "gitops-gen==9.8.7"
    given = build(bp.options, {"gitops_gen_requirement": GIT_URL})
    assert given.answers["gitops_gen_requirement"] == GIT_URL
    assert given.raw["gitops_gen_requirement"] == GIT_URL


def test_a_running_default_needs_a_declared_text_input() -> None:
    options = {"project_name": "x", "_blueprint": "demo"}
    assert "gitops_gen_requirement" not in build(options, {}).answers
    choice = build({"gitops_gen_requirement": ["a==1", "b==2"]}, {})
    assert choice.answers["gitops_gen_requirement"] == "a==1"  # a choice keeps its own first value


@pytest.mark.parametrize("value", ["gitops-gen==0.1.0\nevil: true", "gitops-gen==0.1.0; rm -rf ~",
                                   "gitops-gen'==0.1.0", "$(id)", "", "gitops-gen==0.1.0 "])
def test_unsafe_requirements_are_refused(bp: BlueprintInfo, tmp_path: Path, value: str) -> None:
    with pytest.raises(InputsError) as info:
        render(bp, tmp_path / "out", {"gitops_gen_requirement": value}, git_init=False)
    assert "gitops_gen_requirement" in [p.key for p in info.value.problems]
    assert not (tmp_path / "out").exists()


# -- the repository's own revision ------------------------------------------------------------


@pytest.mark.parametrize("revision", ["release/2026.11", "v2", "feature/x-y", "Main"])
def test_the_gate_accepts_the_repositorys_own_target_revision(ci_renders: Renders, revision: str) -> None:
    repo = ci_renders.get(f"rev-{revision.replace('/', '_')}", {"target_revision": revision})
    rule = read_yaml(repo / ".gitops-gen.yaml")["rules"]["argocd-unpinned-revision"]
    assert revision in rule["self-repo-branches"]
    assert {"HEAD", "main", "master"} <= set(rule["self-repo-branches"])
    findings, resources = policy_findings(repo, at_least=Severity.INFO)
    unpinned = [f for f in findings if f.rule == "argocd-unpinned-revision"]
    assert not unpinned, f"{len(unpinned)} argocd-unpinned-revision finding(s):\n{show(unpinned)}"
    assert resources > 0


def test_the_default_config_lists_each_branch_once(ci_renders: Renders) -> None:
    repo, _ = requirement_render(ci_renders, "default")
    rule = read_yaml(repo / ".gitops-gen.yaml")["rules"]["argocd-unpinned-revision"]
    assert rule["self-repo-branches"] == ["HEAD", "main", "master"]
    assert rule["self-repos"] == ["https://github.com/example-org/ml-platform-gitops.git"]


def test_other_branches_of_the_repository_are_still_reported(ci_renders: Renders, tmp_path: Path) -> None:
    """The exception is the target revision, not any branch: an Application of this repository
    moved to another branch is still a finding."""
    repo = ci_renders.get("rev-release_2026.11", {"target_revision": "release/2026.11"})
    copy = tmp_path / "repo"
    shutil.copytree(repo, copy)
    root = copy / "bootstrap" / "root-app.yaml"
    text = root.read_text(encoding="utf-8")
    assert 'targetRevision: "release/2026.11"' in text
    root.write_text(text.replace('targetRevision: "release/2026.11"', 'targetRevision: "develop"'), encoding="utf-8")
    findings, _ = policy_findings(copy, at_least=Severity.INFO)
    unpinned = [f for f in findings if f.rule == "argocd-unpinned-revision"]
    assert [f.file.endswith("bootstrap/root-app.yaml") for f in unpinned] == [True], show(unpinned)
