"""image-tag-unpinned: reading image references, and the allowed-registries option."""

from __future__ import annotations

import pytest
from conftest import Run

from gitops_gen.rules.image_tag_unpinned import parse_image


@pytest.mark.parametrize(("image", "registry", "path", "tag", "digest"), [
    ("nginx", "docker.io", "library/nginx", None, None),
    ("nginx:1.27", "docker.io", "library/nginx", "1.27", None),
    ("index.docker.io/jupyter/scipy-notebook:2024-06-01", "docker.io", "jupyter/scipy-notebook", "2024-06-01",
     None),
    ("registry.local:5000/team/app", "registry.local:5000", "team/app", None, None),
    ("registry.local:5000/team/app:2.0", "registry.local:5000", "team/app", "2.0", None),
    ("localhost/app:dev", "localhost", "app", "dev", None),
    ("ghcr.io/acme/app@sha256:abc", "ghcr.io", "acme/app", None, "sha256:abc"),
    ("GHCR.io/acme/app:v1@sha256:abc", "ghcr.io", "acme/app", "v1", "sha256:abc"),
    ("acme/app:v1", "docker.io", "acme/app", "v1", None),
])
def test_parse_image(image: str, registry: str, path: str, tag: str | None, digest: str | None) -> None:
    ref = parse_image(image)
    assert (ref.registry, ref.path, ref.tag, ref.digest) == (registry, path, tag, digest)


POD = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: p, namespace: research}
    spec:
      containers:
      - {name: a, image: "ghcr.io/acme/app:1.0.0"}
      - {name: b, image: "ghcr.io/other/app:1.0.0"}
      - {name: c, image: "python:3.12"}
      - {name: d, image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/models/server:4"}
      - {name: e, image: "ghcr.io.evil.example/acme/app:1.0.0"}
"""


def test_any_registry_by_default(run_tree: Run) -> None:
    assert run_tree("image-tag-unpinned", {"pod.yaml": POD}) == []


def test_allowed_registries(run_tree: Run) -> None:
    findings = run_tree("image-tag-unpinned", {"pod.yaml": POD},
                        {"allowed-registries": ["ghcr.io/acme", "123456789012.dkr.ecr.us-east-1.amazonaws.com"]})
    assert [(f.line, f.details["check"]) for f in findings] == [
        (7, "registry-not-allowed"), (8, "registry-not-allowed"), (10, "registry-not-allowed")]
    assert "docker.io" in findings[1].message


def test_docker_hub_by_name(run_tree: Run) -> None:
    findings = run_tree("image-tag-unpinned", {"pod.yaml": POD}, {"allowed-registries": ["docker.io", "ghcr.io"]})
    assert [f.line for f in findings] == [9, 10]
