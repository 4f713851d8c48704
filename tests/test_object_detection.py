"""Which documents are Kubernetes objects: malformed objects are errors on their line, documents
that are not objects at all (values files, CI configuration, charts' metadata) stay silent."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gitops_gen.engine import check_resources
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Finding, Resource, Severity

WILDCARD_ROLE = """\
    {api}: rbac.authorization.k8s.io/v1
    {kind}: Role
    {meta}:
      name: everything
      namespace: team-a
    rules:
    - apiGroups: ["*"]
      resources: ["*"]
      verbs: ["*"]
"""


def load(tmp_path: Path, text: str, name: str = "m.yaml") -> tuple[list[Resource], list[Finding]]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    result = load_file(SourceFile(str(path), name))
    return result.resources, result.findings


def malformed(findings: list[Finding]) -> list[tuple[str, int]]:
    assert all(f.severity is Severity.ERROR for f in findings if f.rule == "malformed-object")
    return [(f.rule, f.line) for f in findings]


@pytest.mark.parametrize(("api", "kind", "meta", "line"), [
    ("apiversion", "kind", "metadata", 1),
    ("APIVersion", "kind", "metadata", 1),
    ("ApiVersion", "kind", "metadata", 1),
    ("apiVersion", "Kind", "metadata", 2),
    ("apiVersion", "KIND", "metadata", 2),
    ("apiVersion", "kind", "metaData", 3),
    ("apiVersion", "kind", "Metadata", 3),
])
def test_a_misspelt_key_is_an_error_and_the_object_is_still_checked(tmp_path: Path, api: str, kind: str,
                                                                      meta: str, line: int) -> None:
    resources, findings = load(tmp_path, WILDCARD_ROLE.format(api=api, kind=kind, meta=meta))
    assert malformed(findings) == [("malformed-object", line)]
    assert "case-sensitive" in findings[0].message
    [role] = resources
    assert (role.api_version, role.kind, role.namespace, role.name) == (
        "rbac.authorization.k8s.io/v1", "Role", "team-a", "everything")
    assert role.locate(("metadata", "name")) == (4, 3)  # through the key as written
    assert role.locate(("rules", 0, "verbs")) == (9, 3)
    wildcards = check_resources(resources, ["rbac-wildcard"])
    assert wildcards and {f.line for f in wildcards} <= {7, 8, 9}, "the wildcard Role must not slip through"


@pytest.mark.parametrize(("text", "line", "words"), [
    # apiVersion without kind, kind without apiVersion (reported where the object starts)
    ("apiVersion: v1\nmetadata:\n  name: a\ndata:\n  k: v\n", 1, "no kind"),
    ("# a config map\nmetadata:\n  name: a\napiVersion: v1\ndata: {k: v}\n", 2, "no kind"),
    ("kind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n", 1, "no apiVersion"),
    ("kind: Role\nrules: []\n", 1, "no apiVersion"),
    ("apiVersion: apps/v1\nspec:\n  replicas: 1\n", 1, "no kind"),
    # neither, but metadata with a name and a body
    ("metadata:\n  name: a\n  namespace: b\nspec:\n  replicas: 2\n", 1, "no apiVersion"),
    # not strings: reported on the value
    ("apiVersion: rbac.authorization.k8s.io/v1\nkind: [Role]\nmetadata: {name: r}\nrules: []\n", 2, "a list"),
    ("apiVersion: 1\nkind: ConfigMap\nmetadata: {name: a}\n", 1, "the number 1"),
    ("apiVersion: v1\nkind: ''\nmetadata: {name: a}\n", 2, "empty string"),
    ("apiVersion: v1\nkind:\nmetadata: {name: a}\n", 2, "empty"),
    ("apiVersion: v1\nkind: {a: b}\nmetadata: {name: a}\n", 2, "a mapping"),
    # several things wrong: one finding, where the first shows
    ("apiVersion: v1\nKind: [Role]\nmetadata: {name: r}\n", 2, 'has "Kind:" where'),
    ("metadata: {name: a}\napiversion: v1\ndata: {}\n", 1, "no kind"),
    ("metadata: {name: a}\napiversion: v1\ndata: {}\n", 1, 'has "apiversion:"'),
])
def test_unidentifiable_objects_are_errors_and_not_resources(tmp_path: Path, text: str, line: int,
                                                             words: str) -> None:
    resources, findings = load(tmp_path, text)
    assert malformed(findings) == [("malformed-object", line)]
    assert words in findings[0].message
    assert resources == []


@pytest.mark.parametrize(("text", "line", "words"), [
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: cm\ndata: {}\n", 3, "must be a mapping"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n", 3, "must be a mapping"),
    ("apiVersion: v1\nkind: ConfigMap\ndata: {}\n", 1, "no metadata"),
    ("apiVersion: v1\nkind: Secret\nmetadata:\n  namespace: x\n", 3, "no name"),
    ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: ''\n", 3, "no name"),
    ("apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    generateName: p-\n", 3, "no name"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: no\n", 4, "boolean false"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 1234\n", 4, "the number 1234"),
    ("apiVersion: apps/v1\nkind: Deployment\nspec: {}\n", 1, "no metadata"),
    ("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  labels: {a: b}\nspec: {}\n", 3, "no name"),
    ("apiVersion: example.com/v1\nkind: Widget\nmetadata: {}\n", 3, "no name"),
])
def test_objects_without_a_usable_name_are_errors(tmp_path: Path, text: str, line: int, words: str) -> None:
    resources, findings = load(tmp_path, text)
    assert malformed(findings) == [("malformed-object", line)]
    assert words in findings[0].message
    [resource] = resources  # still checked by the rules
    assert findings[0].resource == resource.ref and findings[0].file == "m.yaml"


def test_list_items_are_held_to_the_same_rule(tmp_path: Path) -> None:
    text = """\
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: ConfigMap
          metadata: {name: good}
        - apiVersion: v1
          kind: ConfigMap
          metadata: {namespace: x}
        - apiversion: v1
          kind: ConfigMap
          metadata: {name: misspelt}
        - kind: ConfigMap
          metadata: {name: no-api}
        - just a string
        """
    resources, findings = load(tmp_path, text)
    assert malformed(findings) == [("malformed-object", 9), ("malformed-object", 10),
                                   ("malformed-object", 13), ("malformed-object", 15)]
    assert [r.name for r in resources] == ["good", None, "misspelt"]
    assert findings[0].path == ("metadata",) and findings[3].path == ("items", 4)


def test_list_items_that_are_not_a_list(tmp_path: Path) -> None:
    resources, findings = load(tmp_path, "apiVersion: v1\nkind: List\nitems:\n  a: {kind: ConfigMap}\n")
    assert malformed(findings) == [("malformed-object", 4)] and resources == []


def test_typed_list_items_inherit_kind_but_need_names(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: a}\n- data: {k: v}\n"
    resources, findings = load(tmp_path, text)
    assert [(r.kind, r.name) for r in resources] == [("ConfigMap", "a"), ("ConfigMap", None)]
    assert malformed(findings) == [("malformed-object", 5)]


@pytest.mark.parametrize(("name", "text"), [
    ("values.yaml", "replicaCount: 3\nimage:\n  repository: nginx\n  tag: '1.27'\nkind: Deployment\n"
                    "service:\n  type: ClusterIP\n"),
    ("Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.2.3\nappVersion: '1.0'\ndependencies:\n"
                   "- name: redis\n  version: 17.x\n  repository: https://charts.bitnami.com/bitnami\n"),
    ("index.yaml", "apiVersion: v1\nentries:\n  web:\n  - name: web\n    version: 1.0.0\ngenerated: now\n"),
    ("kustomization.yaml", "kind: Kustomization\nmetadata:\n  name: prod\nresources: [a.yaml]\n"),
    ("kustomization.yaml", "apiversion: kustomize.config.k8s.io/v1beta1\nKind: Kustomization\nresources: []\n"),
    ("ci.yml", "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
               "    - uses: actions/checkout@v4\n"),
    (".gitlab-ci.yml", "stages: [test]\ntest:\n  image: python:3.12\n  script: [pytest]\n"),
    ("docker-compose.yml", "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n"),
    ("openapi.yaml", "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
                     "    Obj:\n      properties:\n        apiVersion: {type: string}\n        kind: {type: string}\n"),
    ("kind-cluster.yaml", "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes:\n- role: control-plane\n"),
    ("kubeconfig.yaml", "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n"),
    ("kubelet.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"),
    ("review.yaml", "apiVersion: authorization.k8s.io/v1\nkind: SelfSubjectAccessReview\n"
                    "spec:\n  resourceAttributes: {verb: get, resource: pods}\n"),
    ("list.yaml", "apiVersion: v1\nkind: List\nitems: []\n"),
    ("wf.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: hello-\n"
                "spec:\n  entrypoint: main\n"),
    ("seq.yaml", "- apiVersion: v1\n  kind: ConfigMap\n"),
    ("tool.yaml", "apiVersion: config.example.com/v1\nkind: ToolConfig\nsettings: {a: 1}\n"),
    ("00-step.yaml", "apiVersion: kuttl.dev/v1beta1\nkind: TestStep\ncommands:\n- command: kubectl get pods\n"),
])
def test_documents_that_are_not_malformed_objects_are_not_reported(tmp_path: Path, name: str, text: str) -> None:
    _, findings = load(tmp_path, text, name)
    assert findings == []


def test_the_checked_trees_have_no_malformed_objects() -> None:
    """The default render and the rule fixtures (real manifests) give no false alarm."""
    from gitops_gen.manifests import iter_files

    root = Path(__file__).resolve().parents[1]
    found = []
    for folder in ("sample-repo", "tests/rules"):
        for source in iter_files([root / folder]):
            if isinstance(source, SourceFile):
                found += [(f.file, f.line) for f in load_file(source).findings if f.rule == "malformed-object"]
    assert found == []
