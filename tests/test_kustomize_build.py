"""Files under a kustomization are judged by what ``kubectl kustomize`` builds of them, where it
can build them (local trees only); elsewhere by what the kustomizations declare they supply."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tree_helpers import BASE_DEPLOYMENT, write

from gitops_gen import kustomize_build
from gitops_gen.cli import main
from gitops_gen.index import build_index
from gitops_gen.manifests import SourceFile, iter_files

pytestmark = pytest.mark.skipif(
    shutil.which("kubectl") is None,
    reason="KUBECTL IS NOT ON PATH: the kustomize builds (gitops_gen.kustomize_build) are NOT tested")

SELECTOR = "labels:\n  - pairs: {app: web}\n    includeSelectors: true\n"


def check(root: Path) -> list[tuple[str, str, str]]:
    """(file below root, rule, field path) of the schema and default-namespace findings."""
    result = CliRunner().invoke(main, ["check", str(root), "--format", "json", "--fail-on", "error"])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    return sorted((os.path.relpath(f["file"], root), f["rule"], f["path"])
                  for f in json.loads(result.output)["findings"] if f["rule"] in ("schema", "default-namespace"))


def tree_state(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def built_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the index's fallback supply nothing, so that only the builds can drop findings."""
    monkeypatch.setattr("gitops_gen.index.TreeIndex.supplied_paths", lambda self, abspath: ())


def base(tmp_path: Path, deployment: str = BASE_DEPLOYMENT) -> None:
    write(tmp_path / "base" / "deployment.yaml", deployment)
    write(tmp_path / "base" / "kustomization.yaml", "resources: [deployment.yaml]\n")


def test_the_selector_common_labels_add_is_judged_through_the_build(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    base(tmp_path, BASE_DEPLOYMENT.replace("  namespace: default\n", ""))
    assert check(tmp_path) == [("base/deployment.yaml", "schema", "spec.selector")]
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml",
          "resources: [../../base]\nnamePrefix: prod-\ncommonLabels: {app: web}\n")
    before = tree_state(tmp_path)
    built_only(monkeypatch)
    assert check(tmp_path) == []
    assert tree_state(tmp_path) == before  # nothing written in the checked tree


def test_a_base_two_overlays_build_keeps_the_finding_one_of_them_still_has(tmp_path: Path) -> None:
    base(tmp_path, BASE_DEPLOYMENT.replace("  namespace: default\n", ""))
    write(tmp_path / "overlays" / "a" / "kustomization.yaml", "resources: [../../base]\nnameSuffix: -a\n" + SELECTOR)
    write(tmp_path / "overlays" / "b" / "kustomization.yaml", "resources: [../../base]\nnameSuffix: -b\n")
    # the index alone would drop it: overlay a supplies the selector
    files = [f for f in iter_files([str(tmp_path)]) if isinstance(f, SourceFile)]
    index, _ = build_index(files)
    assert index.supplied_paths(str(tmp_path / "base" / "deployment.yaml")) == (("spec", "selector"),)
    # the builds keep it: overlay b's Deployment web-b has no selector
    assert check(tmp_path) == [("base/deployment.yaml", "schema", "spec.selector")]
    # once b supplies it too, the finding goes
    write(tmp_path / "overlays" / "b" / "kustomization.yaml", "resources: [../../base]\nnameSuffix: -b\n" + SELECTOR)
    assert check(tmp_path) == []


def test_the_namespace_an_overlay_sets_answers_namespace_default_in_its_base(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    with_selector = "spec:\n  selector: {matchLabels: {app: web}}\n  template"
    base(tmp_path, BASE_DEPLOYMENT.replace("spec:\n  template", with_selector))
    assert check(tmp_path) == [("base/deployment.yaml", "default-namespace", "metadata.namespace")]
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\nnamespace: web-prod\n")
    built_only(monkeypatch)
    assert check(tmp_path) == []


def test_a_tree_with_a_remote_base_is_never_built_and_falls_back(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    base(tmp_path)
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml",
          "resources:\n  - ../../base\n  - https://github.com/acme/configs//web?ref=v1\n"
          "namespace: web-prod\n" + SELECTOR)

    def no_process(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "run", no_process)
    monkeypatch.setattr(subprocess, "Popen", no_process)
    assert check(tmp_path) == []  # the index's fallback: the overlay declares both fields
    # a remote entry deeper in the tree (a base the overlay includes) stops the build as well
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\nnamespace: web-prod\n")
    write(tmp_path / "base" / "kustomization.yaml", "resources: [deployment.yaml, git@github.com:acme/x.git]\n")
    assert check(tmp_path) == [("base/deployment.yaml", "schema", "spec.selector")]


def test_helm_charts_are_never_inflated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base(tmp_path)
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml",
          "resources: [../../base]\nhelmCharts: [{name: x, repo: https://charts.example.com}]\n")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("a process was started"))
    assert len(check(tmp_path)) == 2


def test_a_broken_kustomization_falls_back_without_a_traceback(tmp_path: Path) -> None:
    base(tmp_path)
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml",
          "resources: [../../base, missing.yaml]\nnamespace: web-prod\n" + SELECTOR)
    write(tmp_path / "overlays" / "ok" / "kustomization.yaml", "resources: [../../base]\nnameSuffix: -ok\n")
    before = tree_state(tmp_path)
    # the broken overlay is not built; the good one is: it keeps both findings
    assert check(tmp_path) == [("base/deployment.yaml", "default-namespace", "metadata.namespace"),
                               ("base/deployment.yaml", "schema", "spec.selector")]
    assert tree_state(tmp_path) == before
    os.remove(tmp_path / "overlays" / "ok" / "kustomization.yaml")
    assert check(tmp_path) == []  # only the broken one: the fallback


def test_builds_run_in_a_temporary_folder_that_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base(tmp_path)
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\nnamespace: web-prod\n")
    seen: list[str] = []
    real_run = subprocess.run

    def spy(cmd: list[str], **kwargs: Any) -> Any:
        seen.append(cmd[-1])
        wrapper = Path(cmd[-1]) / "kustomization.yaml"
        assert not str(wrapper).startswith(str(tmp_path.resolve()))
        assert json.loads(wrapper.read_text())["resources"] == [
            os.path.relpath(tmp_path.resolve() / "overlays" / "prod", cmd[-1])]
        return real_run(cmd, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    assert check(tmp_path) == [("base/deployment.yaml", "schema", "spec.selector")]
    assert len(seen) == 1 and not os.path.exists(seen[0])


def test_no_kustomization_or_no_kubectl_starts_no_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "deployment.yaml", BASE_DEPLOYMENT)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("a process was started"))
    assert len(check(tmp_path)) == 2
    base(tmp_path)
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\nnamespace: web-prod\n")
    monkeypatch.setattr(kustomize_build.shutil, "which", lambda name: None)
    assert check(tmp_path) == [("base/deployment.yaml", "schema", "spec.selector"),
                               ("deployment.yaml", "default-namespace", "metadata.namespace"),
                               ("deployment.yaml", "schema", "spec.selector")]


def test_a_root_that_only_lists_files_is_not_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a crds/ or manifests/ folder's kustomization: its build would be its files as they are
    real_run = subprocess.run
    write(tmp_path / "plain" / "deployment.yaml", BASE_DEPLOYMENT)
    write(tmp_path / "plain" / "kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\n"
          "kind: Kustomization\nresources: [deployment.yaml]\n")
    write(tmp_path / "all" / "kustomization.yaml", "resources: [../plain]\n")  # and one listing it
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("a process was started"))
    assert check(tmp_path) == [("plain/deployment.yaml", "default-namespace", "metadata.namespace"),
                               ("plain/deployment.yaml", "schema", "spec.selector")]
    # beside an overlay that changes its own base, only the overlay is built
    base(tmp_path)
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\nnamespace: web-prod\n")
    built: list[list[str]] = []

    def spy(cmd: list[str], **kwargs: Any) -> Any:
        built.append(json.loads((Path(cmd[-1]) / "kustomization.yaml").read_text())["resources"])
        return real_run(cmd, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    assert check(tmp_path) == [("base/deployment.yaml", "schema", "spec.selector"),
                               ("plain/deployment.yaml", "default-namespace", "metadata.namespace"),
                               ("plain/deployment.yaml", "schema", "spec.selector")]
    assert [[os.path.basename(r) for r in resources] for resources in built] == [["prod"]]


def test_a_root_listing_files_an_overlay_changes_is_still_built(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # the base is deployed as it is by one root and with a namespace by the other: its
    # namespace finding stays (the plain root's build still has it)
    base(tmp_path)
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\nnamespace: web-prod\n")
    write(tmp_path / "as-is" / "kustomization.yaml", "resources: [../base]\n")
    built_only(monkeypatch)
    assert ("base/deployment.yaml", "default-namespace", "metadata.namespace") in check(tmp_path)


def test_roots_that_cannot_build_together_are_built_one_by_one(tmp_path: Path) -> None:
    base(tmp_path, BASE_DEPLOYMENT.replace("  namespace: default\n", ""))
    # both overlays make Deployment web: together they collide, alone each builds
    write(tmp_path / "overlays" / "a" / "kustomization.yaml", "resources: [../../base]\n" + SELECTOR)
    write(tmp_path / "overlays" / "b" / "kustomization.yaml", "resources: [../../base]\n")
    assert check(tmp_path) == [("base/deployment.yaml", "schema", "spec.selector")]


def test_the_index_records_remote_entries_and_helm_charts(tmp_path: Path) -> None:
    from gitops_gen.index import read_kustomization

    path = str(tmp_path / "kustomization.yaml")
    local = read_kustomization(path, {"resources": ["a.yaml", "../base"], "components": ["../c"]})
    assert not local.remote and not local.helm
    for entry in ("https://example.com/x.yaml", "github.com/acme/x//base?ref=v1", "git@github.com:acme/x.git",
                  "ssh://git@example.com/x.git"):
        k = read_kustomization(path, {"resources": ["a.yaml", entry]})
        assert k.remote and k.includes == (str(tmp_path / "a.yaml"),), entry
    assert read_kustomization(path, {"bases": ["https://example.com/b"]}).remote
    assert read_kustomization(path, {"helmCharts": [{"name": "x"}]}).helm
    assert read_kustomization(path, {"helmChartInflationGenerator": [{"chartName": "x"}]}).helm


def test_a_base_outside_the_inputs_is_read_to_know_whether_it_is_remote(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    base(tmp_path)
    write(tmp_path / "base" / "kustomization.yaml", "resources: [deployment.yaml, https://example.com/x.yaml]\n")
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\nnamespace: web-prod\n")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("a process was started"))
    result = CliRunner().invoke(main, ["check", str(tmp_path / "overlays"), "--format", "json"])
    assert result.exit_code in (0, 1), result.output


def test_built_objects_are_validated_as_from_their_file(tmp_path: Path, crd_yaml: Callable[..., str]) -> None:
    # the CRD covers base/ only: the built Widget is validated against it, as its file is
    write(tmp_path / "base" / "crd.yaml", crd_yaml("acme.io", "Widget"))
    write(tmp_path / "base" / "widget.yaml",
          "apiVersion: acme.io/v1\nkind: Widget\nmetadata: {name: w, namespace: team}\nspec: {size: big}\n")
    write(tmp_path / "base" / "kustomization.yaml", "resources: [crd.yaml, widget.yaml]\n")
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\nnamespace: web-prod\n")
    assert check(tmp_path) == [("base/widget.yaml", "schema", "spec.size")]


def _notes(root: Path) -> list[tuple[str, int, str]]:
    result = CliRunner().invoke(main, ["check", str(root), "--format", "json", "--fail-on", "error"])
    assert result.exit_code in (0, 1), result.output
    return sorted((os.path.relpath(f["file"], root), f["line"], f["message"].split(":")[0])
                  for f in json.loads(result.output)["findings"] if f["rule"] == "kustomize-not-built")


def test_a_kustomization_that_is_not_built_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base(tmp_path)
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\nnamespace: web-prod\n")
    write(tmp_path / "remote" / "kustomization.yaml", "resources:\n  - https://github.com/acme/configs//web?ref=v1\n")
    assert _notes(tmp_path) == [("remote/kustomization.yaml", 1, "not built (its tree lists a remote base or "
                                                                   "inflates a Helm chart (building would reach the "
                                                                   "network))")]
    monkeypatch.setattr(kustomize_build.shutil, "which", lambda name: None)
    monkeypatch.setattr("gitops_gen.pipeline.shutil.which", lambda name: None)
    notes = _notes(tmp_path)
    assert [(f, line) for f, line, _ in notes] == [("overlays/prod/kustomization.yaml", 1),
                                                    ("remote/kustomization.yaml", 1)]
    assert all("kubectl is not on PATH" in why for _, _, why in notes)


def _places(tree: Path, rule: str) -> list[tuple[str, int]]:
    """(file below ``tree``, line) of each ``rule`` finding of a check of ``tree``."""
    result = CliRunner().invoke(main, ["check", str(tree), "--format", "json"])
    return [(os.path.relpath(f["file"], tree), f["line"]) for f in json.loads(result.output)["findings"]
            if f["rule"] == rule]


def test_a_finding_only_the_build_makes_is_reported_in_the_patch(tmp_path: Path) -> None:
    """An overlay's patch that makes a base Deployment privileged: the base file has no finding,
    the build does, and the finding points at the patch line that sets it."""
    base(tmp_path)
    write(tmp_path / "overlays" / "prod" / "patch.yaml", "apiVersion: apps/v1\nkind: Deployment\n"
          "metadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n"
          "          securityContext:\n            privileged: true\n")
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml",
          "resources: [../../base]\nnamespace: web-prod\npatches:\n  - path: patch.yaml\n")
    found = _places(tmp_path, "privileged-container")
    assert found == [("overlays/prod/patch.yaml", 11)]  # the privileged: true line


def test_the_patch_is_found_when_the_base_transforms_the_object_too(tmp_path: Path) -> None:
    """The base's own transformers (labels here) come first in the build's record of what changed
    the object: the overlay's patch that made the finding is still the place reported."""
    write(tmp_path / "base" / "deployment.yaml", BASE_DEPLOYMENT)
    write(tmp_path / "base" / "kustomization.yaml",
          "resources: [deployment.yaml]\nlabels:\n  - pairs: {team: web}\n")
    write(tmp_path / "overlays" / "prod" / "patch.yaml", "apiVersion: apps/v1\nkind: Deployment\n"
          "metadata:\n  name: web\nspec:\n  template:\n    spec:\n      hostNetwork: true\n")
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml",
          "resources: [../../base]\nnamespace: web-prod\npatches:\n  - path: patch.yaml\n")
    found = _places(tmp_path, "host-namespaces")
    assert found == [("overlays/prod/patch.yaml", 8)]  # the hostNetwork: true line
