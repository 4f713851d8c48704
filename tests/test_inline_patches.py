"""A finding only the kustomize build has is located on the line of the kustomization's inline
patch that sets its field (strategic merge or JSON 6902), not on the file's first line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_gen.inline_patches import locate_inline
from gitops_gen.manifests.yamlread import Limits

PRIVILEGED = ("spec", "template", "spec", "containers", 0, "securityContext", "privileged")

JSON6902 = """\
resources: [../../base]
patches:
  - target: {kind: Service}
    patch: |-
      - op: add
        path: /spec/type
        value: NodePort
  - target:
      kind: Deployment
      name: web
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/securityContext
        value:
          runAsNonRoot: true
          privileged: true
"""

STRATEGIC = """\
resources: [../../base]
patchesStrategicMerge:
  - |-
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      template:
        spec:
          containers:
            - name: web
              securityContext:
                privileged: true
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def at(text: str, needle: str, word: str) -> tuple[int, int]:
    """(line, column) of ``word`` on the first line holding ``needle``."""
    line = line_of(text, needle)
    return line, text.splitlines()[line - 1].index(word) + 1


def locate(tmp_path: Path, text: str, kind: str = "Deployment", name: str = "prod-web",
           path: tuple[str | int, ...] = PRIVILEGED) -> tuple[int, int] | None:
    (tmp_path / "kustomization.yaml").write_text(text)
    return locate_inline(str(tmp_path / "kustomization.yaml"), kind, name, path, Limits())


def test_a_json6902_value_above_the_field_is_read_into(tmp_path: Path) -> None:
    assert locate(tmp_path, JSON6902) == at(JSON6902, "privileged: true", "true")


@pytest.mark.parametrize(("op_path", "value", "needle", "word"), [
    ("/spec/template/spec/containers/0/securityContext/privileged", "true", "value: true", "true"),  # at the field
    ("/spec/template/spec/containers/0", "{name: web, securityContext: {privileged: true}}", "value:", "true"),
    ("/spec/template/spec/containers/0/securityContext/privileged/x", "1", "path:", "/spec"),  # below it
])
def test_an_operation_at_or_around_the_field(tmp_path: Path, op_path: str, value: str, needle: str,
                                             word: str) -> None:
    text = f"patches:\n  - patch: |-\n      - op: replace\n        path: {op_path}\n        value: {value}\n"
    assert locate(tmp_path, text) == at(text, needle, word)


def test_an_inline_strategic_merge_patch(tmp_path: Path) -> None:
    assert locate(tmp_path, STRATEGIC) == at(STRATEGIC, "privileged: true", "true")


@pytest.mark.parametrize(("kind", "name"), [("StatefulSet", "prod-web"), ("Deployment", "prod-api")])
def test_a_patch_targeting_another_object_is_not_it(tmp_path: Path, kind: str, name: str) -> None:
    assert locate(tmp_path, JSON6902, kind=kind, name=name) is None


def test_removals_appends_files_and_unreadable_text_are_not_located(tmp_path: Path) -> None:
    text = ("patches:\n  - path: patch.yaml\n  - patch: |-\n      - op: remove\n"
            "        path: /spec/template/spec/containers/0/securityContext/privileged\n"
            "  - patch: |-\n      - op: add\n        path: /spec/template/spec/containers/-\n        value: {}\n"
            "  - patch: '[unclosed'\n")
    assert locate(tmp_path, text) is None
    (tmp_path / "kustomization.yaml").write_bytes(b"\xff\xfe")
    assert locate_inline(str(tmp_path / "kustomization.yaml"), "Deployment", "web", PRIVILEGED, Limits()) is None
