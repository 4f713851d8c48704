"""sample-repo/ is exactly a fresh default render of ml-platform (its content, not wrapped in a folder)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from bp_helpers import snapshot, tree_difference
from checks import REPO_ROOT

from gitops_gen.blueprints.refresh_sample import SAMPLE_BLUEPRINT, SAMPLE_DIR, refresh_sample

SAMPLE = REPO_ROOT / SAMPLE_DIR
HOW = ("regenerate it with: python -m gitops_gen.blueprints.refresh_sample  "
       "(then review and commit sample-repo/)")


def test_sample_repo_is_a_fresh_default_render(ml_default_render: Path) -> None:
    assert SAMPLE_BLUEPRINT == "ml-platform"
    assert SAMPLE.is_dir(), f"{SAMPLE} is missing; {HOW}"
    fresh = ml_default_render
    # git keeps only the executable bit and no empty folders, so compare files, contents and that bit.
    diff = tree_difference(fresh, SAMPLE, executable_bit_only=True)
    assert diff is None, f"sample-repo/ differs from a fresh render of {SAMPLE_BLUEPRINT}:\n{diff}\n{HOW}"


def test_every_sample_file_is_committed() -> None:
    """A .gitignore inside the render also applies to sample-repo/ in this repository: nothing it
    holds may be ignored, or CI would check out less than the render."""
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    assert SAMPLE.is_dir(), f"{SAMPLE} is missing; {HOW}"
    command = ["git", "-C", str(REPO_ROOT), "ls-files", "--others", "--ignored", "--exclude-standard", "--",
               SAMPLE_DIR]
    ignored = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    assert not ignored, f"files of sample-repo/ that git ignores: {ignored[:10]}"


def test_refresh_writes_the_render_into_the_destination(tmp_path: Path, ml_default_render: Path) -> None:
    dest = tmp_path / "sample"
    dest.mkdir()
    (dest / "stale.txt").write_text("old")
    assert refresh_sample(dest) == dest
    assert snapshot(dest) == snapshot(ml_default_render)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sample"]  # nothing else left behind
