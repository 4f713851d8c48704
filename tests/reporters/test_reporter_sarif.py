from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema_rs
import pytest
from reportdata import ADMIN, CONTAINER, WEB, finding, single
from sarif_subset import SARIF_SUBSET

from gitops_gen.catalogue import rule_docs
from gitops_gen.model import Finding, Report, ResourceRef, Severity, Waived
from gitops_gen.reporters import sarif

VALIDATOR = jsonschema_rs.Draft7Validator(SARIF_SUBSET, validate_formats=True)


def produce(report: Report, version: str = "1.2.3") -> dict[str, Any]:
    out = sarif.render(report, tool_version=version)
    assert out.isascii() and out.endswith("}\n")
    log: dict[str, Any] = json.loads(out)
    errors = [f"{e.instance_path}: {e.message}" for e in VALIDATOR.iter_errors(log)]
    assert errors == []
    return log


def run_of(report: Report) -> dict[str, Any]:
    run: dict[str, Any] = produce(report)["runs"][0]
    return run


def fp(f: Finding) -> str:
    result: dict[str, Any] = run_of(single(f))["results"][0]
    value: str = result["partialFingerprints"][sarif.FINGERPRINT_KEY]
    return value


DELETE = object()
RESULT0 = ("runs", 0, "results", 0)
PHYSICAL0 = (*RESULT0, "locations", 0, "physicalLocation")


@pytest.mark.parametrize(("where", "key", "value"), [
    ((), "version", DELETE),
    (("runs", 0, "tool"), "driver", DELETE),
    (RESULT0, "level", "critical"),
    ((*PHYSICAL0, "region"), "startLine", 0),
    ((*RESULT0, "message"), "text", DELETE),
    (("runs", 0, "tool", "driver", "rules", 0), "shortDescripton", {"text": "typo"}),
    (("runs", 0, "results", -1, "suppressions", 0), "kind", "waiver"),
    ((*PHYSICAL0, "artifactLocation"), "uri", "a b\\c.yaml"),
])
def test_the_structural_check_is_not_vacuous(report: Report, where: tuple[str | int, ...], key: str,
                                             value: object) -> None:
    log = json.loads(sarif.render(report, tool_version="1.0.0"))
    assert VALIDATOR.is_valid(log)
    node: Any = log
    for step in where:
        node = node[step]
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    assert not VALIDATOR.is_valid(log)


def test_log_header_and_driver(report: Report) -> None:
    log = produce(report)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "gitops-gen"
    assert driver["version"] == driver["semanticVersion"] == "1.2.3"
    assert driver["informationUri"].startswith("https://")
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    odd = json.loads(sarif.render(report, tool_version="dev-build"))["runs"][0]["tool"]["driver"]
    assert odd["version"] == "dev-build" and "semanticVersion" not in odd


def test_rules_cover_every_result_and_indexes_match(report: Report) -> None:
    run = run_of(report)
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(set(ids))
    assert set(ids) == {r["ruleId"] for r in run["results"]}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert len(run["results"]) == len(report.findings) + len(report.waived)


def test_rule_descriptor_from_the_catalogue() -> None:
    doc = rule_docs()["duplicate-key"]
    f = finding("duplicate-key", Severity.ERROR, "duplicate key privileged", "a.yaml", 4, 7, (), WEB)
    (rule,) = run_of(single(f))["tool"]["driver"]["rules"]
    assert rule["id"] == "duplicate-key"
    assert rule["name"] == "DuplicateKey"
    assert rule["shortDescription"] == {"text": doc.description}
    assert rule["fullDescription"]["text"] == " ".join(doc.doc.split("\n\n")[0].split())
    assert "\n" not in rule["fullDescription"]["text"]
    assert rule["help"]["text"] == doc.doc.strip()
    assert doc.doc.strip() in rule["help"]["markdown"]
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert rule["properties"]["category"] == "yaml"
    assert rule["properties"]["security-severity"] == "9.5"  # GitHub: over 9.0 is critical
    assert "security" in rule["properties"]["tags"]


def test_rule_unknown_to_the_catalogue_still_gets_a_descriptor() -> None:
    f = finding("org-policy-x", Severity.MEDIUM, "m", "a.yaml", 1)
    (rule,) = run_of(single(f))["tool"]["driver"]["rules"]
    assert rule["id"] == "org-policy-x"
    assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
    assert rule["defaultConfiguration"] == {"level": "error"}  # medium fails at the default threshold


@pytest.mark.parametrize(("severity", "level", "score"), [
    (Severity.ERROR, "error", "9.5"), (Severity.HIGH, "error", "7.5"), (Severity.MEDIUM, "error", "5.0"),
    (Severity.LOW, "note", "3.0"), (Severity.INFO, "note", "1.0"),
])
def test_level_and_security_severity_at_the_default_threshold(severity: Severity, level: str,
                                                              score: str) -> None:
    run = run_of(single(finding("custom-rule", severity, "m", "a.yaml", 1)))
    assert run["results"][0]["level"] == level
    assert run["results"][0]["properties"]["severity"] == severity.label
    assert run["tool"]["driver"]["rules"][0]["properties"]["security-severity"] == score


def test_security_severity_follows_a_configured_severity() -> None:
    # no-schema is LOW by default; a config raised it to HIGH for this run.
    f = finding("no-schema", Severity.HIGH, "no schema for Foo", "a.yaml", 1, 1, (), WEB)
    rule = run_of(single(f))["tool"]["driver"]["rules"][0]
    assert rule["defaultConfiguration"]["level"] == "note"
    assert rule["properties"]["security-severity"] == "7.5"


def test_result_location(report: Report) -> None:
    results = {r["ruleId"]: r for r in run_of(report)["results"] if "suppressions" not in r}
    root = results["run-as-root"]
    assert root["message"] == {"text": 'container "web" may run as root'}
    assert root["locations"] == [{
        "physicalLocation": {
            "artifactLocation": {"uri": "apps/web.yaml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 21, "startColumn": 9},
        },
        "logicalLocations": [
            {"name": "web", "fullyQualifiedName": "Deployment/team-a/web", "kind": "resource"}],
    }]
    assert root["properties"]["fieldPath"] == "spec.template.spec.containers[0]"
    assert root["properties"]["check"] == "missing-run-as-non-root"
    admin = results["wildcard-verbs"]["locations"][0]["logicalLocations"][0]
    assert admin["fullyQualifiedName"] == "ClusterRole/admin"
    assert "logicalLocations" not in results["yaml-syntax"]["locations"][0]
    assert results["wildcard-verbs"]["message"]["text"] == "rule grants verbs | all: *\nsecond line"


@pytest.mark.parametrize(("file", "location"), [
    ("apps\\team a\\web.yaml", {"uri": "apps/team%20a/web.yaml", "uriBaseId": "%SRCROOT%"}),
    ("./apps/web.yaml", {"uri": "apps/web.yaml", "uriBaseId": "%SRCROOT%"}),
    ("a:b#c?.yaml", {"uri": "a%3Ab%23c%3F.yaml", "uriBaseId": "%SRCROOT%"}),
    ("ünï/cödé.yaml", {"uri": "%C3%BCn%C3%AF/c%C3%B6d%C3%A9.yaml", "uriBaseId": "%SRCROOT%"}),
    ("/abs/dir/x.yaml", {"uri": "file:///abs/dir/x.yaml"}),
    ("C:\\repo\\x y.yaml", {"uri": "file:///C:/repo/x%20y.yaml"}),
])
def test_artifact_uris(file: str, location: dict[str, str]) -> None:
    run = run_of(single(finding("r", Severity.LOW, "m", file, 2, 3)))
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == location


def test_unknown_position_leaves_out_the_region() -> None:
    run = run_of(single(finding("unreadable-file", Severity.ERROR, "binary file", "x.yaml", 0, 0)))
    assert "region" not in run["results"][0]["locations"][0]["physicalLocation"]


def test_fingerprint_ignores_line_column_message_and_file_of_a_resource() -> None:
    base = finding("run-as-root", Severity.HIGH, "m", "apps/web.yaml", 21, 9, CONTAINER, WEB)
    moved = dataclasses.replace(base, line=40, column=3, message="reworded", file="apps/moved.yaml")
    assert fp(base) == fp(moved)
    assert fp(base).endswith(":1") and len(fp(base)) == 64 + 2


@pytest.mark.parametrize("change", [
    {"rule": "other-rule"},
    {"path": (*CONTAINER[:-1], 1)},
    {"resource": ResourceRef("apps/v1", "Deployment", "team-b", "web")},
    {"resource": ResourceRef("apps/v1", "StatefulSet", "team-a", "web")},
    {"resource": ResourceRef("apps/v1beta1", "Deployment", "team-a", "web")},
    {"details": {"check": "run-as-user-zero"}},
])
def test_fingerprint_changes_with_identity(change: dict[str, Any]) -> None:
    base = finding("run-as-root", Severity.HIGH, "m", "apps/web.yaml", 21, 9, CONTAINER, WEB,
                   {"check": "missing-run-as-non-root"})
    assert fp(base) != fp(dataclasses.replace(base, **change))


def test_file_level_fingerprint_uses_the_file() -> None:
    a = finding("yaml-syntax", Severity.ERROR, "m", "a.yaml", 3, 1)
    assert fp(a) == fp(dataclasses.replace(a, line=9))
    assert fp(a) != fp(dataclasses.replace(a, file="b.yaml"))


def test_identical_problems_get_distinct_fingerprints() -> None:
    same = [finding("r", Severity.LOW, f"m{i}", "a.yaml", i + 1, 1, ("spec",), ADMIN) for i in range(3)]
    results = run_of(Report(findings=same))["results"]
    prints = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results]
    assert len(set(prints)) == 3
    assert [p.rsplit(":", 1)[1] for p in prints] == ["1", "2", "3"]
    assert len({p.rsplit(":", 1)[0] for p in prints}) == 1


def test_waived_findings_are_suppressed_results(report: Report) -> None:
    suppressed = [r for r in run_of(report)["results"] if "suppressions" in r]
    assert [(r["ruleId"], r["suppressions"]) for r in suppressed] == [
        ("host-network", [{"kind": "external", "status": "accepted",
                           "justification": "CNI debug, ticket OPS-12"}]),
        ("latest-tag", [{"kind": "inSource", "status": "accepted",
                         "justification": "pinned by Argo CD Image Updater"}]),
    ]


def test_no_findings(clean_report: Report) -> None:
    run = run_of(clean_report)
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []


def test_special_characters_survive(report: Report) -> None:
    f = finding("r", Severity.HIGH, 'a <b> & "c" \x00\x1b 🚀\u202e', "a.yaml", 1, 1, (), WEB)
    report = Report(findings=[f], waived=[Waived(f, "because <&> \n reasons", "config")])
    results = run_of(report)["results"]
    assert results[0]["message"]["text"] == f.message
    assert results[1]["suppressions"][0]["justification"] == "because <&> \n reasons"


def test_long_descriptions_are_clipped_for_code_scanning() -> None:
    assert len(sarif._clip("x" * 5000)) == 1024
