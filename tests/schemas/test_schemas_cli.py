"""``gitops-gen schemas``: what is built in, with upstream versions, as text and JSON."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gitops_gen.errors import SchemaError
from gitops_gen.schemas import builtin_crds
from gitops_gen.schemas_cli import schemas_command


def test_json_lists_every_built_in_kind_with_its_release() -> None:
    result = CliRunner().invoke(schemas_command, ["--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "1.31" in data["kubernetes"]["versions"]
    components = {c["id"]: c for c in data["components"]}
    kserve = components["kserve"]
    assert (kserve["repository"], kserve["version"], kserve["licence"]) == ("kserve/kserve", "v0.20.0", "Apache-2.0")
    assert {"group": "serving.kserve.io", "kind": "InferenceService", "crd": "inferenceservices.serving.kserve.io",
            "versions": ["v1beta1"]} in kserve["kinds"]
    assert [k["kind"] for k in components["argo-cd"]["kinds"]] == ["Application", "AppProject", "ApplicationSet"]
    listed = {(k["group"], k["kind"]) for c in data["components"] for k in c["kinds"]}
    assert {(c.group, c.kind) for c in builtin_crds.catalogue().crds} <= listed
    # only served versions are listed (External Secrets keeps v1beta1, no longer served)
    [secret] = [k for k in components["external-secrets"]["kinds"] if k["kind"] == "ExternalSecret"]
    assert secret["versions"] == ["v1"]


def test_text_is_one_row_per_kind() -> None:
    result = CliRunner().invoke(schemas_command, [])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Kubernetes core kinds: 1.25 to ")
    assert lines[2].split() == ["COMPONENT", "VERSION", "GROUP", "KIND", "SERVED"]
    row = next(line for line in lines if " PyTorchJob " in line)
    assert row.split() == ["Kubeflow", "Training", "Operator", "v1.9.0", "kubeflow.org", "PyTorchJob", "v1"]
    seldon = next(line for line in lines if " SeldonDeployment " in line)
    assert seldon.split("  SeldonDeployment ")[1].strip() == "v1, v1alpha2, v1alpha3"


def test_a_broken_index_is_an_error_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> builtin_crds.Catalogue:
        raise SchemaError("the built-in CRD index is broken: gone")

    monkeypatch.setattr(builtin_crds, "catalogue", broken)
    result = CliRunner().invoke(schemas_command, [])
    assert result.exit_code == 2
    assert "the built-in CRD index is broken" in result.output
