"""The generated CI runs the pull-request gate against where the pull request meets its target
branch (each CI's gate script run by a real shell on a real git history, with a stub gitops-gen).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from bp_helpers import Renders
from ci_helpers import read_yaml, requirement_render

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


def test_no_ci_script_expands_an_expression(ci_renders: Renders) -> None:
    """Branch names reach the shell through the environment only (a branch may be named ``$(id)``)."""
    repo, _ = requirement_render(ci_renders, "default")
    for step in read_yaml(repo / ".github/workflows/gitops-gen.yaml")["jobs"]["check"]["steps"]:
        assert "${{" not in step.get("run", ""), step


@needs_shell_and_git
@pytest.mark.parametrize("status", [0, 1, 2])
def test_github_actions_gate_on_pull_requests(ci_renders: Renders, gate: GateSandbox, status: int) -> None:
    repo, _ = requirement_render(ci_renders, "default")
    workflow = read_yaml(repo / ".github/workflows/gitops-gen.yaml")
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


def test_github_actions_uploads_every_finding_to_code_scanning(ci_renders: Renders) -> None:
    repo, _ = requirement_render(ci_renders, "default")
    steps = read_yaml(repo / ".github/workflows/gitops-gen.yaml")["jobs"]["check"]["steps"]
    sarif = next(s for s in steps if s.get("name") == "Findings for code scanning")
    assert sarif["run"].startswith("gitops-gen check . --format sarif --output gitops-gen.sarif")
    upload = next(s for s in steps if s.get("name") == "Upload findings to code scanning")
    assert upload["with"] == {"sarif_file": "gitops-gen.sarif", "category": "gitops-gen"}


def _gitlab_gate_script(repo: Path) -> str:
    job = read_yaml(repo / ".gitlab-ci.yml")["gitops-gen"]
    assert job["variables"]["GIT_DEPTH"] == "0"
    (script,) = [line for line in job["script"] if "gitops-gen check" in line]
    return str(script)


@needs_shell_and_git
def test_gitlab_ci_gate_in_merge_request_pipelines(ci_renders: Renders, gate: GateSandbox) -> None:
    repo, _ = requirement_render(ci_renders, "default")
    script = _gitlab_gate_script(repo)
    # the runner's clone has no target branch: the script fetches it
    _git(gate.work, "update-ref", "-d", "refs/remotes/origin/main")
    done, calls = gate.run(script, status=1, CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main")
    assert done.returncode == 1, done.stderr
    assert calls == [f"check . --base {gate.fork_point} --format junit --output gitops-gen-junit.xml"]
    assert _git(gate.work, "rev-parse", "origin/main") == gate.main


@needs_shell_and_git
def test_gitlab_ci_full_check_on_the_default_branch(ci_renders: Renders, gate: GateSandbox) -> None:
    repo, _ = requirement_render(ci_renders, "default")
    done, calls = gate.run(_gitlab_gate_script(repo))
    assert done.returncode == 0, done.stderr
    assert calls == ["check . --format junit --output gitops-gen-junit.xml"]
    rules = read_yaml(repo / ".gitlab-ci.yml")["gitops-gen"]["rules"]
    assert rules == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'},
                     {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]


@needs_shell_and_git
def test_jenkins_x_clones_both_commits_and_gates_on_the_base(ci_renders: Renders, gate: GateSandbox) -> None:
    repo, _ = requirement_render(ci_renders, "default")
    run = read_yaml(repo / ".lighthouse/jenkins-x/pullrequest.yaml")
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
    # the org policies' own tests, then the gate (which runs even when they fail)
    assert calls == ["policy test policies", f"check . --base {gate.fork_point} --format junit"]
