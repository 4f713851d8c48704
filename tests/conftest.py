"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

#: ``crd_yaml(group, kind, field="size", style="block")``: see :func:`one_field_crd`.
CrdYaml = Callable[..., str]


def one_field_crd(group: str, kind: str, field: str = "size", style: str = "block") -> str:
    """The text of a namespaced CustomResourceDefinition serving ``group/v1`` ``kind`` whose
    ``spec`` has one integer ``field``; ``names`` in block or flow ``style``."""
    names = f"names: {{kind: {kind}, plural: {kind.lower()}s}}" if style == "flow" else \
        f"names:\n    kind: {kind}\n    plural: {kind.lower()}s"
    return f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {kind.lower()}s.{group}
spec:
  group: {group}
  {names}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                {field}: {{type: integer}}
"""


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The caches (``check``'s result cache, the CRD schema caches) in a folder of the test
    session, never the user's: set for the whole session, before module and session fixtures."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITOPS_GEN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "gitops-gen-cache"))
        yield


@pytest.fixture
def crd_yaml() -> CrdYaml:
    """A factory of one-field CustomResourceDefinition texts (:func:`one_field_crd`)."""
    return one_field_crd


@pytest.fixture(scope="session")
def ml_default_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default render of the bundled ml-platform blueprint (no git), shared by the blueprint
    and graph tests (each render costs a few hundred milliseconds); tests must not modify it."""
    from gitops_gen.blueprints import find_blueprint, render

    return render(find_blueprint("ml-platform"), tmp_path_factory.mktemp("ml-default"), {}, git_init=False)
