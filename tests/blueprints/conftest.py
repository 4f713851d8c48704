"""Fixtures of the blueprint test modules (the default render is in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_gen.blueprints import BlueprintInfo, find_blueprint


@pytest.fixture(scope="session")
def bp() -> BlueprintInfo:
    """The bundled ml-platform blueprint (modules testing another blueprint define their own)."""
    return find_blueprint("ml-platform")


@pytest.fixture(scope="session")
def ci_renders(bp: BlueprintInfo, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Renders of the generated-CI tests (bp_helpers.Renders), one per requirement, made once."""
    from bp_helpers import Renders

    return Renders(bp, tmp_path_factory.mktemp("generated-ci"))
