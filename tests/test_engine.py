"""The one Engine: configured severities, the catalogue as a value, the index phase, and the
same findings whichever way in (CLI or API)."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from tree_helpers import BASE_DEPLOYMENT, write

from gitops_gen.catalogue import Catalogue, bundled
from gitops_gen.cli import main
from gitops_gen.config import load_config
from gitops_gen.engine import Engine, Outcome, check_resources
from gitops_gen.index import build_index
from gitops_gen.manifests import SourceFile, iter_files, load_file
from gitops_gen.model import Finding, Resource, Severity
from gitops_gen.rules import catalogue as rule_catalogue
from gitops_gen.rules.base import RuleContext, Violation
from gitops_gen.schemas import SchemaValidator
from gitops_gen.waivers import path_matches

REPO = Path(__file__).resolve().parents[1]
UNCONFINED = """apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ml}
spec:
  containers:
    - name: c
      image: ghcr.io/acme/app:1.0.0
      securityContext:
        seccompProfile:
          type: Unconfined
"""


def resources_of(text: str, name: str = "x.yaml") -> list[Resource]:
    return load_file(SourceFile(name, name, text.encode())).resources


def key(findings: list[Finding]) -> list[tuple[str, str, int, int, str, str]]:
    return sorted((f.file, f.rule, f.line, f.column, f.severity.label, f.message) for f in findings)


# -- severities -----------------------------------------------------------------------------

def test_a_configured_severity_wins_for_every_sub_check(tmp_path: Path) -> None:
    pod = resources_of(UNCONFINED)
    default = [f for f in Engine(load_config()).check(pod).findings if f.rule == "seccomp-profile"]
    assert [(f.line, f.severity, f.details.get("check")) for f in default] == [(10, Severity.HIGH, "unconfined")]
    config = load_config(write(tmp_path / ".gitops-gen.yaml", "rules:\n  seccomp-profile: {severity: medium}\n"))
    found = [f for f in Engine(config).check(pod).findings if f.rule == "seccomp-profile"]
    assert [(f.line, f.severity, f.details.get("check")) for f in found] == [(10, Severity.MEDIUM, "unconfined")]


def test_a_rule_turned_off_reports_nothing_and_built_in_checks_follow_the_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / ".gitops-gen.yaml",
                               "rules:\n  seccomp-profile: off\n  duplicate-key: {severity: low}\n"))
    text = UNCONFINED.replace("      image:", "      name: d\n      image:")
    result = load_file(SourceFile("x.yaml", "x.yaml", text.encode()))
    engine = Engine(config)
    outcome = Outcome()
    engine.check_file(result, outcome)
    report = engine.judge(outcome)
    assert not [f for f in report.findings if f.rule == "seccomp-profile"]
    assert [(f.rule, f.line, f.severity) for f in report.findings if f.rule == "duplicate-key"] == \
        [("duplicate-key", 7, Severity.LOW)]


# -- the catalogue is a value -----------------------------------------------------------------

def _team_label_rule() -> types.ModuleType:
    module = types.ModuleType("team_label", "team-label: every Deployment names its team.\n\nPASS/FAIL: see tests.")
    module.ID = "team-label"  # type: ignore[attr-defined]
    module.SEVERITY = Severity.MEDIUM  # type: ignore[attr-defined]
    module.CATEGORY = "custom"  # type: ignore[attr-defined]
    module.DESCRIPTION = "Deployment without a team label."  # type: ignore[attr-defined]
    module.KINDS = frozenset({"Deployment"})  # type: ignore[attr-defined]

    def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
        if "team" not in (resource.get(("metadata", "labels")) or {}):
            yield Violation("no team label", ("metadata",))

    module.check = check  # type: ignore[attr-defined]
    return module


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ml
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: ghcr.io/acme/web:1.0.0}]
"""


def test_a_run_can_add_rules_without_changing_any_other_run() -> None:
    extra = rule_catalogue([_team_label_rule()])
    custom = bundled().with_rules(extra.values())
    assert "team-label" in custom and "team-label" not in bundled()
    resources = resources_of(DEPLOYMENT)
    found = Engine(load_config(catalogue=custom)).check(resources).findings
    assert [(f.rule, f.line) for f in found if f.rule == "team-label"] == [("team-label", 3)]
    assert not [f for f in Engine(load_config()).check(resources).findings if f.rule == "team-label"]
    with pytest.raises(TypeError, match="duplicate rule id"):
        custom.with_rules(extra.values())


def test_configuration_is_validated_against_the_catalogue_of_the_run(tmp_path: Path) -> None:
    path = write(tmp_path / ".gitops-gen.yaml", "rules:\n  team-label: {severity: high}\n")
    with pytest.raises(Exception, match="unknown rule 'team-label'"):
        load_config(path)
    custom = Catalogue([*bundled().rules.values(), *rule_catalogue([_team_label_rule()]).values()],
                       [d for d in bundled().docs.values() if d.id not in bundled().rules])
    config = load_config(path, catalogue=custom)
    found = Engine(config).check(resources_of(DEPLOYMENT)).findings
    assert [(f.rule, f.severity) for f in found if f.rule == "team-label"] == [("team-label", Severity.HIGH)]


# -- the index phase --------------------------------------------------------------------------



def _schema_and_namespace(report_findings: list[Finding]) -> list[tuple[str, str, int]]:
    return sorted((f.rule, f.field_path, f.line) for f in report_findings
                  if f.rule in ("schema", "default-namespace"))


def _check(root: Path) -> list[Finding]:
    result = CliRunner().invoke(main, ["check", str(root), "--format", "json", "--fail-on", "error"])
    assert result.exit_code in (0, 1), result.output
    return [Finding(f["rule"], Severity.parse(f["severity"]), f["message"], f["file"], f["line"], f["column"],
                    tuple(f["path"].split(".")) if f["path"] else ()) for f in json.loads(result.output)["findings"]]


def test_fields_a_kustomization_sets_are_not_required_of_its_files(tmp_path: Path) -> None:
    base = tmp_path / "base"
    write(base / "deployment.yaml", BASE_DEPLOYMENT)
    alone = _schema_and_namespace(_check(tmp_path))
    assert alone == [("default-namespace", "metadata.namespace", 5), ("schema", "spec.selector", 6)]
    write(base / "kustomization.yaml", "resources: [deployment.yaml]\n")
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml",
          "namespace: web-prod\nresources: [../../base]\nlabels:\n  - pairs: {app: web}\n    includeSelectors: true\n")
    assert _schema_and_namespace(_check(tmp_path)) == []
    # a kustomization that sets neither supplies nothing
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\n")
    assert _schema_and_namespace(_check(tmp_path)) == alone


def test_common_labels_supply_the_selector(tmp_path: Path) -> None:
    write(tmp_path / "deployment.yaml", BASE_DEPLOYMENT.replace("  namespace: default\n", ""))
    write(tmp_path / "kustomization.yaml", "commonLabels: {app: web}\nresources: [deployment.yaml]\n")
    assert _schema_and_namespace(_check(tmp_path)) == []


def test_the_index_holds_the_facts_of_the_tree_and_rules_read_it(tmp_path: Path) -> None:
    write(tmp_path / "ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n")
    write(tmp_path / "apps.json", json.dumps({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                                             "metadata": {"name": "web", "namespace": "argocd"},
                                             "spec": {"project": "teams"}}))
    write(tmp_path / "project.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\n"
                                     "metadata: {name: teams, namespace: argocd}\n")
    write(tmp_path / "other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-a-Namespace}\n"
                                   "data: {kind: Namespacex}\n")
    write(tmp_path / "kustomization.yaml", "resources: [ns.yaml, https://example.com/x.yaml]\n"
                                           "patches: [{path: patch.yaml}]\n")
    files = [f for f in iter_files([str(tmp_path)]) if isinstance(f, SourceFile)]
    index, _ = build_index(files)
    assert index.namespaces == {"team-a"} and index.projects == {"teams"}
    assert [(a.kind, a.name, a.project) for a in index.applications] == [("Application", "web", "teams")]
    assert index.patch_files == {str(tmp_path / "patch.yaml")}
    assert index.kustomizations[0].includes == (str(tmp_path / "ns.yaml"),)

    seen: list[frozenset[str]] = []

    def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
        assert ctx.index is not None
        seen.append(ctx.index.namespaces)
        return iter(())

    module = _team_label_rule()
    module.check = check  # type: ignore[attr-defined]
    engine = Engine(load_config(catalogue=bundled().with_rules(rule_catalogue([module]).values())))
    engine.check(resources_of(DEPLOYMENT) + resources_of("apiVersion: v1\nkind: Namespace\nmetadata: {name: ml}\n"))
    assert seen == [frozenset({"ml"})]



def test_a_rule_of_pod_specs_only_is_asked_only_about_objects_with_one() -> None:
    asked: list[str] = []

    def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
        asked.append(resource.kind)
        return iter(())

    module = _team_label_rule()
    module.check = check  # type: ignore[attr-defined]
    module.PODS = True  # type: ignore[attr-defined]
    engine = Engine(load_config(catalogue=bundled().with_rules(rule_catalogue([module]).values())))
    engine.check(resources_of(DEPLOYMENT) + resources_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"))
    assert asked == ["Deployment"]


# -- one engine, two ways in ------------------------------------------------------------------

def _api(paths: list[str], config_path: Path | None) -> list[Finding]:
    """The engine built through the API, by hand: what a program embedding gitops-gen does."""
    config = load_config(config_path)
    validator = SchemaValidator("1.31")
    engine = Engine(config, config.catalogue, validator=validator)
    files = [f for f in iter_files(paths) if isinstance(f, SourceFile)]
    files = [f for f in files if not any(path_matches(p, f.display, config.base) for p in config.ignore)]
    index, crd_findings = build_index(files, on_crd=validator)
    engine.use_index(index)
    outcome = Outcome(findings=[f for f in map(engine.stamp, crd_findings) if f is not None])
    for source in files:
        if source.abspath not in index.patch_files:
            engine.check_file(load_file(source), outcome)
    return engine.judge(outcome).findings


def _cli(paths: list[str]) -> list[Finding]:
    result = CliRunner().invoke(main, ["check", *paths, "--format", "json", "--fail-on", "error", "--jobs", "2"])
    assert result.exit_code in (0, 1), result.output
    return [Finding(f["rule"], Severity.parse(f["severity"]), f["message"], f["file"], f["line"], f["column"])
            for f in json.loads(result.output)["findings"]]


def test_cli_and_api_give_identical_findings_on_the_default_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO / "sample-repo")
    cli = _cli(["."])
    api = _api(["."], REPO / "sample-repo" / ".gitops-gen.yaml")
    assert key(cli) == key(api)
    assert api == []  # the default render is clean at every severity (its waivers give reasons)


def test_cli_and_api_give_identical_findings_on_the_rule_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    fixtures = sorted(str(p.relative_to(REPO)) for p in (REPO / "tests" / "rules").glob("*/*/*.yaml"))
    cli = _cli(fixtures)
    api = _api(fixtures, None)
    assert len(cli) > 300 and key(cli) == key(api)
    # and the fixture harness's engine (rules only, default severities) agrees on every finding of the
    # rules the default preset runs (it leaves the opt-in ones off)
    harness = check_resources([r for f in fixtures for r in load_file(SourceFile(str(REPO / f), f)).resources])
    rule_ids = {rule for rule, setting in load_config().rules.items() if setting.enabled} & set(bundled().rules)
    assert key([f for f in harness if f.rule in rule_ids]) == key([f for f in api if f.rule in rule_ids])


def test_ignore_and_waiver_paths_are_relative_to_the_configuration_file(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    write(repo / "vendor" / "pod.yaml", UNCONFINED)
    write(repo / "teams" / "pod.yaml", UNCONFINED)
    write(repo / ".gitops-gen.yaml", "ignore: ['vendor/**']\nwaivers:\n  - rule: seccomp-profile\n"
                                     "    match: {path: 'teams/*.yaml'}\n    reason: tested\n")
    for where, target in ((tmp_path, "repo"), (repo, "."), (repo / "teams", "..")):
        monkeypatch.chdir(where)
        result = CliRunner().invoke(main, ["check", target, "--format", "json", "--fail-on", "error"])
        report = json.loads(result.output)
        assert not [f for f in report["findings"] if "vendor" in f["file"]], where
        assert not [f for f in report["findings"] if f["rule"] == "seccomp-profile"], where
        assert [w["rule"] for w in report.get("waived", [])].count("seccomp-profile") == 1, where


def test_an_object_without_metadata_is_reported_once_whoever_knows_it(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n---\n"  # Kubernetes' own group
                               "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"  # a known CR
                               "spec: {predictor: {model: {modelFormat: {name: sklearn}}}}\n---\n"
                               "apiVersion: kuttl.dev/v1beta1\nkind: TestStep\ncommands: [{command: ls}]\n")
    found = [(f.rule, f.line) for f in _check(tmp_path) if f.severity >= Severity.ERROR]
    assert found == [("malformed-object", 1), ("schema", 5)]  # the kuttl step is a tool's file: silent


def test_a_resources_ref_is_made_once_and_follows_its_fields() -> None:
    resource = Resource("v1", "Pod", "web", "team-a", {}, "f.yaml", "/f.yaml", 0, None)  # type: ignore[arg-type]
    ref = resource.ref
    assert resource.ref is ref
    for field, value in (("api_version", "apps/v1"), ("kind", "Deployment"), ("namespace", "b"), ("name", "api")):
        setattr(resource, field, value)
        assert getattr(resource.ref, field) == value


def test_judging_names_the_deploying_application_without_changing_the_outcome(tmp_path: Path) -> None:
    """The gate's two runs share the outcomes of unchanged files: judging one under a graph must
    not leave that graph's Application in the findings the other run judges."""
    from dataclasses import replace

    write(tmp_path / "pod.yaml", UNCONFINED)
    resources = load_file(SourceFile(str(tmp_path / "pod.yaml"), "pod.yaml")).resources
    engine = Engine()
    outcome = Outcome()
    for resource in resources:
        engine.check_resource(resource, outcome)
    before = [dict(f.details) for f in outcome.findings]
    assert before

    class Graph:
        def __init__(self, app: str) -> None:
            self.app = app

        def deployer(self, path: str, kind: str, name: str) -> str:
            return self.app

    judged = {}
    for app in ("base-app", "head-app"):
        engine.use_index(replace(engine.index, graph=Graph(app)))
        judged[app] = engine.judge(outcome).findings
    assert [dict(f.details) for f in outcome.findings] == before
    assert {f.details["application"] for f in judged["base-app"] if f.resource} == {"base-app"}
    assert {f.details["application"] for f in judged["head-app"] if f.resource} == {"head-app"}
