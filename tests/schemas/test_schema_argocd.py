"""gitops-gen's own Argo CD schemas: strict, yet accepting every field of Argo CD's real CRDs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from schema_helpers import check, load, messages, need_shared_crds, write

from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.schemas import SchemaValidator, builtin

REAL_CRDS = {"Application": "argoproj.io_application.yaml", "AppProject": "argoproj.io_appproject.yaml",
             "ApplicationSet": "argoproj.io_applicationset.yaml"}
_DOCS = {builtin.COMMON: builtin.read(builtin.COMMON), **{f: builtin.read(f) for f in builtin.FILES.values()}}


def _resolve(node: dict[str, Any], document: str) -> tuple[dict[str, Any], str]:
    """Follow ``$ref`` (local or into common.json) until a schema with content."""
    while "$ref" in node:
        target, _, pointer = node["$ref"].partition("#")
        if target:
            document = {"common.json": builtin.COMMON}[target]
        node = _DOCS[document]
        for part in pointer.strip("/").split("/"):
            node = node[part]
    return node, document


def _types(node: dict[str, Any]) -> set[str]:
    declared = node.get("type")
    if node.get("x-kubernetes-int-or-string"):
        return {"integer", "string"}
    return {declared} if isinstance(declared, str) else set(declared or ())


def _free_form(node: dict[str, Any]) -> bool:
    return bool(node.get("x-kubernetes-preserve-unknown-fields")) or (
        "properties" not in node and "additionalProperties" not in node and "items" not in node
        and _types(node) <= {"object"})


def _walk(real: dict[str, Any], ours: dict[str, Any], document: str,
          path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every way in which ``ours`` is stricter than ``real``: (path, problem)."""
    ours, document = _resolve(ours, document)
    if _free_form(ours):
        return
    if real.get("x-kubernetes-preserve-unknown-fields"):
        yield path, "free-form in Argo CD's CRD but not in ours"
        return
    real_types, our_types = _types(real), _types(ours)
    if real_types and not real_types <= our_types:
        yield path, f"type {sorted(real_types)} in the CRD, {sorted(our_types)} in ours"
    extra_required = set(ours.get("required", ())) - set(real.get("required", ()))
    if extra_required:
        yield path, f"we require {sorted(extra_required)}, the CRD does not"
    if "enum" in ours and not set(real.get("enum", [object()])) <= set(ours["enum"]):
        yield path, "our enum is narrower"
    for name, child in real.get("properties", {}).items():
        if path == () and name == "metadata":
            continue  # gitops-gen puts the custom-resource metadata rules there
        mine = ours.get("properties", {}).get(name)
        if mine is None:
            yield (*path, name), "missing from ours"
        else:
            yield from _walk(child, mine, document, (*path, name))
    if "items" in real:
        if "items" not in ours:
            yield (*path, "[]"), "items missing from ours"
        else:
            yield from _walk(real["items"], ours["items"], document, (*path, "[]"))
    if isinstance(real.get("additionalProperties"), dict):
        extra = ours.get("additionalProperties")
        if not isinstance(extra, dict):
            yield (*path, "{}"), "map values missing from ours"
        else:
            yield from _walk(real["additionalProperties"], extra, document, (*path, "{}"))


@pytest.mark.parametrize("kind", sorted(REAL_CRDS))
def test_every_field_of_the_real_crd_is_accepted(kind: str) -> None:
    path = need_shared_crds() / REAL_CRDS[kind]
    [crd] = load_file(SourceFile(str(path), path.name)).resources
    [version] = crd.data["spec"]["versions"]
    assert version["name"] == builtin.VERSION
    real = version["schema"]["openAPIV3Schema"]
    problems = list(_walk(real, _DOCS[builtin.FILES[kind]], builtin.FILES[kind], ()))
    assert problems == []


def test_the_walk_notices_a_missing_field() -> None:
    real = {"type": "object", "required": ["metadata", "spec"], "properties": {"spec": {
        "type": "object", "required": ["destination", "project"],
        "properties": {"project": {"type": "string"}, "newField": {"type": "integer"}}}}}
    problems = list(_walk(real, _DOCS[builtin.FILES["Application"]], builtin.FILES["Application"], ()))
    assert problems == [(("spec", "newField"), "missing from ours")]


APPLICATIONS = """
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: kubeflow-training
  namespace: argocd
  annotations:
    argocd.argoproj.io/sync-wave: "2"
spec:
  project: ml-platform
  sources:
    - repoURL: https://kubeflow.github.io/training-operator
      chart: training-operator
      targetRevision: 1.9.0
      helm:
        valueFiles: [$values/training/values.yaml]
        valuesObject:
          image: {tag: v1.9.0}
          resources: {limits: {cpu: 1}}
    - repoURL: https://github.com/example/platform.git
      targetRevision: main
      ref: values
  destination:
    name: in-cluster
    namespace: kubeflow
  ignoreDifferences:
    - group: apiextensions.k8s.io
      kind: CustomResourceDefinition
      jsonPointers: [/spec/conversion]
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    retry:
      limit: 5
      backoff: {duration: 5s, factor: 2, maxDuration: 3m}
    syncOptions: [ServerSideApply=true]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: minimal, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/example/apps.git, path: apps}
  destination: {server: https://kubernetes.default.svc, namespace: apps}
  syncPolicy:
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: typo
spec:
  project: default
  source:
    repoURL: https://github.com/example/apps.git
    targetRevison: main               # expect: schema
  destination:
    server: https://kubernetes.default.svc
  syncPolicy:
    automated:
      selfheal: true                  # expect: schema
    syncOptions: CreateNamespace=true # expect: schema
"""


def test_applications(tmp_path: Path, validator: SchemaValidator) -> None:
    findings = check(tmp_path, APPLICATIONS, validator)
    assert messages(findings) == [
        'unknown field "targetRevison" in spec.source',
        'unknown field "selfheal" in spec.syncPolicy.automated',
        'spec.syncPolicy.syncOptions: "CreateNamespace=true" is not of type array',
    ]
    assert {f.details["schema"] for f in findings} == {"built-in Argo CD schema"}


def test_projects_and_application_sets(tmp_path: Path, validator: SchemaValidator) -> None:
    check(tmp_path, """
        apiVersion: argoproj.io/v1alpha1
        kind: AppProject
        metadata: {name: ml-platform, namespace: argocd}
        spec:
          description: ML platform components
          sourceRepos: ["https://github.com/example/*"]
          destinations:
            - {server: https://kubernetes.default.svc, namespace: "*"}
          clusterResourceWhitelist:
            - {group: "*", kind: "*"}
          roles:
            - name: ci
              policies: ["p, proj:ml-platform:ci, applications, sync, ml-platform/*, allow"]
          sourceRepo: [oops]                    # expect: schema
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: teams, namespace: argocd}
        spec:
          goTemplate: true
          goTemplateOptions: ["missingkey=error"]
          generators:
            - matrix:
                generators:
                  - git:
                      repoURL: https://github.com/example/platform.git
                      revision: main
                      directories: [{path: "teams/*"}]
                  - list:
                      elements:
                        - {cluster: gpu-a, url: "https://a.example.com", replicas: 2}
          template:
            metadata:
              name: "{{.path.basename}}-{{.cluster}}"
              labels: {team: "{{.path.basename}}"}
            spec:
              project: teams
              source:
                repoURL: https://github.com/example/platform.git
                targetRevision: main
                path: "{{.path.path}}"
              destination: {server: "{{.url}}", namespace: "{{.path.basename}}"}
              syncPolicy:
                automated: {prune: true}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: broken, namespace: argocd}
        spec:
          generators:
            - gti:                                # expect: schema
                repoURL: https://github.com/example/platform.git
          template:
            metadata: {name: x}
            spec:
              project: default
              destination: {server: https://kubernetes.default.svc}
              sources: {repoURL: https://example.com}   # expect: schema
    """, validator)


OPEN_APPLICATION_CRD = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: applications.argoproj.io}
        spec:
          group: argoproj.io
          names: {kind: Application, plural: applications}
          scope: Namespaced
          versions:
            - name: v1alpha1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""
OPEN_APPLICATION = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec: {anything: goes}\n"


def test_a_crd_from_the_inputs_overrides_the_built_in_schema(tmp_path: Path, validator: SchemaValidator) -> None:
    [crd] = load(tmp_path, OPEN_APPLICATION_CRD, "crd.yaml")
    [app] = load(tmp_path, OPEN_APPLICATION)
    assert sorted(messages(validator.validate(app))) == [
        'missing required fields "destination", "project" in spec', 'unknown field "anything" in spec']
    assert validator.add_crd(crd) == []
    assert validator.validate(app) == []


def test_a_crd_from_crds_folders_overrides_the_built_in_schema(tmp_path: Path) -> None:
    write(tmp_path / "crds", OPEN_APPLICATION_CRD, "application.yaml")
    validator = SchemaValidator("1.31", crd_dirs=[tmp_path / "crds"], cache_dir=tmp_path / "cache")
    [app] = load(tmp_path, OPEN_APPLICATION)
    assert validator.validate(app) == []


def test_other_versions_of_argo_kinds_are_not_guessed(tmp_path: Path, validator: SchemaValidator) -> None:
    [app] = load(tmp_path, "apiVersion: argoproj.io/v1beta1\nkind: Application\nmetadata: {name: a}\n")
    [finding] = validator.validate(app)
    assert finding.rule == "no-schema" and "(it serves argoproj.io/v1alpha1)" in finding.message
