"""What the API server (and Argo CD) refuse: each limit just under (no finding) and just over (a
``schema`` error on the line of the offending key)."""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path

import pytest

from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Finding, Resource, Severity
from gitops_gen.schemas.apiserver import (
    MAX_ANNOTATION_BYTES,
    MAX_DATA_BYTES,
    MAX_OBJECT_BYTES,
    api_server_findings,
    base64_length,
    json_size,
)


def load(tmp_path: Path, text: str) -> Resource:
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n") if text.startswith("\n") else text)
    result = load_file(SourceFile(str(path), "m.yaml"))
    assert not result.findings, result.findings
    [resource] = result.resources
    return resource


def found(resource: Resource) -> list[tuple[str, int, str]]:
    out = list(api_server_findings(resource))
    for f in out:
        assert isinstance(f, Finding) and f.severity is Severity.ERROR and f.file == "m.yaml"
        assert f.resource == resource.ref and f.path
    return [(f.rule, f.line, f.field_path) for f in out]


def b64(size: int) -> str:
    return base64.b64encode(b"\x00" * size).decode()


CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  small: abc\n  big: {big}\n"


@pytest.mark.parametrize(("extra", "expected"), [
    (0, []), (1, [("schema", 7, "data.big")])])
def test_configmap_data_values_total_one_mebibyte(tmp_path: Path, extra: int, expected: list) -> None:
    resource = load(tmp_path, CONFIGMAP.format(big="x" * (MAX_DATA_BYTES - 3 + extra)))
    assert found(resource) == expected


def test_configmap_keys_do_not_count_but_utf8_bytes_do(tmp_path: Path) -> None:
    long_key = "k" * 200
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  {long_key}: {'x' * MAX_DATA_BYTES}\n"
    assert found(load(tmp_path, text)) == []
    two_byte = "é" * (MAX_DATA_BYTES // 2)  # 1 MiB in UTF-8, half as many characters
    assert found(load(tmp_path, CONFIGMAP.format(big=two_byte))) == [("schema", 7, "data.big")]


def test_configmap_binary_data_counts_decoded(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  text: {text}\n"
            "binaryData:\n  blob: {blob}\n")
    half = MAX_DATA_BYTES // 2
    assert found(load(tmp_path, text.format(text="x" * half, blob=b64(half)))) == []
    assert found(load(tmp_path, text.format(text="x" * half, blob=b64(half + 1)))) == [
        ("schema", 8, "binaryData.blob")]


SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  cert: {data}\nstringData:\n  key: {string}\n"


@pytest.mark.parametrize(("extra", "expected"), [(0, []), (1, [("schema", 8, "stringData.key")])])
def test_secret_data_decoded_plus_string_data(tmp_path: Path, extra: int, expected: list) -> None:
    resource = load(tmp_path, SECRET.format(data=b64(MAX_DATA_BYTES - 10), string="y" * (10 + extra)))
    assert found(resource) == expected


def test_secret_string_data_replaces_data_of_the_same_key(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: {data}\nstringData:\n  k: small\n"
    assert found(load(tmp_path, text.format(data=b64(MAX_DATA_BYTES + 100)))) == []
    alone = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: {data}\n"
    assert found(load(tmp_path, alone.format(data=b64(MAX_DATA_BYTES)))) == []
    assert found(load(tmp_path, alone.format(data=b64(MAX_DATA_BYTES + 1)))) == [("schema", 6, "data.k")]


def test_base64_length() -> None:
    for size in range(0, 9):
        assert base64_length(b64(size)) == size
    assert base64_length(b64(100)[:40] + "\n" + b64(100)[40:]) == 100


ANNOTATED = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n"
             "    a: {a}\n    b: {b}\nspec:\n  ports: [{{port: 80}}]\n")


@pytest.mark.parametrize(("extra", "expected"), [(0, []), (1, [("schema", 7, 'metadata.annotations.b')])])
def test_annotations_keys_and_values_total_256_kib(tmp_path: Path, extra: int, expected: list) -> None:
    half = MAX_ANNOTATION_BYTES // 2 - 1  # plus one byte of key each
    assert found(load(tmp_path, ANNOTATED.format(a="x" * half, b="y" * (half + extra)))) == expected


def test_pod_template_annotations_too(tmp_path: Path) -> None:
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata:\n"
            f"      annotations:\n        a: {'x' * MAX_ANNOTATION_BYTES}\n    spec:\n      containers: []\n")
    assert found(load(tmp_path, text)) == [("schema", 8, "spec.template.metadata.annotations.a")]


def blob(size: int) -> str:
    return f"apiVersion: example.com/v1\nkind: Blob\nmetadata:\n  name: b\nspec:\n  blob: {'z' * size}\n"


def test_objects_over_one_and_a_half_mebibytes_as_json(tmp_path: Path) -> None:
    resource = load(tmp_path, blob(1000))
    overhead = json_size(resource.data) - 1000
    assert found(load(tmp_path, blob(MAX_OBJECT_BYTES - overhead))) == []
    over = list(api_server_findings(load(tmp_path, blob(MAX_OBJECT_BYTES - overhead + 1))))
    assert [(f.rule, f.line, f.path, f.details["check"]) for f in over] == [("schema", 1, (), "object-size")]


def test_json_size_is_go_compact_json() -> None:
    data = {"a": [1, True, None], "b": "é<>&\u2028"}
    go = '{"a":[1,true,null],"b":"é\\u003c\\u003e\\u0026\\u2028"}'
    assert json_size(data) == len(go.encode())
    assert json_size({"k": "v" * 10}) == len(json.dumps({"k": "v" * 10}, separators=(",", ":")))
    cyclic: list[object] = []  # (the loader refuses a recursive alias; an API caller may build one)
    cyclic.append(cyclic)
    with pytest.raises(RecursionError):
        json_size(cyclic)


def test_the_loader_bound_lets_small_objects_skip_encoding(tmp_path: Path) -> None:
    resource = load(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: '<<<'\n")
    assert json_size(resource.data) <= resource.memo["json_bound"] <= MAX_OBJECT_BYTES
    aliased = "a: &x [" + ", ".join(["'<<<<<<<<<<'"] * 50) + "]\nb: [" + ", ".join(["*x"] * 50) + "]\n"
    resource = load(tmp_path, "apiVersion: example.com/v1\nkind: W\nmetadata: {name: w}\nspec:\n  "
                    + aliased.replace("\n", "\n  "))
    assert json_size(resource.data) <= resource.memo["json_bound"]  # aliases expanded in the bound


def test_a_document_too_large_for_a_bound_to_spare_the_check_gets_none(tmp_path: Path) -> None:
    """The fast path bounds a document only while the bound can be below the limit it is
    compared with: past it, the size is measured, and the limit is reported all the same."""
    from gitops_gen.manifests.fastread import BOUNDED_UP_TO

    assert BOUNDED_UP_TO == MAX_OBJECT_BYTES
    big = load(tmp_path, blob(BOUNDED_UP_TO))
    assert "json_bound" not in big.memo
    assert [f.details["check"] for f in api_server_findings(big)] == ["object-size"]
    assert load(tmp_path, blob(1000)).memo["json_bound"] <= MAX_OBJECT_BYTES


DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          initContainers:
          - name: init
            image: busybox
            ports: [{name: http, containerPort: 1}]
          containers:
          - name: web
            image: nginx
            ports:
            - name: http
              containerPort: 80
            - name: metrics
              containerPort: 9090
            - containerPort: 81
            - containerPort: 82
            - name: http
              containerPort: 8080
          - name: sidecar
            image: envoy
            ports:
            - {name: metrics, containerPort: 9091}
"""


def test_port_names_are_unique_per_container(tmp_path: Path) -> None:
    findings = list(api_server_findings(load(tmp_path, DEPLOYMENT)))
    # the same name in two containers (http, metrics) is allowed; twice in one is not
    assert [(f.line, f.field_path) for f in findings] == [(23, "spec.template.spec.containers[0].ports[4].name")]
    assert 'port name "http" is used twice in container "web" (first on line 17)' in findings[0].message


APPLICATION = """
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {name: a, namespace: argocd}
    spec:
      project: default
      source: {repoURL: https://example.com/r.git, path: p, targetRevision: v1}
      destination:
        server: https://kubernetes.default.svc
        {name}
        namespace: apps
"""


@pytest.mark.parametrize(("name", "expected"), [
    ("name: in-cluster", [("schema", 9, "spec.destination.name")]),
    ("name: ''", []),
    ("# no name", []),
])
def test_argocd_destination_with_server_and_name(tmp_path: Path, name: str, expected: list) -> None:
    assert found(load(tmp_path, APPLICATION.replace("{name}", name))) == expected


def test_applicationset_templates_are_held_to_it(tmp_path: Path) -> None:
    text = """
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: s, namespace: argocd}
        spec:
          generators:
          - list:
              elements: [{cluster: a, url: https://a}]
              template:
                metadata: {}
                spec:
                  destination: {name: '{{cluster}}', server: '{{url}}'}
          - matrix:
              generators:
              - clusters: {template: {metadata: {}, spec: {destination: {server: x, name: east}}}}
              - list: {elements: []}
          template:
            metadata: {name: '{{cluster}}'}
            spec:
              project: default
              source: {repoURL: https://example.com/r.git, path: p, targetRevision: v1}
              destination:
                name: '{{cluster}}'
                server: '{{url}}'
                namespace: apps
        """
    assert sorted(found(load(tmp_path, text))) == [
        ("schema", 11, "spec.generators[0].list.template.spec.destination.server"),
        ("schema", 14, "spec.generators[1].matrix.generators[0].clusters.template.spec.destination.name"),
        ("schema", 23, "spec.template.spec.destination.server")]


def test_hostile_shapes_never_raise(tmp_path: Path) -> None:
    text = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c, annotations: [a]}
        data: [1, 2]
        binaryData: {a: 1}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: s}
        spec: {generators: [1, {list: 2}, {matrix: {generators: {}}}], template: []}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec: {containers: [{name: c, ports: [1, {name: 2}, {name: 2}]}, 5]}
        """
    path = tmp_path / "m.yaml"
    path.write_text(textwrap.dedent(text))
    for resource in load_file(SourceFile(str(path), "m.yaml")).resources:
        assert list(api_server_findings(resource)) == []


def test_end_to_end_through_the_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gitops_gen.pipeline import RunOptions, run

    (tmp_path / "apps").mkdir()
    (tmp_path / "apps/app.yaml").write_text(textwrap.dedent(APPLICATION.replace("{name}", "name: in-cluster")))
    monkeypatch.chdir(tmp_path)
    report = run(["apps"], RunOptions(rules=False))
    assert [(f.rule, f.file, f.line) for f in report.findings if f.rule == "schema"] == [
        ("schema", "apps/app.yaml", 10)]  # the file starts with a blank line: name is on line 10
