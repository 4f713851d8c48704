from __future__ import annotations

import re

import pytest
from reportdata import WEB, finding, single

from gitops_gen.model import Report, Severity
from gitops_gen.reporters import text

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_one_line_per_finding_sorted_then_summary(report: Report) -> None:
    assert text.render(report) == (
        "apps/web.yaml:18:16: medium latest-tag: image uses tag <latest> & no digest "
        "[Deployment team-a/web]\n"
        'apps/web.yaml:21:9: high run-as-root: container "web" may run as root [Deployment team-a/web]\n'
        "broken.yaml:3:7: error yaml-syntax: mapping values are not allowed here\n"
        "ml/train.yaml:30:11: info gpu-limits: GPU request без лимита 🚀 [PyTorchJob ml/train|gpu]\n"
        "rbac/admin.yaml:9:5: low wildcard-verbs: rule grants verbs | all: *\\nsecond line "
        "[ClusterRole admin]\n"
        "5 findings (1 error, 1 high, 1 medium, 1 low, 1 info) in 4 resources, 5 files (2 waived); "
        "3 at or above medium fail the check.\n"
    )


def test_no_findings(clean_report: Report) -> None:
    assert text.render(clean_report) == "No findings in 40 resources, 10 files.\n"


def test_no_findings_but_waived(report: Report) -> None:
    report.findings.clear()
    assert text.render(report) == "No findings in 4 resources, 5 files (2 waived).\n"


def test_singular_and_only_present_severities() -> None:
    out = text.render(single(finding("r", Severity.HIGH, "m", "a.yaml", 2, 3, resource=WEB)))
    assert out.splitlines()[-1] == "1 finding (1 high) in 1 resource, 1 file; 1 at or above medium fails the check."


def test_summary_breakdown_lists_worst_first() -> None:
    fs = [finding("r", s, "m", "a.yaml", i + 1) for i, s in enumerate([Severity.LOW, Severity.ERROR] * 3)]
    out = text.render(Report(findings=fs, files=1))
    assert out.splitlines()[-1] == ("6 findings (3 error, 3 low) in 0 resources, 1 file; "
                                    "3 at or above medium fail the check.")


@pytest.mark.parametrize(("fail_on", "gate"), [
    (Severity.ERROR, "1 at or above error fails the check"),
    (Severity.HIGH, "2 at or above high fail the check"),
    (Severity.LOW, "4 at or above low fail the check"),
])
def test_summary_says_how_many_findings_fail_the_check(report: Report, fail_on: Severity, gate: str) -> None:
    assert text.render(report, fail_on=fail_on).splitlines()[-1].endswith(f" (2 waived); {gate}.")


def test_summary_says_when_the_check_passes_despite_findings() -> None:
    medium = single(finding("r", Severity.MEDIUM, "m", "a.yaml", 1))
    assert text.summary(medium, fail_on=Severity.HIGH) == (
        "1 finding (1 medium) in 0 resources, 1 file; none at or above high, so the check passes.")


def test_order_is_file_line_column_rule() -> None:
    fs = [
        finding("b-rule", Severity.LOW, "m", "b.yaml", 1, 1),
        finding("z-rule", Severity.LOW, "m", "a.yaml", 10, 1),
        finding("b-rule", Severity.LOW, "m", "a.yaml", 2, 5),
        finding("a-rule", Severity.LOW, "m", "a.yaml", 2, 5),
        finding("a-rule", Severity.LOW, "m", "a.yaml", 2, 1),
    ]
    lines = text.render(Report(findings=fs)).splitlines()[:-1]
    assert [ln.split(" ")[0] + ln.split(" ")[2] for ln in lines] == [
        "a.yaml:2:1:a-rule:", "a.yaml:2:5:a-rule:", "a.yaml:2:5:b-rule:",
        "a.yaml:10:1:z-rule:", "b.yaml:1:1:b-rule:",
    ]


def test_color_only_when_asked(report: Report) -> None:
    plain = text.render(report)
    colored = text.render(report, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[31mhigh\x1b[0m" in colored
    assert "\x1b[1;31merror\x1b[0m" in colored
    assert ANSI.sub("", colored) == plain


def test_summary_is_red_exactly_when_the_check_fails(clean_report: Report) -> None:
    assert text.summary(clean_report, color=True).startswith("\x1b[32m")
    medium = single(finding("r", Severity.MEDIUM, "m", "a.yaml", 1))
    assert text.summary(medium, color=True).startswith("\x1b[1;31m")
    assert text.summary(medium, color=True, fail_on=Severity.MEDIUM).startswith("\x1b[1;31m")
    assert text.summary(medium, color=True, fail_on=Severity.HIGH).startswith("\x1b[1;33m")


def test_hostile_text_cannot_break_lines_or_drive_the_terminal() -> None:
    message = "bad \x1b[2J\x1b]0;pwned\x07 value\r\nnext \u202eevil\ttab"
    f = finding("r", Severity.HIGH, message, "we\nird.yaml", 1, 1, resource=WEB)
    out = text.render(single(f))
    assert len(out.splitlines()) == 2
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\r" not in out
    assert out.splitlines()[0] == (
        "we\\nird.yaml:1:1: high r: bad \\u001b[2J\\u001b]0;pwned\\u0007 value\\r\\nnext \\u202eevil\\ttab "
        "[Deployment team-a/web]")
