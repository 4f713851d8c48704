"""Through the CLI: every format agrees with the exit code, and SARIF paths resolve in the repository.

The checked tree is a real git repository holding one custom resource with no schema: its
``no-schema`` finding is low by default and raised to medium by the configuration, so the
finding sits on either side of the threshold depending on ``--fail-on``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import git
import pytest
from click.testing import CliRunner

from gitops_gen.cli import main

WIDGET = """apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  namespace: team-a
"""
MANIFEST = "teams/vision/platform/widget.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    git.Repo.init(root)
    (root / MANIFEST).parent.mkdir(parents=True)
    (root / MANIFEST).write_text(WIDGET)
    (root / ".gitops-gen.yaml").write_text("rules:\n  no-schema: {severity: medium}\n")
    return root


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def gate(fmt: str, out: str) -> Any:
    """What each format says about the one medium finding: does it fail the check?"""
    if fmt == "junit":
        root = ET.fromstring(out.encode())
        return (root.get("failures"), root.get("errors"))
    if fmt == "sarif":
        (result,) = json.loads(out)["runs"][0]["results"]
        return (result["level"], result["properties"]["failsCheck"])
    if fmt == "json":
        summary = json.loads(out)["summary"]
        return (summary["fail_on"], summary["failing"])
    if fmt == "github":
        return out.split(" ", 1)[0]
    if fmt == "markdown":
        return out.splitlines()[0]
    return out.splitlines()[-1].split("; ", 1)[1]


EXPECTED: dict[str, dict[str, Any]] = {
    "high": {
        "junit": ("0", "0"), "sarif": ("warning", False), "json": ("high", 0), "github": "::warning",
        "markdown": "## ✅ gitops-gen: check passed, 1 finding below high",
        "text": "none at or above high, so the check passes.",
    },
    "medium": {
        "junit": ("1", "0"), "sarif": ("error", True), "json": ("medium", 1), "github": "::error",
        "markdown": "## ❌ gitops-gen: 1 finding fails the check",
        "text": "1 at or above medium fails the check.",
    },
}


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "markdown"])
@pytest.mark.parametrize(("fail_on", "code"), [("high", 0), ("medium", 1)])
def test_every_format_agrees_with_the_exit_code(repo: Path, fmt: str, fail_on: str, code: int) -> None:
    exit_code, out = check(str(repo), "--format", fmt, "--fail-on", fail_on)
    assert exit_code == code, out
    assert gate(fmt, out) == EXPECTED[fail_on][fmt]


@pytest.mark.parametrize("fmt", ["junit", "sarif", "json"])
def test_the_configured_threshold_applies_without_the_flag(repo: Path, fmt: str) -> None:
    config = repo / ".gitops-gen.yaml"
    config.write_text(config.read_text() + "fail-on: high\n")
    exit_code, out = check(str(repo), "--format", fmt)
    assert exit_code == 0 and gate(fmt, out) == EXPECTED["high"][fmt]
    exit_code, out = check(str(repo), "--format", fmt, "--fail-on", "medium")  # the flag wins
    assert exit_code == 1 and gate(fmt, out) == EXPECTED["medium"][fmt]


def test_a_clean_default_run_reports_no_junit_failures(repo: Path) -> None:
    (repo / ".gitops-gen.yaml").unlink()  # no-schema stays low: below the default threshold
    exit_code, out = check(str(repo), "--format", "junit")
    assert exit_code == 0
    assert (ET.fromstring(out.encode()).get("failures"), ET.fromstring(out.encode()).get("errors")) == ("0", "0")


def sarif_location(args: list[str], output: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    exit_code, out = check(*args, "--format", "sarif", "-o", str(output))
    assert exit_code == 1, out
    run = json.loads(output.read_text())["runs"][0]
    (result,) = run["results"]
    return result["locations"][0]["physicalLocation"]["artifactLocation"], run["originalUriBaseIds"]


def test_sarif_uris_from_the_folder_checked(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "teams" / "vision")
    location, bases = sarif_location(["."], tmp_path / "a.sarif")
    assert location == {"uri": MANIFEST, "uriBaseId": "%SRCROOT%"}
    assert bases["%SRCROOT%"]["uri"] == repo.as_uri() + "/"


def test_sarif_uris_from_a_subfolder(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "teams")
    location, bases = sarif_location(["vision/platform"], tmp_path / "b.sarif")
    assert location == {"uri": MANIFEST, "uriBaseId": "%SRCROOT%"}
    assert bases["%SRCROOT%"]["uri"] == repo.as_uri() + "/"


def test_sarif_uris_from_outside_the_repository(repo: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    location, bases = sarif_location(["repo/teams/vision"], tmp_path / "c.sarif")
    assert location == {"uri": MANIFEST, "uriBaseId": "%SRCROOT%"}
    assert bases["%SRCROOT%"]["uri"] == repo.as_uri() + "/"


def test_sarif_from_standard_input(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["check", "-", "--format", "sarif", "--fail-on", "low"], input=WIDGET)
    assert result.exit_code == 1, result.output
    run = json.loads(result.output)["runs"][0]
    (location,) = {json.dumps(r["locations"][0]["physicalLocation"]["artifactLocation"]) for r in run["results"]}
    assert json.loads(location) == {"uri": "%3Cstdin%3E", "description": {"text": "standard input"}}
