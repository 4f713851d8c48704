"""Files, folders, symlinks, hostile files, lists and non-Kubernetes documents."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_gen.errors import UsageError
from gitops_gen.manifests import Limits, SourceFile, iter_files, load_file
from gitops_gen.manifests.loader import read_at_most
from gitops_gen.model import Finding

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\nspec:\n  containers: []\n"


def sources(*paths: Path) -> list[SourceFile | Finding]:
    return list(iter_files([str(p) for p in paths]))


def test_walks_manifest_files_in_order_and_skips_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/z.yaml", "a.yml", "c.json", ".git/x.yaml", "notes.txt"):
        (tmp_path / name).write_text(POD)
    monkeypatch.chdir(tmp_path)
    got = [s.display for s in sources(Path(".")) if isinstance(s, SourceFile)]
    assert got == ["a.yml", "c.json", "b/z.yaml"]


@pytest.mark.parametrize(("given", "shown"), [
    ("teams/vision", "teams/vision/platform/rbac.yaml"),
    ("teams/vision/", "teams/vision/platform/rbac.yaml"),
    ("./teams/vision", "teams/vision/platform/rbac.yaml"),
    ("teams/../teams/vision/platform", "teams/vision/platform/rbac.yaml"),
    ("teams/vision/platform/rbac.yaml", "teams/vision/platform/rbac.yaml"),
    ("./teams/vision/platform/rbac.yaml", "teams/vision/platform/rbac.yaml"),
    (".", "teams/vision/platform/rbac.yaml"),
    ("teams", "teams/vision/platform/rbac.yaml"),
])
def test_files_are_named_as_typed_from_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         given: str, shown: str) -> None:
    (tmp_path / "teams/vision/platform").mkdir(parents=True)
    (tmp_path / "teams/vision/platform/rbac.yaml").write_text(POD)
    monkeypatch.chdir(tmp_path)
    [source] = list(iter_files([given]))
    assert isinstance(source, SourceFile) and source.display == shown
    result = load_file(source)
    assert [r.file for r in result.resources] == [shown]


def test_absolute_paths_stay_absolute(tmp_path: Path) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps/a.yaml").write_text(POD)
    [source] = list(iter_files([str(tmp_path)]))
    assert isinstance(source, SourceFile) and source.display == str(tmp_path / "apps/a.yaml")


def test_relative_display_matches_globs_written_for_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gitops_gen.manifests.loader import relative_display

    monkeypatch.chdir(tmp_path)
    assert relative_display("out/repo/platform/a.yaml", "out/repo") == "platform/a.yaml"
    assert relative_display(str(tmp_path / "out/repo/a.yaml"), tmp_path / "out/repo") == "a.yaml"
    assert relative_display("a.yaml", ".") == "a.yaml"
    assert relative_display("elsewhere/a.yaml", "out/repo") is None
    assert relative_display("<stdin>", ".") is None


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        sources(tmp_path / "nope")


def test_symlink_out_of_root_is_reported_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(POD)
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(outside / "secret.yaml", root / "link.yaml")
    os.symlink(outside, root / "linkdir")
    (root / "inside.yaml").write_text(POD)
    os.symlink(root / "inside.yaml", root / "alias.yaml")
    monkeypatch.chdir(tmp_path)
    got = sources(Path("root"))
    escapes = sorted((f.rule, f.file) for f in got if isinstance(f, Finding))
    assert escapes == [("symlink-escape", "root/link.yaml"), ("symlink-escape", "root/linkdir")]
    assert sorted(s.display for s in got if isinstance(s, SourceFile)) == ["root/alias.yaml", "root/inside.yaml"]


def load(tmp_path: Path, content: bytes | str, name: str = "f.yaml", limits: Limits | None = None) -> tuple[list, list]:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = load_file(SourceFile(str(path), name), limits or Limits())
    return result.resources, result.findings


def test_binary_file(tmp_path: Path) -> None:
    resources, findings = load(tmp_path, b"\x00\x01\x02binary")
    assert not resources and [(f.rule, f.line) for f in findings] == [("unreadable-file", 1)]


def test_non_utf8_file_points_at_the_byte(tmp_path: Path) -> None:
    _, findings = load(tmp_path, b"a: 1\nb: caf\xe9\n")
    assert [(f.rule, f.line, f.column) for f in findings] == [("unreadable-file", 2, 7)]


def test_huge_file(tmp_path: Path) -> None:
    _, findings = load(tmp_path, POD, limits=Limits(max_file_bytes=10))
    assert [f.rule for f in findings] == ["yaml-too-large"]


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    resources, findings = load(tmp_path, "\ufeff" + POD)
    assert not findings and [r.name for r in resources] == ["p"]


def test_list_items_become_resources_with_positions(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n"
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n")
    resources, _ = load(tmp_path, text)
    assert [(r.kind, r.name, r.locate(("metadata", "name"))) for r in resources] == [
        ("ConfigMap", "a", (7, 5)), ("ConfigMap", "b", (11, 5))]


def test_typed_list_items_get_their_kind(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata:\n    name: a\n"
    resources, _ = load(tmp_path, text)
    assert [(r.api_version, r.kind, r.name) for r in resources] == [("v1", "ConfigMap", "a")]


def test_non_kubernetes_documents_are_not_resources(tmp_path: Path) -> None:
    text = ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n---\n"
            "replicaCount: 3\n---\n- a\n---\nplain string\n---\n" + POD)
    resources, findings = load(tmp_path, text)
    assert not findings and [r.kind for r in resources] == ["Pod"]
    assert resources[0].doc_index == 4


def test_json_manifest(tmp_path: Path) -> None:
    resources, _ = load(tmp_path, '{"apiVersion": "v1", "kind": "Namespace",\n "metadata": {"name": "x"}}', "n.json")
    assert [(r.kind, r.name, r.locate(("metadata", "name"))) for r in resources] == [("Namespace", "x", (2, 15))]


def test_duplicate_key_finding_carries_file_and_line(tmp_path: Path) -> None:
    _, findings = load(tmp_path, POD + "  containers: [x]\n")
    assert [(f.rule, f.file, f.line) for f in findings] == [("duplicate-key", "f.yaml", 8)]


def test_kustomize_patch_files_are_not_resources(tmp_path: Path) -> None:
    from gitops_gen.index import build_index

    (tmp_path / "patches").mkdir()
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [deploy.yaml]\npatches:\n  - path: patches/replicas.yaml\n"
        "  - patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 2\n"
        "patchesStrategicMerge: [patches/env.yaml]\npatchesJson6902:\n  - path: patches/json.yaml\n")
    for name in ("deploy.yaml", "patches/replicas.yaml", "patches/env.yaml", "patches/json.yaml"):
        (tmp_path / name).write_text(POD)
    files = [s for s in sources(tmp_path) if isinstance(s, SourceFile)]
    skipped = build_index(files)[0].patch_files
    assert sorted(Path(p).relative_to(tmp_path.resolve()).as_posix() for p in skipped) == [
        "patches/env.yaml", "patches/json.yaml", "patches/replicas.yaml"]


CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n"
TEMPLATE = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n"


def _chart_tree(root: Path) -> None:
    for name, text in {"web/Chart.yaml": CHART, "web/values.yaml": "replicaCount: 1\n",
                       "web/templates/cm.yaml": TEMPLATE, "web/templates/_helpers.tpl": "{{/* */}}",
                       "web/charts/sub/Chart.yaml": CHART, "web/charts/sub/templates/a.yaml": TEMPLATE,
                       "web/crds/crd.yaml": POD, "apps/pod.yaml": POD}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_a_helm_chart_folder_is_not_read_as_manifests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _chart_tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    got = sources(Path("."))
    assert [s.display for s in got if isinstance(s, SourceFile)] == ["apps/pod.yaml"]
    [note] = [f for f in got if isinstance(f, Finding)]
    assert (note.rule, note.severity.label, note.file, note.line) == (
        "helm-chart-not-rendered", "info", "web/Chart.yaml", 1)
    assert "helm template web | gitops-gen check -" in note.message
    [alone] = sources(Path("web"))  # the chart itself given
    assert isinstance(alone, Finding) and alone.file == "web/Chart.yaml"


def test_files_of_a_chart_given_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _chart_tree(tmp_path)
    monkeypatch.chdir(tmp_path / "web")
    [chart] = sources(Path("Chart.yaml"))
    assert isinstance(chart, Finding) and (chart.rule, chart.file) == ("helm-chart-not-rendered", "Chart.yaml")
    [template] = sources(Path("templates/cm.yaml"))
    assert isinstance(template, Finding) and (template.rule, template.file) == ("helm-chart-not-rendered",
                                                                               "Chart.yaml")
    [values] = sources(Path("values.yaml"))  # plain YAML: read, and nothing in it is an object
    assert isinstance(values, SourceFile) and load_file(values).findings == []
    [folder] = sources(Path("templates"))
    assert isinstance(folder, Finding) and (folder.rule, folder.file) == ("helm-chart-not-rendered", "Chart.yaml")
    monkeypatch.chdir(tmp_path)
    [sub] = sources(Path("web/charts/sub/templates"))  # the nearest chart
    assert isinstance(sub, Finding) and sub.file == "web/charts/sub/Chart.yaml"
    monkeypatch.chdir(tmp_path / "web")
    [crd] = sources(Path("crds/crd.yaml"))  # installed as is by Helm: a manifest
    assert isinstance(crd, SourceFile) and [r.kind for r in load_file(crd).resources] == ["Pod"]


@pytest.mark.parametrize("size", [0, 1, 65536, 65537, 3_000_000])
def test_read_at_most_reads_whole_files_and_prefixes(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    assert read_at_most(str(path)) == data
    for limit in (1, 65536, 2_000_000, 5_000_000):
        assert read_at_most(str(path), limit) == data[:limit]


def test_read_at_most_reads_past_a_size_of_zero() -> None:
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("no /proc here")
    assert read_at_most(str(status)).startswith(b"Name:")
