"""Regenerate ``sample-repo/``, the committed default render of the ml-platform blueprint.

``sample-repo/`` holds the rendered repository's content directly (what ``gitops-gen new
ml-platform --no-input --no-git`` writes into ``ml-platform-gitops/``), so readers can browse
what the blueprint produces and CI can check it.  A test fails when it differs from a fresh
render; after changing the blueprint, run from the source checkout::

    python -m gitops_gen.blueprints.refresh_sample
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from gitops_gen.blueprints.catalog import find_blueprint
from gitops_gen.blueprints.render import render
from gitops_gen.errors import BlueprintError
from gitops_gen.resources import bundled_dir

SAMPLE_BLUEPRINT = "ml-platform"
SAMPLE_DIR = "sample-repo"


def source_root() -> Path:
    """The source checkout this package runs from (sample-repo/ only exists there)."""
    blueprints = bundled_dir("blueprints")
    if blueprints.name != "blueprints":
        raise BlueprintError("sample-repo/ can only be refreshed from a source checkout of gitops-gen")
    return blueprints.parent


def refresh_sample(dest: Path | None = None) -> Path:
    """Render the default sample into ``dest`` (default: ``<checkout>/sample-repo``), replacing it."""
    dest = dest or source_root() / SAMPLE_DIR
    scratch = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        repo = render(find_blueprint(SAMPLE_BLUEPRINT), scratch, {}, git_init=False)
        if dest.exists():
            os.rename(dest, scratch / ".old")
        os.rename(repo, dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return dest


def main() -> int:
    try:
        path = refresh_sample(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else None)
    except BlueprintError as exc:
        sys.stderr.write(f"refresh_sample: error: {exc}\n")
        return 2
    sys.stdout.write(f"refreshed {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
