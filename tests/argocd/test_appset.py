"""Offline ApplicationSet expansion, checked against what Argo CD's applicationset controller generates."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_gen.argocd.appset import AppSetProblem, Cluster, RepoView, clusters_from, expand_appset
from gitops_gen.argocd.gotemplate import TemplateError, UnsupportedTemplate, go_float, render, sprintf
from gitops_gen.blueprints import find_blueprint
from gitops_gen.blueprints import render as render_blueprint

REPO_URL = "https://github.com/example-org/platform.git"


def _repo(root: Path) -> RepoView:
    return RepoView(root=str(root), matches=lambda url: url.removesuffix(".git") == REPO_URL.removesuffix(".git"))


def _appset(generators: list[Any], template: dict[str, Any], go: bool = False, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
            "metadata": {"name": "set", "namespace": "argocd"},
            "spec": {"goTemplate": go, "generators": generators, "template": template, **spec}}


def _template(name: str, path: str, server: str = "https://kubernetes.default.svc") -> dict[str, Any]:
    return {"metadata": {"name": name},
            "spec": {"project": "default", "source": {"repoURL": REPO_URL, "path": path},
                     "destination": {"server": server, "namespace": "apps"}}}


def _names_paths(apps: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(a["metadata"]["name"], a["spec"]["source"]["path"]) for a in apps]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_ml_platform_team_workloads(tmp_path: Path) -> None:
    out = render_blueprint(find_blueprint("ml-platform"), tmp_path, {}, git_init=False)
    appset = yaml.safe_load((out / "apps" / "teams" / "team-workloads.yaml").read_text())
    apps, problems = expand_appset(appset, _repo(out), clusters_from([]))
    assert problems == []
    assert [(a["metadata"]["name"], a["metadata"]["namespace"], a["spec"]["project"],
             a["spec"]["source"]["path"], a["spec"]["destination"]["namespace"]) for a in apps] == [
        ("research-staging", "argocd", "team-research", "teams/research/workloads/overlays/staging",
         "research-staging"),
        ("research-production", "argocd", "team-research", "teams/research/workloads/overlays/production",
         "research-production"),
        ("serving-staging", "argocd", "team-serving", "teams/serving/workloads/overlays/staging", "serving-staging"),
        ("serving-production", "argocd", "team-serving", "teams/serving/workloads/overlays/production",
         "serving-production"),
    ]
    first = apps[0]
    assert first["apiVersion"] == "argoproj.io/v1alpha1" and first["kind"] == "Application"
    assert first["metadata"]["labels"]["ml-platform.io/environment"] == "staging"
    assert first["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
    assert first["spec"]["syncPolicy"]["retry"]["limit"] == 10
    for app in apps:  # every overlay the ApplicationSet points at exists in the render
        assert (out / app["spec"]["source"]["path"] / "kustomization.yaml").is_file()


def test_list_generator_fasttemplate_and_missing_tags() -> None:
    appset = _appset([{"list": {"elements": [{"cluster": "dev", "url": "https://dev"},
                                             {"cluster": "prod", "url": "https://prod",
                                              "values": {"tier": "gold"}}]}}],
                     _template("{{cluster}}-{{ values.tier }}", "apps/{{ cluster }}/{{nope}}", "{{url}}"))
    apps, problems = expand_appset(appset, None, [])
    assert problems == []
    assert _names_paths(apps) == [("dev-{{ values.tier }}", "apps/dev/{{nope}}"), ("prod-gold", "apps/prod/{{nope}}")]
    assert [a["spec"]["destination"]["server"] for a in apps] == ["https://dev", "https://prod"]


def test_a_string_is_templated_as_argo_cds_expression_says_in_one_pass() -> None:
    """Argo CD's ``{{.*}}`` on generated strings, and a long line of ``{{`` read in linear time
    (the expression scanned the rest of the line from each of them: minutes for a few hundred KB)."""
    import random
    import re
    import time

    from gitops_gen.argocd.appset import _templated

    shuffled = random.Random(5)
    for _ in range(20000):
        text = "".join(shuffled.choice(["{", "}", "{{", "}}", "\n", "a", "\r"]) for _ in range(shuffled.randint(0, 12)))
        assert _templated(text) == (re.search(r"{{.*}}", text) is not None), text
    start = time.perf_counter()
    assert not _templated("{{" * 500_000)
    assert time.perf_counter() - start < 1.0


def test_list_number_is_an_error_in_fasttemplate_but_a_float_in_go_template() -> None:
    template = _template("app-{{replicas}}", "p")
    apps, problems = expand_appset(_appset([{"list": {"elements": [{"replicas": 3}]}}], template), None, [])
    assert apps == []
    assert problems[0].path == ("spec", "generators", 0, "list", "elements", 0, "replicas")
    go = _appset([{"list": {"elements": [{"replicas": 3, "big": 1000000}],
                            "elementsYaml": "- replicas: 1.5\n  big: 7\n"}}],
                 _template("app-{{ .replicas }}-{{ .big }}", "p"), go=True)
    apps, problems = expand_appset(go, None, [])
    assert problems == []
    assert [a["metadata"]["name"] for a in apps] == ["app-3-1e+06", "app-1.5-7"]


def test_git_directories_skip_hidden_and_excluded(tmp_path: Path) -> None:
    for folder in ("apps/api", "apps/web", "apps/web/nested", "apps/.hidden", "apps/legacy", "apps/My_App",
                   ".github/workflows", "other/x"):
        (tmp_path / folder).mkdir(parents=True)
    generators = [{"git": {"repoURL": REPO_URL, "revision": "HEAD",
                           "directories": [{"path": "apps/*"}, {"path": "apps/legacy", "exclude": True}]}}]
    template = _template("{{path.basenameNormalized}}-{{path[0]}}", "{{path}}")
    apps, problems = expand_appset(_appset(generators, template), _repo(tmp_path), [])
    assert problems == []
    assert _names_paths(apps) == [("my-app-apps", "apps/My_App"), ("api-apps", "apps/api"), ("web-apps", "apps/web")]
    go_template = _template("{{ .path.basename | lower }}-{{ index .path.segments 0 }}", "{{ .path.path }}")
    apps, problems = expand_appset(_appset(generators, go_template, go=True), _repo(tmp_path), [])
    assert _names_paths(apps) == [("my_app-apps", "apps/My_App"), ("api-apps", "apps/api"), ("web-apps", "apps/web")]


def test_git_on_another_repository_and_online_generators_are_problems(tmp_path: Path) -> None:
    generators = [{"git": {"repoURL": "https://github.com/other/repo.git", "directories": [{"path": "*"}]}},
                  {"scmProvider": {"github": {"organization": "example-org"}}},
                  {"pullRequest": {"github": {"owner": "o", "repo": "r"}}},
                  {"clusterDecisionResource": {"configMapRef": "cm"}},
                  {"plugin": {"configMapRef": {"name": "p"}}},
                  {"list": {"elements": [{"name": "kept"}]}}]
    apps, problems = expand_appset(_appset(generators, _template("{{name}}", "p")), _repo(tmp_path), [])
    assert [a["metadata"]["name"] for a in apps] == ["kept"]
    assert [p.path for p in problems] == [("spec", "generators", 0, "git", "repoURL"),
                                          ("spec", "generators", 1, "scmProvider"),
                                          ("spec", "generators", 2, "pullRequest"),
                                          ("spec", "generators", 3, "clusterDecisionResource"),
                                          ("spec", "generators", 4, "plugin")]
    assert all("not expanded" in p.message for p in problems)
    _, problems = expand_appset(_appset(generators[:1], _template("x", "p")), None, [])
    assert "not expanded" in problems[0].message


CONFIG = """\
cluster:
  name: {name}
  address: https://{name}.example.com
replicas: {replicas}
"""


def test_git_files_flatten_numbers_like_go(tmp_path: Path) -> None:
    _write(tmp_path, {"clusters/dev/config.yaml": CONFIG.format(name="dev", replicas=3),
                      "clusters/prod/config.yaml": CONFIG.format(name="prod", replicas=1000000),
                      "clusters/prod/extra/config.json": '[{"cluster": {"name": "a"}}, {"cluster": {"name": "b"}}]',
                      "clusters/skip/config.yaml": CONFIG.format(name="skip", replicas=1),
                      "clusters/top.yaml": "cluster: {name: top}\n"})
    files = [{"path": "clusters/**/config.*"}, {"path": "clusters/skip/*", "exclude": True}]
    gen = [{"git": {"repoURL": REPO_URL, "files": files}}]
    template = _template("{{cluster.name}}-{{replicas}}", "{{path}}/{{path.filename}}")
    apps, problems = expand_appset(_appset(gen, template), _repo(tmp_path), [])
    assert problems == []
    # numbers come through Go's JSON decoding as float64 and fmt's %v: 3 -> "3", 1000000 -> "1e+06"
    assert _names_paths(apps) == [("dev-3", "clusters/dev/config.yaml"), ("prod-1e+06", "clusters/prod/config.yaml"),
                                  ("a-{{replicas}}", "clusters/prod/extra/config.json"),
                                  ("b-{{replicas}}", "clusters/prod/extra/config.json")]
    go_template = _template("{{ .cluster.name }}-{{ .replicas }}", "{{ index .path.segments 1 }}")
    go = _appset(gen, go_template, go=True, goTemplateOptions=["missingkey=error"])
    apps, problems = expand_appset(go, _repo(tmp_path), [])
    assert _names_paths(apps) == [("dev-3", "dev"), ("prod-1e+06", "prod")]
    assert [p.path for p in problems] == [("spec", "template", "metadata", "name")] * 2
    assert all('map has no entry for key "replicas"' in p.message for p in problems)


def test_go_template_missing_key_renders_no_value_without_missingkey_error() -> None:
    gen = [{"list": {"elements": [{"team": "a"}]}}]
    template = _template("{{ .team }}-{{ .env }}", "x/{{ .env | default \"dev\" }}")
    apps, problems = expand_appset(_appset(gen, template, go=True), None, [])
    assert problems == [] and _names_paths(apps) == [("a-<no value>", "x/dev")]


def _cluster_secret(name: str, server: str, labels: dict[str, str], string_data: bool = False) -> dict[str, Any]:
    data = {"name": name, "server": server, "config": "{}"}
    body = ({"stringData": data} if string_data
            else {"data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}})
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": f"cluster-{name}", "namespace": "argocd",
                         "labels": {"argocd.argoproj.io/secret-type": "cluster", **labels},
                         "annotations": {"owner": "team-" + name}}, **body}


def test_clusters_from_secrets_and_implicit_in_cluster() -> None:
    docs = [_cluster_secret("prod-eu", "https://prod.example.com", {"env": "prod"}),
            _cluster_secret("staging", "https://staging.example.com", {"env": "staging"}, string_data=True),
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "plain"}, "stringData": {"server": "x"}}]
    clusters = clusters_from(docs)
    assert [(c.name, c.server) for c in clusters] == [("prod-eu", "https://prod.example.com"),
                                                      ("staging", "https://staging.example.com"),
                                                      ("in-cluster", "https://kubernetes.default.svc")]
    assert clusters[0].labels["env"] == "prod" and clusters[0].annotations == {"owner": "team-prod-eu"}
    redefined = clusters_from([_cluster_secret("local", "https://kubernetes.default.svc", {})])
    assert [(c.name, c.server) for c in redefined] == [("local", "https://kubernetes.default.svc")]


def test_cluster_generator_selector_values_and_in_cluster() -> None:
    clusters = clusters_from([_cluster_secret("prod-EU", "https://prod.example.com", {"env": "prod"}),
                              _cluster_secret("staging", "https://staging.example.com", {"env": "staging"})])
    template = _template("{{name}}-{{values.suffix}}", "envs/{{metadata.labels.env}}", "{{server}}")
    values = {"suffix": "{{nameNormalized}}-x"}
    apps, problems = expand_appset(_appset([{"clusters": {"values": values}}], template), None, clusters)
    assert problems == []
    assert _names_paths(apps) == [("prod-EU-prod-eu-x", "envs/prod"), ("staging-staging-x", "envs/staging"),
                                  ("in-cluster-in-cluster-x", "envs/{{metadata.labels.env}}")]
    selector = {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "qa"]}]}
    go = _appset([{"clusters": {"selector": selector}}],
                 _template("{{ .nameNormalized }}", "{{ .metadata.annotations.owner }}", "{{ .server }}"), go=True)
    apps, problems = expand_appset(go, None, clusters)
    assert problems == [] and _names_paths(apps) == [("prod-eu", "team-prod-EU")]
    match_labels = _appset([{"clusters": {"selector": {"matchLabels": {"env": "staging"}}}}], template)
    names = [a["metadata"]["name"] for a in expand_appset(match_labels, None, clusters)[0]]
    assert names == ["staging-{{values.suffix}}"]


def test_matrix_git_directories_times_clusters(tmp_path: Path) -> None:
    for folder in ("addons/cert-manager", "addons/ingress"):
        (tmp_path / folder).mkdir(parents=True)
    clusters = [Cluster("dev", "https://dev", {"env": "dev"}), Cluster("prod", "https://prod", {"env": "prod"})]
    gen = [{"matrix": {"generators": [
        {"git": {"repoURL": REPO_URL, "directories": [{"path": "addons/*"}]}},
        {"clusters": {"selector": {"matchLabels": {"env": "prod"}}}}]}}]
    template = _template("{{ .path.basename }}-{{ .name }}", "{{ .path.path }}", "{{ .server }}")
    apps, problems = expand_appset(_appset(gen, template, go=True), _repo(tmp_path), clusters)
    assert problems == []
    assert [(a["metadata"]["name"], a["spec"]["destination"]["server"]) for a in apps] == [
        ("cert-manager-prod", "https://prod"), ("ingress-prod", "https://prod")]


def test_matrix_second_generator_uses_first_generator_params(tmp_path: Path) -> None:
    _write(tmp_path, {"envs/dev/apps.yaml": "- app: api\n- app: web\n", "envs/prod/apps.yaml": "- app: api\n"})
    gen = [{"matrix": {"generators": [
        {"list": {"elements": [{"env": "dev"}, {"env": "prod"}]}},
        {"git": {"repoURL": REPO_URL, "files": [{"path": "envs/{{env}}/apps.yaml"}]}}]}}]
    apps, problems = expand_appset(_appset(gen, _template("{{app}}-{{env}}", "deploy/{{app}}")), _repo(tmp_path), [])
    assert problems == []
    assert _names_paths(apps) == [("api-dev", "deploy/api"), ("web-dev", "deploy/web"), ("api-prod", "deploy/api")]


def test_matrix_fasttemplate_conflicting_keys_and_wrong_arity() -> None:
    gen = [{"matrix": {"generators": [{"list": {"elements": [{"a": "1"}]}}, {"list": {"elements": [{"a": "2"}]}}]}},
           {"matrix": {"generators": [{"list": {"elements": [{"a": "1"}]}}]}}]
    apps, problems = expand_appset(_appset(gen, _template("{{a}}", "p")), None, [])
    assert apps == []
    assert [p.path for p in problems] == [("spec", "generators", 0, "matrix", "generators"),
                                          ("spec", "generators", 1, "matrix", "generators")]


def test_merge_generator_overrides_by_merge_key() -> None:
    gen = [{"merge": {"mergeKeys": ["name"], "generators": [
        {"clusters": {"values": {"kafka": "true", "redis": "false"}}},
        {"list": {"elements": [{"name": "in-cluster", "values": {"redis": "true"}}]}}]}}]
    template = _template("{{name}}", "kafka={{values.kafka}},redis={{values.redis}}")
    apps, problems = expand_appset(_appset(gen, template), None, clusters_from([]))
    assert problems == [] and _names_paths(apps) == [("in-cluster", "kafka=true,redis=true")]


def test_post_selector_generator_template_and_template_patch() -> None:
    gen = [{"list": {"elements": [{"env": "dev"}, {"env": "prod"}],
                     "template": {"metadata": {"labels": {"from": "generator"}}}},
            "selector": {"matchLabels": {"env": "prod"}}}]
    spec = _appset(gen, _template("app-{{env}}", "p"), templatePatch="spec: {}")
    apps, problems = expand_appset(spec, None, [])
    assert [(a["metadata"]["name"], a["metadata"]["labels"]) for a in apps] == [("app-prod", {"from": "generator"})]
    assert problems == [AppSetProblem("templatePatch not applied offline: generated Applications omit it",
                                      ("spec", "templatePatch"))]


def test_unsupported_template_action_and_duplicate_names() -> None:
    gen = [{"list": {"elements": [{"a": "x"}]}}]
    apps, problems = expand_appset(_appset(gen, _template('{{ template "n" . }}', "p"), go=True), None, [])
    assert apps == [] and problems[0].path == ("spec", "template", "metadata", "name")
    assert "not supported offline" in problems[0].message
    apps, problems = expand_appset(_appset([{"list": {"elements": [{"a": "x"}, {"a": "x"}]}}],
                                           _template("{{a}}", "p")), None, [])
    assert [a["metadata"]["name"] for a in apps] == ["x"] and "duplicate" in problems[0].message


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ .s | lower | replace \" \" \"-\" | trunc 8 }}", "hello-wo"),
    ("{{ .s | trimPrefix \"Hello \" | upper | quote }}", '"WORLD"'),
    ("{{ printf \"%s-%d-%v\" .s 3 .n }}", "Hello World-3-3"),
    ("{{ printf \"%d\" .n }}", "%!d(float64=3)"),
    ("{{- if eq .s \"x\" }}a{{ else if hasPrefix \"Hello\" .s }}b{{ else }}c{{ end -}}", "b"),
    ("{{ range $i, $v := .seg }}{{ $i }}={{ $v }};{{ end }}", "0=a;1=b;"),
    ("{{ $x := index .seg 1 }}{{ $x }}{{ $x | title }}", "bB"),
    ("{{ .s | normalize }} {{ toString .n }} {{ .n }} {{ .big }} {{ .small }}", "hello-world 3 3 1.234567e+06 0.0001"),
    ("{{ default \"d\" .missing }}/{{ .missing }}/{{ .missing.deeper }}", "d/<no value>/<no value>"),
    ("{{ toJson .m }} {{ .m }} {{ len .seg }}", '{"k":1.5,"z":[1]} map[k:1.5 z:[1]] 2'),
    ("{{/* comment */}}{{ and .s .n }} {{ or .missing \"z\" }} {{ not .s }}", "3 z false"),
])
def test_go_template_subset(source: str, expected: str) -> None:
    data = {"s": "Hello World", "n": 3.0, "big": 1234567.0, "small": 0.0001, "seg": ["a", "b"],
            "m": {"z": [1.0], "k": 1.5}}
    assert render(source, data) == expected


@pytest.mark.parametrize(("source", "options", "message"), [
    ("{{ .missing }}", ("missingkey=error",), 'map has no entry for key "missing"'),
    ("{{ .a.b }}", ("missingkey=zero",), "nil pointer evaluating interface {}.b"),
    ("{{ index .seg 5 }}", (), "index out of range: 5"),
    ("{{ .s.x }}", (), "can't evaluate field x in type string"),
    ("{{ trunc 2 .n }}", (), "expected string; got float64"),
    ("{{ if .s }}x", (), "without {{end}}"),
])
def test_go_template_errors(source: str, options: tuple[str, ...], message: str) -> None:
    with pytest.raises(TemplateError, match=message.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
        render(source, {"s": "x", "n": 1.0, "seg": ["a"]}, options)


def test_go_template_unsupported() -> None:
    with pytest.raises(UnsupportedTemplate):
        render("{{ slugify .s }}", {"s": "x"})
    with pytest.raises(UnsupportedTemplate):
        render("{{ define \"x\" }}{{ end }}", {})


def test_go_number_formatting() -> None:
    assert [go_float(v) for v in (3.0, 1.5, 123456.0, 1e6, 1234567.0, 1e-4, 1e-5, -2.5)] == [
        "3", "1.5", "123456", "1e+06", "1.234567e+06", "0.0001", "1e-05", "-2.5"]
    assert sprintf("%s|%5s|%-3d|%q|%x", ["a"], "b", 7, "q\"", 255) == '[a]|    b|7  |"q\\""|ff'
    assert sprintf("%s %s", "one") == "one %!s(MISSING)"
