"""Custom policies in the pull-request gate: a policy declared in the configuration judges both
trees, and only what head adds fails."""

from __future__ import annotations

import json
from pathlib import Path

from cel_helpers import POLICY, deployment, write
from click.testing import CliRunner
from tree_helpers import commit_all

from gitops_gen.cli import main


def test_the_gate_fails_only_on_what_head_adds_to_a_policy(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {
        ".gitops-gen.yaml": "policies: [policies]\nrules:\n  team-label: {severity: high}\n",
        "policies/team.yaml": POLICY,
        "apps/legacy.yaml": deployment(name="legacy", labels="{}"),
    })
    commit_all(repo, "base: one legacy violation")
    write(repo, {"apps/new.yaml": deployment(name="new", labels="{}")})
    result = CliRunner().invoke(main, ["check", str(repo), "--base", "main", "--format", "json", "--no-cache",
                                       "--all"])
    assert result.exit_code == 1, result.output
    found = sorted((f["rule"], f["details"].get("change"), Path(f["file"]).name, f["line"])
                   for f in json.loads(result.stdout)["findings"] if f["rule"] == "team-label")
    assert found == [("team-label", "new", "new.yaml", 1), ("team-label", "persisting", "legacy.yaml", 1)]
