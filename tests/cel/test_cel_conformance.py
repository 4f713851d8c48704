"""ValidatingAdmissionPolicies evaluated offline agree with Kyverno's labels.

``../shared/conformance/cel`` (see its SOURCES.md): 30 VAPs converted from Kyverno's CEL policies,
456 resources labelled pass/fail by Kyverno's own tests.  Each folder is judged the way a user
would: ``gitops-gen check <policy>/resources --policies <policy> --format json``; a file fails
when a finding of the policy's rule is on it, and no file may have a ``policy-error``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_gen.cli import main

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "cel"
FOLDERS = sorted(p for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(not FOLDERS, reason=f"CEL conformance suite not found at {CORPUS} (../shared "
                                                    "is absent): the VAP conformance test is SKIPPED")


def _disagreements(folder: Path) -> tuple[int, list[str]]:
    expected: dict[str, str] = json.loads((folder / "expected.json").read_text())
    result = CliRunner().invoke(main, ["check", str(folder / "resources"), "--policies", str(folder),
                                       "--format", "json", "--no-cache", "--fail-on", "error"])
    assert result.exit_code in (0, 1), result.output
    failing: dict[str, set[str]] = {}
    for finding in json.loads(result.stdout)["findings"]:
        if finding["rule"] in (folder.name, "policy-error"):
            failing.setdefault(Path(finding["file"]).name, set()).add(finding["rule"])
    wrong = []
    for name, label in sorted(expected.items()):
        got = "fail" if folder.name in failing.get(name, ()) else "pass"
        if got != label or "policy-error" in failing.get(name, ()):
            wrong.append(f"{folder.name}/{name}: labelled {label}, got {got}"
                         + (" with a policy-error" if "policy-error" in failing.get(name, ()) else ""))
    return len(expected), wrong


def test_every_labelled_resource_agrees() -> None:
    total, wrong = 0, []
    for folder in FOLDERS:
        count, disagreements = _disagreements(folder)
        total += count
        wrong += disagreements
    assert len(FOLDERS) == 30 and total == 456
    assert wrong == [], f"{total - len(wrong)} of {total} agree; disagreements:\n" + "\n".join(wrong)
