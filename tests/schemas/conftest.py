from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from schema_helpers import SharedCache, load_crd_file, need_shared_crds

from gitops_gen.schemas import SchemaValidator


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No schema test may read or write the user's real cache folder."""
    monkeypatch.setenv("GITOPS_GEN_CACHE_DIR", str(tmp_path / "env-cache"))


@pytest.fixture
def validator(tmp_path: Path) -> SchemaValidator:
    return SchemaValidator("1.31", cache_dir=tmp_path / "cache")


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> SharedCache:
    """Every shared CRD read once per session (29 MB of YAML: the slow part, in parallel where
    there are cores) into one cache folder that later tests read instead of parsing."""
    folder = need_shared_crds()
    cache = tmp_path_factory.mktemp("shared-crd-cache")
    # Largest first, so the workers finish together.
    files = [str(p) for p in sorted(folder.glob("*.yaml"), key=lambda p: -p.stat().st_size)]
    workers = max(1, min(4, os.cpu_count() or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(load_crd_file, files, [str(cache)] * len(files)))
    return cache, results
