"""Several CRDs of one kind among the inputs: each resource is checked against the nearest one in
the folder tree (gitops_gen.schemas.crd_scope), equally near ones that differ must all reject it,
and kinds with no CRD among the inputs fall back to --crds and the built-in schemas."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schema_helpers import load, messages, write

from gitops_gen.config import load_config
from gitops_gen.pipeline import RunOptions, run
from gitops_gen.schemas import SchemaValidator

CrdYaml = Callable[..., str]


def _training(field: str, value: int = 1) -> str:
    return f"apiVersion: ml.example.com/v1\nkind: Training\nmetadata: {{name: t}}\nspec: {{{field}: {value}}}\n"


def _setup(tmp_path: Path, crd_yaml: CrdYaml, placements: dict[str, str]) -> SchemaValidator:
    """A validator that has read the one-field Training CRDs at ``placements`` (path -> field)."""
    validator = SchemaValidator("1.31", cache_dir=tmp_path / "cache")
    for name, field in placements.items():
        [crd] = load(tmp_path, crd_yaml("ml.example.com", "Training", field), name)
        assert validator.add_crd(crd) == []
    return validator


def _verdict(tmp_path: Path, validator: SchemaValidator, name: str, field: str) -> list[str]:
    [resource] = load(tmp_path, _training(field), name)
    return messages(validator.validate(resource))


def test_each_resource_is_checked_against_the_nearest_crd(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    validator = _setup(tmp_path, crd_yaml, {"v1/crds/training.yaml": "size", "v2/crds/training.yaml": "count"})
    assert _verdict(tmp_path, validator, "v1/samples/a.yaml", "size") == []
    assert _verdict(tmp_path, validator, "v1/samples/deeper/b.yaml", "size") == []
    assert _verdict(tmp_path, validator, "v1/samples/a.yaml", "count") == ['unknown field "count" in spec']
    assert _verdict(tmp_path, validator, "v2/c.yaml", "count") == []
    assert _verdict(tmp_path, validator, "v2/c.yaml", "size") == ['unknown field "size" in spec']


def test_equally_near_crds_must_all_reject(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    validator = _setup(tmp_path, crd_yaml, {"install/v1/crd.yaml": "size", "install/v2/crd.yaml": "count"})
    assert _verdict(tmp_path, validator, "examples/a.yaml", "size") == []
    assert _verdict(tmp_path, validator, "examples/a.yaml", "count") == []
    [resource] = load(tmp_path, _training("gpus"), "examples/b.yaml")
    [finding] = validator.validate(resource)  # the closest fit's findings, not one per CRD
    assert finding.message == 'unknown field "gpus" in spec'
    assert finding.details["schema"].endswith("(install/v1/crd.yaml:2)")


def test_a_crd_in_the_resources_own_file_is_nearest(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    text = crd_yaml("ml.example.com", "Training", "count") + "---\n" + _training("size")
    validator = _setup(tmp_path, crd_yaml, {"app/crd.yaml": "size"})
    crd, resource = load(tmp_path, text, "app/bundle.yaml")
    validator.add_crd(crd)
    assert messages(validator.validate(resource)) == ['unknown field "size" in spec']
    # elsewhere in the folder both are equally near: accepted if either accepts
    assert _verdict(tmp_path, validator, "app/other.yaml", "size") == []
    assert _verdict(tmp_path, validator, "app/other.yaml", "count") == []


def test_a_single_crd_applies_to_the_whole_tree(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    validator = _setup(tmp_path, crd_yaml, {"crds/training.yaml": "size"})
    assert _verdict(tmp_path, validator, "apps/team-a/job.yaml", "size") == []
    assert _verdict(tmp_path, validator, "apps/team-a/job.yaml", "count") == ['unknown field "count" in spec']


def test_identical_crds_count_once(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    validator = _setup(tmp_path, crd_yaml, {"a/crd.yaml": "size", "b/crd.yaml": "size"})
    assert len(validator._inputs.nearest("ml.example.com", "Training", str(tmp_path / "c" / "x.yaml"))) == 1
    assert _verdict(tmp_path, validator, "c/x.yaml", "count") == ['unknown field "count" in spec']


def test_kinds_without_crds_among_the_inputs_use_the_built_in_schemas(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    validator = _setup(tmp_path, crd_yaml, {"a/crd.yaml": "size"})
    [job] = load(tmp_path, "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: p}\n"
                           "spec: {pytorchReplicaSpecs: {}, replicas: 2}\n", "a/job.yaml")
    [finding] = validator.validate(job)
    assert finding.message == 'unknown field "replicas" in spec'
    assert finding.details["schema"].startswith("built-in CustomResourceDefinition pytorchjobs.kubeflow.org")
    # a CRD of that kind among the inputs takes over, for every resource it is nearest to
    [crd] = load(tmp_path, crd_yaml("kubeflow.org", "PyTorchJob", "replicas"), "vendor/pytorchjob-crd.yaml")
    validator.add_crd(crd)
    [finding] = validator.validate(job)
    assert finding.message == 'unknown field "pytorchReplicaSpecs" in spec'
    assert "(vendor/pytorchjob-crd.yaml:2)" in finding.details["schema"]


def test_a_run_keeps_samples_apart(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    """As in a tree of upstream samples: each release folder vendors its own CRD."""
    write(tmp_path / "project" / "install" / "v1", crd_yaml("ml.example.com", "Training", "size"), "crd.yaml")
    write(tmp_path / "project" / "install" / "v1", _training("size"), "training.yaml")
    write(tmp_path / "project" / "install" / "v2", crd_yaml("ml.example.com", "Training", "count"), "crd.yaml")
    write(tmp_path / "project" / "install" / "v2", _training("count"), "training.yaml")
    write(tmp_path / "project" / "install" / "v2", _training("size"), "stale.yaml")
    report = run([str(tmp_path / "project")], RunOptions(rules=False, jobs=1, config=load_config()))
    assert [(Path(f.file).name, f.rule, f.message) for f in report.findings] == [
        ("stale.yaml", "schema", 'unknown field "size" in spec')]
    assert report.findings[0].file.endswith("v2/stale.yaml")
