"""The generated CI and pre-commit install exactly ``gitops_gen_requirement``; the generated CI runs
the pull-request gate against the target branch; the generated policy configuration lets the
repository follow its own ``target_revision``.

Every CI file is parsed as YAML, the install command taken out of it as the CI would run it, and
its arguments compared with what pip must receive: split by ``shlex`` and, for the shell lines, by a
real ``sh`` running the line with ``pip`` replaced by a function that prints its arguments (so a
``>`` or ``#`` left unquoted would show).  No network: nothing is installed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from bp_helpers import Renders
from checks import policy_findings, show

import gitops_gen
from gitops_gen import __version__
from gitops_gen.blueprints import BlueprintInfo, InputsError, render
from gitops_gen.blueprints.context import build, running_defaults
from gitops_gen.model import Severity

RUNNING_PIN = f"gitops-gen=={__version__}"
GIT_URL = "git+https://github.com/org/gitops-gen.git@v0.1.0"
WHEEL = "./tools/gitops_gen-0.1.0-py3-none-any.whl"
#: name -> the requirement given (None: the default)
REQUIREMENTS: dict[str, str | None] = {
    "default": None,
    "git-url": GIT_URL,
    "wheel-path": WHEEL,
    # shell metacharacters: '>' and '<' would redirect, ',' is harmless
    "version-range": "gitops-gen>=0.1,<0.2",
    # '#' after a space would start a shell comment (here it does not follow a space, but is quoted all the same)
    "git-url-fragment": GIT_URL + "#egg=gitops-gen",
}


@pytest.fixture(scope="module")
def renders(bp: BlueprintInfo, tmp_path_factory: pytest.TempPathFactory) -> Renders:
    return Renders(bp, tmp_path_factory.mktemp("generated-ci"))


def _requirement_render(renders: Renders, name: str) -> tuple[Path, str]:
    given = REQUIREMENTS[name]
    values = {} if given is None else {"gitops_gen_requirement": given}
    return renders.get(f"req-{name}", values), given or RUNNING_PIN


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


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
def test_github_actions_installs_the_requirement(renders: Renders, name: str) -> None:
    repo, requirement = _requirement_render(renders, name)
    workflow = _yaml(repo / ".github/workflows/gitops-gen.yaml")
    steps = workflow["jobs"]["check"]["steps"]
    names = [step.get("name") or step.get("uses") for step in steps]
    install = steps[names.index("Install gitops-gen")]
    # the checkout comes first: a wheel path is a file of the checked-out repository
    assert names.index("Install gitops-gen") > names.index("actions/checkout@v4.2.2")
    _assert_pip_install(install["run"], "pip", [], requirement)


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_gitlab_ci_installs_the_requirement(renders: Renders, name: str) -> None:
    repo, requirement = _requirement_render(renders, name)
    job = _yaml(repo / ".gitlab-ci.yml")["gitops-gen"]
    installs = [line for line in job["script"] if line.startswith("pip ")]
    assert len(installs) == 1, job["script"]
    _assert_pip_install(installs[0], "pip", [], requirement)
    # the gate reads git history (and pip clones a git+ requirement): the full image has git, the slim one not
    assert job["image"] == "python:3.12.8"


@pytest.mark.parametrize("name", sorted(REQUIREMENTS))
def test_jenkins_x_installs_the_requirement(renders: Renders, name: str) -> None:
    repo, requirement = _requirement_render(renders, name)
    run = _yaml(repo / ".lighthouse/jenkins-x/pullrequest.yaml")
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
def test_pre_commit_installs_the_requirement(renders: Renders, name: str) -> None:
    repo, requirement = _requirement_render(renders, name)
    text = (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert len(config["repos"]) == 1
    local = config["repos"][0]
    assert local["repo"] == "local"
    (hook,) = local["hooks"]
    assert hook["id"] == "gitops-gen-check"
    assert hook["entry"] == "gitops-gen check"
    assert hook["args"] == ["."] and hook["pass_filenames"] is False
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
def test_readme_and_answers_name_the_requirement(renders: Renders, name: str) -> None:
    repo, requirement = _requirement_render(renders, name)
    readme = (repo / "README.md").read_text(encoding="utf-8")
    found = re.search(r"`(pip install .*?) && gitops-gen check \.`", readme, re.DOTALL)
    assert found, "README.md: no local install command"
    _assert_pip_install(found.group(1), "pip", [], requirement)
    answers = _yaml(repo / ".gitops-gen.yaml")["blueprint"]["inputs"]
    assert answers["gitops_gen_requirement"] == requirement


def test_no_file_hard_codes_a_version(renders: Renders) -> None:
    """With a git URL, no generated file installs gitops-gen by a version pin."""
    repo, _ = _requirement_render(renders, "git-url")
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
def test_the_gate_accepts_the_repositorys_own_target_revision(renders: Renders, revision: str) -> None:
    repo = renders.get(f"rev-{revision.replace('/', '_')}", {"target_revision": revision})
    rule = _yaml(repo / ".gitops-gen.yaml")["rules"]["argocd-unpinned-revision"]
    assert revision in rule["self-repo-branches"]
    assert {"HEAD", "main", "master"} <= set(rule["self-repo-branches"])
    findings, resources = policy_findings(repo, at_least=Severity.INFO)
    unpinned = [f for f in findings if f.rule == "argocd-unpinned-revision"]
    assert not unpinned, f"{len(unpinned)} argocd-unpinned-revision finding(s):\n{show(unpinned)}"
    assert resources > 0


def test_the_default_config_lists_each_branch_once(renders: Renders) -> None:
    repo, _ = _requirement_render(renders, "default")
    rule = _yaml(repo / ".gitops-gen.yaml")["rules"]["argocd-unpinned-revision"]
    assert rule["self-repo-branches"] == ["HEAD", "main", "master"]
    assert rule["self-repos"] == ["https://github.com/example-org/ml-platform-gitops.git"]


def test_other_branches_of_the_repository_are_still_reported(renders: Renders, tmp_path: Path) -> None:
    """The exception is the target revision, not any branch: an Application of this repository
    moved to another branch is still a finding."""
    repo = renders.get("rev-release_2026.11", {"target_revision": "release/2026.11"})
    copy = tmp_path / "repo"
    shutil.copytree(repo, copy)
    root = copy / "bootstrap" / "root-app.yaml"
    text = root.read_text(encoding="utf-8")
    assert 'targetRevision: "release/2026.11"' in text
    root.write_text(text.replace('targetRevision: "release/2026.11"', 'targetRevision: "develop"'), encoding="utf-8")
    findings, _ = policy_findings(copy, at_least=Severity.INFO)
    unpinned = [f for f in findings if f.rule == "argocd-unpinned-revision"]
    assert [f.file.endswith("bootstrap/root-app.yaml") for f in unpinned] == [True], show(unpinned)


# -- the pull-request gate --------------------------------------------------------------------
#
# Each CI's gate script is run by a real shell in a git repository whose target branch moved on
# after the pull request branched off, with a stub gitops-gen that records its arguments: the
# gate must compare with where the two meet (so the target's newer commits are not counted).

GATE_STUB = """#!/bin/sh
printf '%s\\n' "$*" >> "$STUB_LOG"
prev=""
for a in "$@"; do [ "$prev" = --output ] && printf 'report\\n' > "$a"; prev="$a"; done
exit "${STUB_STATUS:-0}"
"""

needs_shell_and_git = pytest.mark.skipif(shutil.which("sh") is None or shutil.which("git") is None,
                                         reason="needs sh and git")


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": os.environ["PATH"],
           "HOME": str(repo)}
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


class GateSandbox:
    """``upstream``: main (base, then a later commit) and feature (branched off at base);
    ``work``: a clone with feature checked out; ``bin``: the stub gitops-gen."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.upstream = root / "upstream"
        self.upstream.mkdir()
        _git(self.upstream, "init", "-q", "-b", "main")
        self.commit(self.upstream, "a.yaml", "base")
        self.fork_point = _git(self.upstream, "rev-parse", "HEAD")
        _git(self.upstream, "checkout", "-q", "-b", "feature")
        self.commit(self.upstream, "b.yaml", "feature")
        self.head = _git(self.upstream, "rev-parse", "HEAD")
        _git(self.upstream, "checkout", "-q", "main")
        self.commit(self.upstream, "c.yaml", "main moved on")
        self.main = _git(self.upstream, "rev-parse", "HEAD")
        self.work = root / "work"
        _git(root, "clone", "-q", "-b", "feature", str(self.upstream), str(self.work))
        self.bin = root / "bin"
        self.bin.mkdir()
        stub = self.bin / "gitops-gen"
        stub.write_text(GATE_STUB, encoding="utf-8")
        stub.chmod(0o755)
        self.log = root / "calls.log"

    @staticmethod
    def commit(repo: Path, name: str, message: str) -> None:
        (repo / name).write_text(f"{message}: 1\n", encoding="utf-8")
        _git(repo, "add", name)
        _git(repo, "commit", "-q", "-m", message)

    def run(self, script: str, cwd: Path | None = None, status: int = 0,
            **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
        full_env = {"PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}", "STUB_LOG": str(self.log),
                    "STUB_STATUS": str(status), "HOME": str(self.root), "GIT_CONFIG_GLOBAL": "/dev/null",
                    "GIT_CONFIG_NOSYSTEM": "1", **env}
        done = subprocess.run(["sh", "-ec", script], cwd=cwd or self.work, env=full_env, capture_output=True,
                              text=True)
        calls = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        self.log.unlink(missing_ok=True)
        return done, calls


@pytest.fixture
def gate(tmp_path: Path) -> GateSandbox:
    return GateSandbox(tmp_path)


def test_no_ci_script_expands_an_expression(renders: Renders) -> None:
    """Branch names reach the shell through the environment only (a branch may be named ``$(id)``)."""
    repo, _ = _requirement_render(renders, "default")
    for step in _yaml(repo / ".github/workflows/gitops-gen.yaml")["jobs"]["check"]["steps"]:
        assert "${{" not in step.get("run", ""), step


@needs_shell_and_git
@pytest.mark.parametrize("status", [0, 1, 2])
def test_github_actions_gate_on_pull_requests(renders: Renders, gate: GateSandbox, status: int) -> None:
    repo, _ = _requirement_render(renders, "default")
    workflow = _yaml(repo / ".github/workflows/gitops-gen.yaml")
    steps = workflow["jobs"]["check"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    step = next(s for s in steps if s.get("name") == "gitops-gen gate")
    assert step["if"] == "github.event_name == 'pull_request'"
    assert step["env"] == {"TARGET_BRANCH": "${{ github.base_ref }}"}
    summary = gate.root / "summary.md"
    done, calls = gate.run(step["run"], status=status, TARGET_BRANCH="main", GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == status, done.stderr
    assert calls == [f"check . --base {gate.fork_point} --format markdown --output gitops-gen.md"]
    assert summary.read_text(encoding="utf-8") == "report\n"
    # on pushes to the target branch: the full check, every finding
    push = next(s for s in steps if s.get("name") == "gitops-gen check")
    assert push["if"] == "github.event_name != 'pull_request'"
    assert push["run"] == "gitops-gen check . --format markdown --output gitops-gen.md"


def test_github_actions_uploads_every_finding_to_code_scanning(renders: Renders) -> None:
    repo, _ = _requirement_render(renders, "default")
    steps = _yaml(repo / ".github/workflows/gitops-gen.yaml")["jobs"]["check"]["steps"]
    sarif = next(s for s in steps if s.get("name") == "Findings for code scanning")
    assert sarif["run"].startswith("gitops-gen check . --format sarif --output gitops-gen.sarif")
    upload = next(s for s in steps if s.get("name") == "Upload findings to code scanning")
    assert upload["with"] == {"sarif_file": "gitops-gen.sarif", "category": "gitops-gen"}


def _gitlab_gate_script(repo: Path) -> str:
    job = _yaml(repo / ".gitlab-ci.yml")["gitops-gen"]
    assert job["variables"]["GIT_DEPTH"] == "0"
    (script,) = [line for line in job["script"] if "gitops-gen check" in line]
    return str(script)


@needs_shell_and_git
def test_gitlab_ci_gate_in_merge_request_pipelines(renders: Renders, gate: GateSandbox) -> None:
    repo, _ = _requirement_render(renders, "default")
    script = _gitlab_gate_script(repo)
    # the runner's clone has no target branch: the script fetches it
    _git(gate.work, "update-ref", "-d", "refs/remotes/origin/main")
    done, calls = gate.run(script, status=1, CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main")
    assert done.returncode == 1, done.stderr
    assert calls == [f"check . --base {gate.fork_point} --format junit --output gitops-gen-junit.xml"]
    assert _git(gate.work, "rev-parse", "origin/main") == gate.main


@needs_shell_and_git
def test_gitlab_ci_full_check_on_the_default_branch(renders: Renders, gate: GateSandbox) -> None:
    repo, _ = _requirement_render(renders, "default")
    done, calls = gate.run(_gitlab_gate_script(repo))
    assert done.returncode == 0, done.stderr
    assert calls == ["check . --format junit --output gitops-gen-junit.xml"]
    rules = _yaml(repo / ".gitlab-ci.yml")["gitops-gen"]["rules"]
    assert rules == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'},
                     {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]


@needs_shell_and_git
def test_jenkins_x_clones_both_commits_and_gates_on_the_base(renders: Renders, gate: GateSandbox) -> None:
    repo, _ = _requirement_render(renders, "default")
    run = _yaml(repo / ".lighthouse/jenkins-x/pullrequest.yaml")
    spec = run["spec"]["pipelineSpec"]
    assert "PULL_BASE_SHA" in [p["name"] for p in spec["params"]]
    task = spec["tasks"][0]
    assert {"name": "PULL_BASE_SHA", "value": "$(params.PULL_BASE_SHA)"} in task["params"]
    steps = {s["name"]: s for s in task["taskSpec"]["steps"]}
    params = {"$(params.REPO_URL)": str(gate.upstream), "$(params.PULL_BASE_SHA)": gate.main,
              "$(params.PULL_PULL_SHA)": gate.head}

    def substituted(script: str) -> str:
        for name, value in params.items():
            script = script.replace(name, value)
        return script

    source = gate.root / "source"
    source.mkdir()
    done, _ = gate.run(substituted(steps["clone"]["script"]), cwd=source)
    assert done.returncode == 0, done.stderr
    assert _git(source, "rev-parse", "HEAD") == gate.head
    # the check step, with the stub standing in for the virtual environment's gitops-gen
    script = substituted(steps["gitops-gen-check"]["script"])
    script = "\n".join(line for line in script.splitlines()
                       if "python3 -m venv" not in line and "/bin/pip " not in line)
    script = script.replace("/workspace/venv/bin/gitops-gen", str(gate.bin / "gitops-gen"))
    script = script.replace("/workspace/gitops-gen-junit.xml", str(gate.root / "junit.xml"))
    done, calls = gate.run(script, cwd=source, status=1)
    assert done.returncode == 1, done.stderr
    assert calls == [f"check . --base {gate.fork_point} --format junit"]
