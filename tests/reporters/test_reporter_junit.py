from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from reportdata import ADMIN, WEB, finding, single

from gitops_gen.model import CheckedResource, Report, ResourceRef, Severity, Waived
from gitops_gen.reporters import junit


def parse(report: Report, fail_on: Severity = Severity.MEDIUM) -> ET.Element:
    out = junit.render(report, fail_on=fail_on)
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(out.encode("utf-8"))


def suite_of(report: Report, fail_on: Severity = Severity.MEDIUM) -> ET.Element:
    root = parse(report, fail_on)
    assert root.tag == "testsuites"
    (suite,) = root
    assert suite.tag == "testsuite" and suite.get("name") == "gitops-gen"
    return suite


def cases(suite: ET.Element) -> dict[tuple[str | None, str | None], ET.Element]:
    return {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}


def counts(element: ET.Element) -> tuple[str | None, ...]:
    return tuple(element.get(k) for k in ("tests", "failures", "errors", "skipped"))


def test_one_testcase_per_resource_plus_file_level(report: Report) -> None:
    root = parse(report)
    suite = suite_of(report)
    assert list(cases(suite)) == [
        ("apps/ns.yaml", "Namespace team-a"),
        ("apps/web.yaml", "Deployment team-a/web"),
        ("broken.yaml", "broken.yaml"),
        ("ml/train.yaml", "PyTorchJob ml/train|gpu"),
        ("rbac/admin.yaml", "ClusterRole admin"),
    ]
    # at the default threshold (medium) the low and info findings fail nothing
    assert counts(suite) == counts(root) == ("5", "1", "1", "0")


def test_failure_lists_every_finding_of_the_resource(report: Report) -> None:
    web = cases(suite_of(report))[("apps/web.yaml", "Deployment team-a/web")]
    (failure,) = web.findall("failure")
    assert failure.get("type") == "run-as-root"  # the worst finding names the failure
    assert failure.get("message") == 'container "web" may run as root'
    assert failure.text == (
        "line 18, column 16: medium latest-tag: image uses tag <latest> & no digest\n"
        'line 21, column 9: high run-as-root: container "web" may run as root')
    assert web.findtext("system-out") == (
        "waived (config): line 25, column 7: high host-network: pod uses the host network "
        "(reason: CNI debug, ticket OPS-12)")


def test_clean_resource_passes(report: Report) -> None:
    ns = cases(suite_of(report))[("apps/ns.yaml", "Namespace team-a")]
    assert list(ns) == []


def test_file_level_findings_are_errors(report: Report) -> None:
    broken = cases(suite_of(report))[("broken.yaml", "broken.yaml")]
    (error,) = broken
    assert error.tag == "error"
    assert error.get("type") == "yaml-syntax"
    assert error.text == "line 3, column 7: error yaml-syntax: mapping values are not allowed here"


def test_resource_with_only_waived_findings_passes() -> None:
    f = finding("host-network", Severity.HIGH, "m", "a.yaml", 5, 3, (), WEB)
    report = Report(checked=[CheckedResource(WEB, "a.yaml", 1)], waived=[Waived(f, "ok", "annotation")])
    suite = suite_of(report)
    assert counts(suite) == ("1", "0", "0", "0")
    (case,) = suite
    assert [child.tag for child in case] == ["system-out"]
    assert "(reason: ok)" in (case.findtext("system-out") or "")


def test_clean_report(clean_report: Report) -> None:
    suite = suite_of(clean_report)
    assert counts(suite) == ("40", "0", "0", "0")
    assert not list(suite.iter("failure"))


def test_same_identity_twice_in_one_file_splits_findings_by_line() -> None:
    checked = [CheckedResource(ADMIN, "rbac.yaml", 1), CheckedResource(ADMIN, "rbac.yaml", 20)]
    findings = [finding("r", Severity.HIGH, "first", "rbac.yaml", 5, 1, (), ADMIN),
                finding("r", Severity.HIGH, "second", "rbac.yaml", 25, 1, (), ADMIN)]
    suite = suite_of(Report(findings=findings, checked=checked))
    assert counts(suite) == ("2", "2", "0", "0")
    assert [c.get("message") for c in suite.iter("failure")] == ["first", "second"]
    assert [len(c.findall("failure")) for c in suite] == [1, 1]


def test_finding_on_a_resource_not_listed_as_checked_gets_its_own_case() -> None:
    other = ResourceRef("v1", "Service", "team-a", "web")
    report = single(finding("r", Severity.MEDIUM, "m", "svc.yaml", 3, 1, (), other))
    report.checked.clear()
    assert list(cases(suite_of(report))) == [("svc.yaml", "Service team-a/web")]


def test_escaping_and_characters_xml_cannot_carry() -> None:
    message = 'a <b> & "c" \'d\' ]]> \x00\x0b\x1b\ufffe 🚀 без\nnext'
    f = finding("r", Severity.HIGH, message, "dir/<x>&.yaml", 2, 1, (), WEB)
    out = junit.render(single(f))
    case = next(ET.fromstring(out.encode("utf-8")).iter("testcase"))
    assert case.get("classname") == "dir/<x>&.yaml"
    failure = case.find("failure")
    assert failure is not None
    expected = 'a <b> & "c" \'d\' ]]> \\u0000\\u000b\\u001b\\ufffe 🚀 без\nnext'
    assert failure.get("message") == expected
    assert failure.text == f"line 2, column 1: high r: {expected}"


def _every_level() -> Report:
    fs = [finding("r" if s is Severity.ERROR else f"r{i}", s, "m" if s is Severity.ERROR else "x",
                  "a.yaml", i + 2, 1, (), WEB) for i, s in enumerate(Severity)]
    return Report(findings=fs, checked=[CheckedResource(WEB, "a.yaml", 1)])


def _severities(lines: str | None) -> list[str]:
    return [line.split(": ")[-2].split()[0] for line in (lines or "").splitlines()]  # "...: <sev> <rule>: m"


def test_severity_appears_for_every_level() -> None:
    (case,) = suite_of(_every_level(), Severity.INFO).iter("testcase")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "r" and failure.get("message") == "m"
    assert _severities(failure.text) == ["info", "low", "medium", "high", "error"]
    assert case.find("system-out") is None


@pytest.mark.parametrize(("fail_on", "failing", "below"), [
    (Severity.ERROR, ["error"], ["info", "low", "medium", "high"]),
    (Severity.HIGH, ["high", "error"], ["info", "low", "medium"]),
    (Severity.MEDIUM, ["medium", "high", "error"], ["info", "low"]),
    (Severity.LOW, ["low", "medium", "high", "error"], ["info"]),
])
def test_findings_below_the_threshold_go_to_system_out(fail_on: Severity, failing: list[str],
                                                       below: list[str]) -> None:
    (case,) = suite_of(_every_level(), fail_on).iter("testcase")
    assert _severities(case.findtext("failure")) == failing
    out = case.findtext("system-out") or ""
    assert _severities(out) == below
    assert all(line.startswith(f"below the fail threshold ({fail_on.label}): line ") for line in out.splitlines())


@pytest.mark.parametrize(("fail_on", "expected"), [
    (Severity.HIGH, ("1", "0", "0", "0")), (Severity.MEDIUM, ("1", "1", "0", "0"))])
def test_a_medium_finding_on_both_sides_of_the_threshold(fail_on: Severity,
                                                         expected: tuple[str, ...]) -> None:
    report = single(finding("run-as-root", Severity.MEDIUM, "may run as root", "a.yaml", 4, 3, (), WEB))
    root = parse(report, fail_on)
    (suite,) = root
    assert counts(root) == counts(suite) == expected
    (case,) = suite.iter("testcase")
    if fail_on is Severity.HIGH:
        assert [child.tag for child in case] == ["system-out"]  # passed, not skipped
        assert case.findtext("system-out") == (
            "below the fail threshold (high): line 4, column 3: medium run-as-root: may run as root")
    else:
        assert [child.tag for child in case] == ["failure"]


def test_file_level_finding_below_the_threshold_is_not_an_error() -> None:
    report = single(finding("symlink-escape", Severity.HIGH, "points outside", "link.yaml", 0, 0))
    assert counts(suite_of(report, Severity.HIGH)) == ("1", "0", "1", "0")
    suite = suite_of(report, Severity.ERROR)
    assert counts(suite) == ("1", "0", "0", "0")
    (case,) = suite.iter("testcase")
    assert [child.tag for child in case] == ["system-out"]


def test_a_clean_run_with_findings_reports_no_failures(report: Report) -> None:
    report.findings[:] = [f for f in report.findings if f.severity < Severity.ERROR]
    assert counts(suite_of(report, Severity.ERROR)) == ("4", "0", "0", "0")


def test_failure_names_the_first_of_the_worst_findings() -> None:
    fs = [finding("late-error", Severity.ERROR, "second", "a.yaml", 9, 1, (), WEB),
          finding("low", Severity.LOW, "low", "a.yaml", 2, 1, (), WEB),
          finding("early-error", Severity.ERROR, "first", "a.yaml", 5, 1, (), WEB)]
    report = Report(findings=fs, checked=[CheckedResource(WEB, "a.yaml", 1)])
    failure = next(suite_of(report).iter("failure"))
    assert (failure.get("type"), failure.get("message")) == ("early-error", "first")
    assert [ln.split(":")[0] for ln in (failure.text or "").splitlines()] == [
        "line 5, column 1", "line 9, column 1"]  # the low finding is below the threshold
