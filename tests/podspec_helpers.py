"""Helpers shared by the pod-spec walker tests."""

from __future__ import annotations

from pathlib import Path

from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import FieldPath, Resource
from gitops_gen.rules.podspec import containers, pod_specs


def load(tmp_path: Path, text: str) -> Resource:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = load_file(SourceFile(str(path), "m.yaml"))
    assert not result.findings, result.findings
    assert len(result.resources) == 1
    return result.resources[0]


def layout(resource: Resource) -> list[tuple[FieldPath, list[tuple[str, FieldPath]]]]:
    """Each pod's path with its containers' (group, path)."""
    return [(pod.path, [(c.group, c.path) for c in containers(pod)]) for pod in pod_specs(resource)]
