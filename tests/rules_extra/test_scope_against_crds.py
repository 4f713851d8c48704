"""The cluster-scoped kind list agrees with the real upstream CRDs in ../shared/crds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.rules._scope import CLUSTER_SCOPED_KINDS

CRDS = Path(__file__).resolve().parents[3] / "shared" / "crds"


_KIND = re.compile(r"^  names:\n(?:    .*\n)*?    kind: ['\"]?(\w+)", re.MULTILINE)
_SCOPE = re.compile(r"^  scope: ['\"]?(\w+)", re.MULTILINE)


def _scope_of(path: Path) -> tuple[str, str] | None:
    """(kind, scope) of one CRD file.  The 29 MB of schemas would take seconds to parse, so the
    two fields are read from the text, and the first file is cross-checked with the real loader."""
    text = path.read_text()
    kind, scope = _KIND.search(text), _SCOPE.search(text)
    return (kind.group(1), scope.group(1)) if kind and scope else None


def _scopes() -> dict[str, set[str]]:
    if not CRDS.is_dir():
        pytest.skip(f"SKIPPED LOUDLY: upstream CRDs not found at {CRDS}; cannot cross-check the scope list")
    files = sorted(CRDS.glob("*.yaml"))
    scopes: dict[str, set[str]] = {}
    for path in files:
        found = _scope_of(path)
        assert found, f"cannot read kind and scope of {path}"
        scopes.setdefault(found[0], set()).add(found[1])
    smallest = min(files, key=lambda p: p.stat().st_size)
    crd = load_file(SourceFile(str(smallest), smallest.name)).resources[0]
    assert (crd.get(("spec", "names", "kind")), crd.get(("spec", "scope"))) == _scope_of(smallest)
    return scopes


def test_every_cluster_scoped_crd_kind_is_listed() -> None:
    missing = sorted(k for k, s in _scopes().items() if "Cluster" in s and k not in CLUSTER_SCOPED_KINDS)
    assert not missing, f"cluster-scoped CRD kinds missing from _scope.py: {missing}"


def test_no_namespaced_crd_kind_is_listed() -> None:
    wrong = sorted(k for k, s in _scopes().items() if s == {"Namespaced"} and k in CLUSTER_SCOPED_KINDS)
    assert not wrong, f"namespaced CRD kinds wrongly listed as cluster-scoped: {wrong}"
