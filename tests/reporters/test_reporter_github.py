from __future__ import annotations

import re

import pytest
from reportdata import WEB, finding, single

from gitops_gen.model import Report, Severity
from gitops_gen.reporters import github

COMMAND = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<data>.*)$")


def runner_unescape_data(text: str) -> str:
    """What the Actions runner does to a command's data (reverse order of escaping)."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def runner_unescape_property(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    props = dict(p.split("=", 1) for p in match["props"].split(","))
    unescaped = {k: runner_unescape_property(v) for k, v in props.items()}
    return match[1], unescaped, runner_unescape_data(match["data"])


def test_annotations_for_the_sample_report(report: Report) -> None:
    assert github.render(report) == (
        "::error file=apps/web.yaml,line=18,col=16,title=latest-tag::image uses tag <latest> & no digest "
        "[Deployment team-a/web]\n"
        "::error file=apps/web.yaml,line=21,col=9,title=run-as-root::container \"web\" may run as root "
        "[Deployment team-a/web]\n"
        "::error file=broken.yaml,line=3,col=7,title=yaml-syntax::mapping values are not allowed here\n"
        "::notice file=ml/train.yaml,line=30,col=11,title=gpu-limits::GPU request без лимита 🚀 "
        "[PyTorchJob ml/train|gpu]\n"
        "::notice file=rbac/admin.yaml,line=9,col=5,title=wildcard-verbs::"
        "rule grants verbs | all: *%0Asecond line [ClusterRole admin]\n"
    )


@pytest.mark.parametrize(("severity", "command"), [
    (Severity.ERROR, "error"), (Severity.HIGH, "error"), (Severity.MEDIUM, "error"),
    (Severity.LOW, "notice"), (Severity.INFO, "notice"),
])
def test_command_per_severity_at_the_default_threshold(severity: Severity, command: str) -> None:
    out = github.render(single(finding("r", severity, "m", "a.yaml", 1)))
    assert out.startswith(f"::{command} ")


@pytest.mark.parametrize(("fail_on", "severity", "command"), [
    (Severity.ERROR, Severity.ERROR, "error"), (Severity.ERROR, Severity.HIGH, "warning"),
    (Severity.HIGH, Severity.HIGH, "error"), (Severity.HIGH, Severity.MEDIUM, "warning"),
    (Severity.MEDIUM, Severity.MEDIUM, "error"), (Severity.MEDIUM, Severity.LOW, "notice"),
    (Severity.LOW, Severity.LOW, "error"), (Severity.LOW, Severity.INFO, "notice"),
    (Severity.INFO, Severity.INFO, "error"),
])
def test_error_only_at_or_above_the_fail_threshold(fail_on: Severity, severity: Severity, command: str) -> None:
    out = github.render(single(finding("r", severity, "m", "a.yaml", 1)), fail_on=fail_on)
    assert out.startswith(f"::{command} ")


def test_a_run_that_passes_has_no_error_annotations(report: Report) -> None:
    out = github.render(report, fail_on=Severity.ERROR)
    assert [ln.split(" ")[0] for ln in out.splitlines()] == [
        "::warning", "::warning", "::error", "::notice", "::notice"]  # only yaml-syntax is an error
    report.findings[:] = [f for f in report.findings if f.severity < Severity.ERROR]
    assert "::error" not in github.render(report, fail_on=Severity.ERROR)


def test_no_findings_no_output(clean_report: Report) -> None:
    assert github.render(clean_report) == ""


def test_waived_findings_are_not_annotated(report: Report) -> None:
    report.findings.clear()
    assert github.render(report) == ""


def test_escaping_of_data_and_properties() -> None:
    f = finding("odd:rule,x", Severity.HIGH, "50% done\r\nnext: a, b", "dir,x/a:b%.yaml", 4, 2)
    line = github.render(single(f)).rstrip("\n")
    assert line == ("::error file=dir%2Cx/a%3Ab%25.yaml,line=4,col=2,title=odd%3Arule%2Cx"
                    "::50%25 done%0D%0Anext: a, b")
    command, props, data = parse(line)
    assert command == "error"
    assert props == {"file": "dir,x/a:b%.yaml", "line": "4", "col": "2", "title": "odd:rule,x"}
    assert data == "50% done\r\nnext: a, b"


def test_a_message_cannot_inject_a_workflow_command() -> None:
    f = finding("r", Severity.LOW, "x\n::add-mask::secret\r\n::set-env name=A::b", "a.yaml", 1, resource=WEB)
    out = github.render(single(f))
    assert out.count("\n") == 1
    assert [ln for ln in out.splitlines() if ln.startswith("::")] == [out.rstrip("\n")]
    data = parse(out.rstrip("\n"))[2]
    assert data == "x\n::add-mask::secret\r\n::set-env name=A::b [Deployment team-a/web]"


@pytest.mark.parametrize("value", ["%0A", "%%25", "a%3Ab", "100%", ",:%\r\n", "ü/ß,é:漢"])
def test_escaping_round_trips(value: str) -> None:
    assert runner_unescape_data(github.escape_data(value)) == value
    assert runner_unescape_property(github.escape_property(value)) == value


def test_windows_paths_become_forward_slashes_and_missing_positions_are_left_out() -> None:
    f = finding("r", Severity.MEDIUM, "m", "apps\\web.yaml", 0, 0)
    assert github.render(single(f), fail_on=Severity.HIGH) == "::warning file=apps/web.yaml,title=r::m\n"
