from __future__ import annotations

import json
from typing import Any

import pytest
from reportdata import WEB, finding

from gitops_gen.model import Report, ResourceRef, Severity
from gitops_gen.reporters import jsonfmt

FINDING_KEYS = ["rule", "severity", "message", "file", "line", "column", "path", "resource"]


def parse(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(jsonfmt.render(report))
    return data


def test_document_shape_and_key_order(report: Report) -> None:
    data = parse(report)
    assert list(data) == ["findings", "summary", "waived"]
    assert list(data["summary"]) == ["files", "resources", "findings", "by_severity", "fail_on", "failing"]
    assert list(data["summary"]["by_severity"]) == ["error", "high", "medium", "low", "info"]
    for item in data["findings"]:
        assert list(item)[:8] == FINDING_KEYS
        assert set(item) <= {*FINDING_KEYS, "details"}
    for item in data["waived"]:
        assert list(item) == [*FINDING_KEYS, "reason", "source"]


def test_finding_fields(report: Report) -> None:
    by_rule = {f["rule"]: f for f in parse(report)["findings"]}
    assert by_rule["run-as-root"] == {
        "rule": "run-as-root",
        "severity": "high",
        "message": 'container "web" may run as root',
        "file": "apps/web.yaml",
        "line": 21,
        "column": 9,
        "path": "spec.template.spec.containers[0]",
        "resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "team-a", "name": "web"},
        "details": {"check": "missing-run-as-non-root"},
    }
    assert "details" not in by_rule["latest-tag"]
    assert by_rule["yaml-syntax"]["resource"] is None
    assert by_rule["yaml-syntax"]["path"] == ""
    assert by_rule["wildcard-verbs"]["resource"]["namespace"] is None


def test_summary(report: Report, clean_report: Report) -> None:
    assert parse(report)["summary"] == {
        "files": 5, "resources": 4, "findings": 5,
        "by_severity": {"error": 1, "high": 1, "medium": 1, "low": 1, "info": 1},
        "fail_on": "medium", "failing": 3,
    }
    assert parse(clean_report) == {
        "findings": [],
        "summary": {"files": 10, "resources": 40, "findings": 0,
                    "by_severity": {"error": 0, "high": 0, "medium": 0, "low": 0, "info": 0},
                    "fail_on": "medium", "failing": 0},
        "waived": [],
    }


@pytest.mark.parametrize(("fail_on", "failing"), [
    (Severity.ERROR, 1), (Severity.HIGH, 2), (Severity.MEDIUM, 3), (Severity.LOW, 4), (Severity.INFO, 5)])
def test_summary_counts_the_findings_that_fail_the_check(report: Report, fail_on: Severity, failing: int) -> None:
    summary = json.loads(jsonfmt.render(report, fail_on=fail_on))["summary"]
    assert (summary["fail_on"], summary["failing"]) == (fail_on.label, failing)


def test_waived_carry_reason_and_source(report: Report) -> None:
    waived = parse(report)["waived"]
    assert [(w["rule"], w["file"], w["line"], w["reason"], w["source"]) for w in waived] == [
        ("host-network", "apps/web.yaml", 25, "CNI debug, ticket OPS-12", "config"),
        ("latest-tag", "ml/train.yaml", 40, "pinned by Argo CD Image Updater", "annotation"),
    ]
    assert waived[0]["path"] == "spec.template.spec.hostNetwork"


def test_special_characters_round_trip(report: Report) -> None:
    out = jsonfmt.render(report)
    assert out.isascii()
    messages = {f["message"] for f in json.loads(out)["findings"]}
    assert {"GPU request без лимита 🚀", "rule grants verbs | all: *\nsecond line",
            "image uses tag <latest> & no digest"} <= messages


def test_one_finding_per_line_and_trailing_newline(report: Report) -> None:
    out = jsonfmt.render(report)
    assert out.startswith('{\n  "findings": [\n    {"rule": ')
    lines = out.splitlines()
    findings = [line for line in lines if line.startswith('    {"rule": ')]
    assert len(findings) == len(report.findings) + len(report.waived)
    assert all(json.loads(line.rstrip(",")) for line in findings)
    assert out.endswith("}\n")


def test_quoted_path_parts_and_sorting() -> None:
    fs = [
        finding("b", Severity.LOW, "m", "b.yaml", 1, 1),
        finding("a", Severity.LOW, "m", "a.yaml", 7, 3,
                ("metadata", "annotations", "ad.example.com/x y"), WEB),
        finding("a", Severity.LOW, "m", "a.yaml", 7, 2),
    ]
    data = parse(Report(findings=fs))
    assert [(f["file"], f["line"], f["column"]) for f in data["findings"]] == [
        ("a.yaml", 7, 2), ("a.yaml", 7, 3), ("b.yaml", 1, 1)]
    assert data["findings"][1]["path"] == 'metadata.annotations["ad.example.com/x y"]'


def test_text_is_the_dict_view_serialized(report: Report) -> None:
    """render() writes each finding's text directly: it must be byte for byte json.dumps of
    report_dict()'s objects, for plain and gate reports, hostile strings included."""
    from gatedata import gate_report

    for case in (report, gate_report(show_all=True)):
        data = jsonfmt.report_dict(case)
        text = jsonfmt.render(case)
        lines = [line.strip().rstrip(",") for line in text.splitlines() if line.startswith('    {"rule": ')]
        assert lines == [json.dumps(item, ensure_ascii=True) for item in [*data["findings"], *data["waived"]]]
        assert json.loads(jsonfmt.render(case)) == data


def test_resources_with_hostile_or_missing_names_are_written_as_json_dumps_writes_them() -> None:
    refs = [ResourceRef("v1", "Pod", None, None), ResourceRef("kubeflow.org/v1", "Notebook", 'ns"\\x', "n\u00e9 🚀\n"),
            ResourceRef("v1", "ConfigMap", "a", 12)]  # type: ignore[arg-type]  # (a name read as a number)
    report = Report(findings=[finding("r", Severity.LOW, "m", "f.yaml", n, 1, (), ref) for n, ref in enumerate(refs)])
    data = jsonfmt.report_dict(report)
    text = jsonfmt.render(report)
    lines = [line.strip().rstrip(",") for line in text.splitlines() if line.startswith('    {"rule": ')]
    assert lines == [json.dumps(item, ensure_ascii=True) for item in data["findings"]]
    assert [item["resource"]["name"] for item in data["findings"]] == [None, "n\u00e9 🚀\n", 12]
