"""The composite GitHub Action (``action.yml`` at the repository root) runs the gate as documented.

Its shell steps are run by a real ``bash`` in a temporary git repository, with a stub
``gitops-gen`` on ``PATH`` that records its arguments, writes ``--output`` and exits with the status
the test asks for; GitHub's files (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``) are plain files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ACTION = Path(__file__).resolve().parents[2] / "action.yml"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None,
                                reason="needs bash and git")

STUB = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$STUB_LOG"
out=""
prev=""
for a in "$@"; do [ "$prev" = --output ] && out="$a"; prev="$a"; done
[ -n "$out" ] && printf '<!-- gitops-gen:gate -->\\nreport %s\\n' "$*" > "$out"
[ -z "$out" ] && echo "::notice::annotation"
exit "${STUB_STATUS:-0}"
"""


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def step(name: str) -> dict[str, Any]:
    return next(s for s in action()["runs"]["steps"] if s.get("name") == name)


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def sandbox(tmp_path: Path) -> dict[str, Path]:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.yaml").write_text("a: 1\n", encoding="utf-8")
    git(repo, "add", "a.yaml")
    git(repo, "commit", "-q", "-m", "base")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "gitops-gen"
    stub.write_text(STUB, encoding="utf-8")
    stub.chmod(0o755)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return {"repo": repo, "bin": bin_dir, "temp": temp, "log": tmp_path / "calls.log",
            "output": tmp_path / "github-output", "summary": tmp_path / "step-summary"}


def run_gate(sandbox: dict[str, Path], status: int = 0, **inputs: str) -> tuple[subprocess.CompletedProcess[str],
                                                                                dict[str, str], list[str]]:
    gate = step("gitops-gen check")
    defaults = {"path": ".", "base": "", "head": "", "fail-on": "", "all": "false", "annotations": "true",
                "sarif": "false"}
    values = {**defaults, **inputs}
    env = {**os.environ, "PATH": f"{sandbox['bin']}{os.pathsep}{os.environ['PATH']}",
           "RUNNER_TEMP": str(sandbox["temp"]), "GITHUB_OUTPUT": str(sandbox["output"]),
           "GITHUB_STEP_SUMMARY": str(sandbox["summary"]), "STUB_LOG": str(sandbox["log"]),
           "STUB_STATUS": str(status)}
    for name, expression in gate["env"].items():
        env[name] = values[expression.removeprefix("${{ inputs.").removesuffix(" }}")]
    done = subprocess.run(["bash", "-c", gate["run"]], cwd=sandbox["repo"], env=env, capture_output=True, text=True)
    outputs = dict(line.split("=", 1) for line in sandbox["output"].read_text(encoding="utf-8").splitlines())
    calls = sandbox["log"].read_text(encoding="utf-8").splitlines() if sandbox["log"].exists() else []
    return done, outputs, calls


def test_inputs_and_defaults() -> None:
    inputs = action()["inputs"]
    assert inputs["requirement"]["default"] == "gitops-gen"
    assert inputs["path"]["default"] == "."
    assert "github.event.pull_request.base.sha" in inputs["base"]["default"]
    assert "format('origin/{0}', github.base_ref)" in inputs["base"]["default"]
    assert inputs["sarif"]["default"] == "false"
    assert "fetch-depth: 0" in action()["description"]
    assert action()["runs"]["using"] == "composite"


def test_no_input_is_expanded_into_a_script() -> None:
    """Inputs reach the shell as environment variables only: a ref named ``$(id)`` stays a string."""
    for s in action()["runs"]["steps"]:
        assert "${{" not in s.get("run", ""), s.get("name")


def test_a_pull_request_runs_the_gate_and_writes_the_summary(sandbox: dict[str, Path]) -> None:
    base = git(sandbox["repo"], "rev-parse", "HEAD").strip()
    done, outputs, calls = run_gate(sandbox, status=1, base=base, **{"fail-on": "high"})
    assert done.returncode == 0, done.stderr
    assert outputs["exit-code"] == "1"
    assert calls == [f"check . --base {base} --fail-on high --format markdown --output {outputs['markdown-file']}",
                     f"check . --base {base} --fail-on high --format github"]
    assert sandbox["summary"].read_text(encoding="utf-8").startswith("<!-- gitops-gen:gate -->\n")
    assert "::notice::annotation" in done.stdout


def test_sarif_run_only_when_asked(sandbox: dict[str, Path]) -> None:
    base = git(sandbox["repo"], "rev-parse", "HEAD").strip()
    _, outputs, calls = run_gate(sandbox, base=base, sarif="true", annotations="false", all="true")
    assert calls[-1] == f"check . --base {base} --all --format sarif --output {outputs['sarif-file']}"
    assert len(calls) == 2 and outputs["exit-code"] == "0"


def test_an_origin_branch_is_fetched_when_missing(sandbox: dict[str, Path], tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    shutil.copytree(sandbox["repo"], upstream)
    git(sandbox["repo"], "remote", "add", "origin", str(upstream))
    done, outputs, calls = run_gate(sandbox, base="origin/" + git(upstream, "branch", "--show-current").strip())
    assert done.returncode == 0 and outputs["exit-code"] == "0", done.stdout + done.stderr
    assert calls[0].startswith("check . --base origin/")


def test_an_unknown_base_is_an_error(sandbox: dict[str, Path]) -> None:
    done, outputs, calls = run_gate(sandbox, base="0" * 40)
    assert outputs["exit-code"] == "2" and calls == []
    assert "fetch-depth: 0" in done.stdout


def test_without_a_base_the_whole_tree_is_checked(sandbox: dict[str, Path]) -> None:
    _, outputs, calls = run_gate(sandbox, all="true")
    assert calls[0] == f"check . --format markdown --output {outputs['markdown-file']}"


def test_a_usage_error_writes_no_summary(sandbox: dict[str, Path]) -> None:
    _, outputs, calls = run_gate(sandbox, status=2)
    assert outputs["exit-code"] == "2" and len(calls) == 1
    assert not sandbox["summary"].exists()


@pytest.mark.parametrize(("status", "code"), [("0", 0), ("1", 1), ("2", 2), ("", 2)])
def test_the_verdict_step_exits_with_the_gates_code(status: str, code: int) -> None:
    verdict = step("Verdict")
    done = subprocess.run(["bash", "-c", verdict["run"]], env={**os.environ, "STATUS": status},
                          capture_output=True, text=True)
    assert done.returncode == code


def test_sarif_upload_is_conditional() -> None:
    upload = step("Upload to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "inputs.sarif == 'true'" in upload["if"]
    assert upload["with"]["category"] == "gitops-gen/gate"
