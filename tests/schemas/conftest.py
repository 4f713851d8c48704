from __future__ import annotations

from pathlib import Path

import pytest

from gitops_gen.schemas import SchemaValidator


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No schema test may read or write the user's real cache folder."""
    monkeypatch.setenv("GITOPS_GEN_CACHE_DIR", str(tmp_path / "env-cache"))


@pytest.fixture
def validator(tmp_path: Path) -> SchemaValidator:
    return SchemaValidator("1.31", cache_dir=tmp_path / "cache")
