"""SARIF levels, security-severity and properties follow the fail threshold (``--fail-on``)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import pytest
from reportdata import WEB, finding, single
from sarif_subset import SARIF_SUBSET

from gitops_gen.model import Report, Severity, Waived
from gitops_gen.reporters import render, sarif

VALIDATOR = jsonschema_rs.Draft7Validator(SARIF_SUBSET, validate_formats=True)


def run_of(report: Report, fail_on: Severity) -> dict[str, Any]:
    log = json.loads(sarif.render(report, tool_version="1.0.0", fail_on=fail_on))
    assert VALIDATOR.is_valid(log)
    run: dict[str, Any] = log["runs"][0]
    return run


@pytest.mark.parametrize(("fail_on", "severity", "level"), [
    (Severity.ERROR, Severity.ERROR, "error"), (Severity.ERROR, Severity.HIGH, "warning"),
    (Severity.ERROR, Severity.MEDIUM, "warning"), (Severity.ERROR, Severity.LOW, "note"),
    (Severity.HIGH, Severity.HIGH, "error"), (Severity.HIGH, Severity.MEDIUM, "warning"),
    (Severity.HIGH, Severity.INFO, "note"),
    (Severity.MEDIUM, Severity.MEDIUM, "error"), (Severity.MEDIUM, Severity.LOW, "note"),
    (Severity.LOW, Severity.LOW, "error"), (Severity.LOW, Severity.INFO, "note"),
    (Severity.INFO, Severity.INFO, "error"),
])
def test_level_is_error_only_at_or_above_the_threshold(fail_on: Severity, severity: Severity, level: str) -> None:
    run = run_of(single(finding("custom-rule", severity, "m", "a.yaml", 1)), fail_on)
    (result,) = run["results"]
    assert result["level"] == level
    assert result["properties"]["severity"] == severity.label
    assert result["properties"]["failsCheck"] is (severity >= fail_on)
    assert run["properties"] == {"failOn": fail_on.label}
    assert run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == level


@pytest.mark.parametrize(("fail_on", "level", "fails"), [
    (Severity.HIGH, "warning", False), (Severity.MEDIUM, "error", True)])
def test_a_medium_finding_on_both_sides_of_the_threshold(fail_on: Severity, level: str, fails: bool) -> None:
    f = finding("run-as-root", Severity.MEDIUM, "may run as root", "a.yaml", 4, 3, (), WEB)
    out = render("sarif", single(f), tool_version="1.0.0", fail_on=fail_on)
    (result,) = json.loads(out)["runs"][0]["results"]
    assert (result["level"], result["properties"]["failsCheck"]) == (level, fails)


def test_no_error_results_when_nothing_fails_the_check(report: Report) -> None:
    report.findings[:] = [f for f in report.findings if f.severity < Severity.ERROR]
    run = run_of(report, Severity.ERROR)
    assert run["results"] and all(r["level"] != "error" for r in run["results"])
    assert all(r["defaultConfiguration"]["level"] != "error" for r in run["tool"]["driver"]["rules"]
               if r["id"] != "yaml-syntax")


@pytest.mark.parametrize(("fail_on", "score"), [
    (Severity.ERROR, "6.9"),  # high but not failing: kept out of GitHub's "high" band (7.0-8.9)
    (Severity.HIGH, "7.5"), (Severity.MEDIUM, "7.5"),
])
def test_security_severity_of_a_high_rule(fail_on: Severity, score: str) -> None:
    run = run_of(single(finding("custom-rule", Severity.HIGH, "m", "a.yaml", 1)), fail_on)
    assert run["tool"]["driver"]["rules"][0]["properties"]["security-severity"] == score


@pytest.mark.parametrize("severity", list(Severity))
def test_security_severity_is_in_githubs_range_and_band(severity: Severity) -> None:
    score = float(sarif.security_severity(severity, Severity.INFO))
    band = "critical" if score > 9.0 else "high" if score >= 7.0 else "medium" if score >= 4.0 else "low"
    assert 0.0 < score <= 10.0
    assert band == {"error": "critical", "high": "high", "medium": "medium"}.get(severity.label, "low")


def test_a_waived_result_does_not_raise_the_rules_security_severity() -> None:
    medium = finding("custom-rule", Severity.MEDIUM, "m", "a.yaml", 1, 1, (), WEB)
    high = finding("custom-rule", Severity.HIGH, "h", "a.yaml", 9, 1, (), WEB)
    report = Report(findings=[medium], waived=[Waived(high, "accepted risk", "config")])
    rule = run_of(report, Severity.HIGH)["tool"]["driver"]["rules"][0]
    assert rule["properties"]["security-severity"] == "5.0"
    only_waived = Report(waived=[Waived(high, "accepted risk", "config")])
    assert run_of(only_waived, Severity.HIGH)["tool"]["driver"]["rules"][0]["properties"]["security-severity"] == "7.5"
