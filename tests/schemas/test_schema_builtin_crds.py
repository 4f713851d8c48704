"""The CRD schemas shipped with gitops-gen: custom resources are validated with no flags, only the
kinds a run meets are read, and explicit CRDs (--crds, the inputs) replace the built-in ones."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

import pytest
from schema_helpers import check, expected, found, load, messages, write

from gitops_gen.errors import SchemaError
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Severity
from gitops_gen.schemas import SchemaValidator, builtin_crds
from gitops_gen.schemas.crds import compile_schema

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "gitops_gen" / "schemas" / "data" / "crds"
EXAMPLES = Path(__file__).parent / "cr-examples"

#: What the issue asks for at least, and what the ml-platform blueprint renders.
EXPECTED_KINDS = {
    ("serving.kserve.io", k) for k in ("InferenceService", "ServingRuntime", "ClusterServingRuntime", "InferenceGraph")
} | {("kubeflow.org", k) for k in ("PyTorchJob", "TFJob", "MPIJob", "XGBoostJob", "PaddleJob", "JAXJob",
                                     "Experiment", "Suggestion", "Trial", "Notebook", "Profile", "PodDefault",
                                     "ScheduledWorkflow", "Viewer")
} | {("argoproj.io", k) for k in ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
} | {("karpenter.sh", "NodePool"), ("karpenter.k8s.aws", "EC2NodeClass"), ("bitnami.com", "SealedSecret"),
     ("machinelearning.seldon.io", "SeldonDeployment"), ("nvidia.com", "ClusterPolicy"), ("tekton.dev", "PipelineRun"),
} | {("external-secrets.io", k) for k in ("ExternalSecret", "SecretStore", "ClusterSecretStore")
} | {("keda.sh", k) for k in ("ScaledObject", "ScaledJob", "TriggerAuthentication", "ClusterTriggerAuthentication")
} | {("cert-manager.io", k) for k in ("Certificate", "Issuer", "ClusterIssuer")}

ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: sklearn-iris}
spec:
  predictor:
    minReplica: 1                       # expect: schema
    model:
      modelFormat: {name: sklearn}
      storageUri: gs://models/iris
---
apiVersion: serving.kserve.io/v1alpha1  # expect: no-schema
kind: InferenceService
metadata: {name: old}
---
apiVersion: example.com/v1
kind: Widget                            # expect: no-schema
metadata: {name: w}
"""


def test_custom_resources_are_validated_with_no_flags(tmp_path: Path, validator: SchemaValidator) -> None:
    findings = check(tmp_path, ISVC, validator)
    assert messages(findings) == [
        'unknown field "minReplica" in spec.predictor',
        "serving.kserve.io/v1alpha1 InferenceService is not served by its built-in CustomResourceDefinition "
        "inferenceservices.serving.kserve.io (KServe v0.20.0); it serves serving.kserve.io/v1beta1",
        "no schema for example.com/v1 Widget: pass its CustomResourceDefinition with --crds (a file or folder), "
        "or add it to the inputs",
    ]
    assert findings[0].details["schema"] == ("built-in CustomResourceDefinition inferenceservices.serving.kserve.io "
                                             "(KServe v0.20.0)")
    assert [f.severity for f in findings] == [Severity.ERROR, Severity.LOW, Severity.LOW]


def test_every_expected_kind_is_built_in() -> None:
    shipped = {(c.group, c.kind) for c in builtin_crds.catalogue().crds}
    assert sorted(EXPECTED_KINDS - shipped) == []


def test_every_data_file_loads_compiles_and_matches_the_index() -> None:
    catalogue = builtin_crds.catalogue()
    assert len({(c.group, c.kind) for c in catalogue.crds}) == len(catalogue.crds)
    for entry in catalogue.crds:
        raw = builtin_crds.read_data(entry.file)
        assert (raw["group"], raw["kind"], raw["name"]) == (entry.group, entry.kind, entry.name)
        assert [(v, s) for v, s, _ in raw["versions"]] == list(entry.versions)
        for schema in raw["schemas"]:
            assert compile_schema(schema) is not None, entry.file
    files = {c.file for c in catalogue.crds} | {builtin_crds.INDEX, "NOTICE", "LICENSE.apache-2.0"}
    assert files == {p.name for p in DATA.iterdir()}, "files in data/crds that the index does not name"


def test_the_notice_names_every_component_and_file() -> None:
    notice = (DATA / "NOTICE").read_text(encoding="utf-8")
    assert "Apache License, Version 2.0" in notice
    for component in builtin_crds.catalogue().components:
        assert f"{component.name} {component.version}: https://github.com/{component.repository}" in notice
    for entry in builtin_crds.catalogue().crds:
        assert f"-> {entry.file}" in notice
    assert "Copyright Amazon.com" in notice  # Karpenter's NOTICE, which its licence asks to carry


def test_the_wheel_ships_the_data() -> None:
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml")
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    package = REPO / "gitops_gen" / "schemas"
    shipped = {os.path.relpath(p, package) for pattern in setuptools["package-data"]["gitops_gen.schemas"]
               for p in glob.glob(os.path.join(glob.escape(str(package)), pattern))}
    assert {f"data/crds/{p.name}" for p in DATA.iterdir()} <= shipped


def test_only_the_kinds_of_the_run_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = builtin_crds._data

    def spy(name: str) -> bytes:
        read.append(name)
        return real(name)

    monkeypatch.setattr(builtin_crds, "_data", spy)
    builtin_crds.catalogue.cache_clear()
    builtin_crds._definition.cache_clear()
    try:
        validator = SchemaValidator("1.31", cache_dir=tmp_path / "c")
        [deployment] = load(tmp_path, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
                                      "spec: {selector: {}, template: {}}\n")
        validator.validate(deployment)
        assert read == []  # a core kind reads no CRD data, not even the index
        [job] = load(tmp_path, "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: p}\n"
                               "spec: {pytorchReplicaSpecs: {}}\n")
        validator.validate(job)
        validator.validate(job)
        SchemaValidator("1.31", cache_dir=tmp_path / "c").validate(job)
        assert read == [builtin_crds.INDEX, "kubeflow.org_pytorchjob.json.gz"]
    finally:
        builtin_crds.catalogue.cache_clear()
        builtin_crds._definition.cache_clear()


def test_broken_data_is_a_no_schema_finding_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(name: str) -> bytes:
        raise SchemaError(f"cannot read the built-in CRD schemas ({name}): gone")

    monkeypatch.setattr(builtin_crds, "_data", broken)
    builtin_crds.catalogue.cache_clear()
    try:
        [job] = load(tmp_path, "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: p}\n")
        [finding] = SchemaValidator("1.31", cache_dir=tmp_path / "c").validate(job)
        assert finding.rule == "no-schema" and "cannot read the built-in CRD schemas" in finding.message
    finally:
        builtin_crds.catalogue.cache_clear()


# -- explicit CRDs win --------------------------------------------------------------------------

def _isvc_crd(field: str) -> str:
    """A CustomResourceDefinition of serving.kserve.io InferenceService (v1beta1 only) whose spec
    has one integer ``field``."""
    return f"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {{name: inferenceservices.serving.kserve.io}}
        spec:
          group: serving.kserve.io
          names: {{kind: InferenceService, plural: inferenceservices}}
          scope: Namespaced
          versions:
            - name: v1beta1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec: {{type: object, properties: {{{field}: {{type: integer}}}}}}
    """


CR = "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: s}\nspec: {mine: 1}\n"


def _lines(validator: SchemaValidator, resource: Any) -> list[tuple[str, int]]:
    return [(f.rule, f.line) for f in validator.validate(resource)]


def test_crds_folder_replaces_the_built_in_schema(tmp_path: Path) -> None:
    [cr] = load(tmp_path, CR)
    built_in = SchemaValidator("1.31", cache_dir=tmp_path / "c").validate(cr)
    assert 'unknown field "mine" in spec' in messages(built_in)
    write(tmp_path / "crds", _isvc_crd("mine"), "isvc.yaml")
    with_crds = SchemaValidator("1.31", crd_dirs=[tmp_path / "crds"], cache_dir=tmp_path / "c")
    assert _lines(with_crds, cr) == []
    [finding] = with_crds.validate(load(tmp_path, CR.replace("spec: {mine: 1}", "spec: {predictor: {}}"))[0])
    assert finding.details["schema"].startswith("CustomResourceDefinition inferenceservices.serving.kserve.io (")


def test_a_later_crds_path_wins_over_an_earlier_one(tmp_path: Path) -> None:
    write(tmp_path / "first", _isvc_crd("other"), "isvc.yaml")
    write(tmp_path / "second", _isvc_crd("mine"), "isvc.yaml")
    [cr] = load(tmp_path, CR)
    in_order = SchemaValidator("1.31", crd_dirs=[tmp_path / "first", tmp_path / "second"], cache_dir=tmp_path / "c")
    assert _lines(in_order, cr) == []
    reversed_order = SchemaValidator("1.31", crd_dirs=[tmp_path / "second", tmp_path / "first"],
                                     cache_dir=tmp_path / "c")
    assert _lines(reversed_order, cr) == [("schema", 4)]


def test_a_crd_among_the_inputs_wins_over_crds_and_built_in(tmp_path: Path) -> None:
    write(tmp_path / "crds", _isvc_crd("other"), "isvc.yaml")
    validator = SchemaValidator("1.31", crd_dirs=[tmp_path / "crds"], cache_dir=tmp_path / "c")
    [cr] = load(tmp_path, CR)
    assert _lines(validator, cr) == [("schema", 4)]
    [crd] = load(tmp_path, _isvc_crd("mine"), "crd.yaml")
    assert validator.add_crd(crd) == []
    assert _lines(validator, cr) == []
    # a CRD replaces every version of its kind: v1alpha1 is not served by it (nor by the built-in)
    [old] = load(tmp_path, CR.replace("v1beta1", "v1alpha1"), "old.yaml")
    [finding] = validator.validate(old)
    assert finding.rule == "no-schema" and "(crd.yaml:2)" in finding.message


# -- the shipped schemas behave as the upstream CRDs --------------------------------------------

def _findings(path: Path, validator: SchemaValidator) -> list[Any]:
    result = load_file(SourceFile(str(path), path.name))
    return [f for r in result.resources for f in validator.validate(r)]


@pytest.mark.parametrize("path", sorted((EXAMPLES / "pass").glob("*.yaml")), ids=lambda p: p.stem)
def test_real_custom_resources_pass_with_no_flags(path: Path, validator: SchemaValidator) -> None:
    findings = _findings(path, validator)
    if "kueue" in path.name:  # Kueue is not a component of the blueprint
        assert [f.rule for f in findings] == ["no-schema"]
    else:
        assert findings == []


@pytest.mark.parametrize("path", sorted((EXAMPLES / "fail").glob("*.yaml")), ids=lambda p: p.stem)
def test_real_custom_resources_fail_on_the_right_lines_with_no_flags(path: Path,
                                                                      validator: SchemaValidator) -> None:
    findings = _findings(path, validator)
    assert found(findings) == expected(path.read_text()), "\n".join(f"{f.line}: {f.message}" for f in findings)
