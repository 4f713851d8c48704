"""Renders shared by the blueprint test modules (each render costs a few hundred milliseconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_gen.blueprints import BlueprintInfo, find_blueprint, render


@pytest.fixture(scope="session")
def bp() -> BlueprintInfo:
    """The bundled ml-platform blueprint (modules testing another blueprint define their own)."""
    return find_blueprint("ml-platform")


@pytest.fixture(scope="session")
def ml_default_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default render of the bundled ml-platform blueprint (no git); tests must not modify it."""
    return render(find_blueprint("ml-platform"), tmp_path_factory.mktemp("ml-default"), {}, git_init=False)
