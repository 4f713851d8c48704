"""Fixtures of the blueprint test modules (the default render is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from gitops_gen.blueprints import BlueprintInfo, find_blueprint


@pytest.fixture(scope="session")
def bp() -> BlueprintInfo:
    """The bundled ml-platform blueprint (modules testing another blueprint define their own)."""
    return find_blueprint("ml-platform")
