"""Every format in a pull-request gate run (``report.gate`` set): only new findings and removed
guardrails fail, persisting ones never do, and each format says which is which."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema_rs
import pytest
from gatedata import (
    BASE,
    HEAD,
    NEW_HIGH,
    gate_report,
    gated,
    passing_gate_report,
)
from reportdata import WEB, finding, make_report
from sarif_subset import SARIF_SUBSET

from gitops_gen.model import Change, GateSummary, Report, Severity
from gitops_gen.reporters import FORMATS, LineLinks, SourceRoot, github, jsonfmt, junit, markdown, render, sarif, text

SHA = "0123456789abcdef0123456789abcdef01234567"
LINKS = LineLinks(f"https://github.com/org/repo/blob/{SHA}", SourceRoot("/repo", "/repo", True))
GITHUB_ENV = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "org/repo", "GITHUB_SHA": SHA}


@pytest.fixture(autouse=True)
def _no_github_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in GITHUB_ENV:
        monkeypatch.delenv(name, raising=False)


# -- every format -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("show_all", [False, True])
def test_output_does_not_depend_on_input_order(fmt: str, show_all: bool) -> None:
    expected = render(fmt, gate_report(show_all=show_all), tool_version="1.0.0")
    rng = random.Random(3)
    for _ in range(5):
        shuffled = gate_report(show_all=show_all)
        rng.shuffle(shuffled.findings)
        rng.shuffle(shuffled.checked)
        assert render(fmt, shuffled, tool_version="1.0.0") == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_without_gate_renders_as_before(fmt: str) -> None:
    """Findings that carry no change class, in a report with no gate, are rendered as today."""
    plain = make_report()
    assert render(fmt, plain, tool_version="1.0.0") == render(fmt, dataclasses.replace(plain, gate=None),
                                                             tool_version="1.0.0")
    assert "gate" not in render(fmt, plain, tool_version="1.0.0").lower()


# -- text ---------------------------------------------------------------------------------------


def test_text_marks_the_classes_and_ends_with_the_verdict() -> None:
    lines = text.render(gate_report(show_all=True)).splitlines()
    by_rule = {line.split(" ")[2].rstrip(":"): line for line in lines[:-2]}
    assert by_rule["host-network"].endswith("[Deployment team-a/web] [persisting]")
    assert by_rule["guardrail-removed"].endswith("[guardrail removed]")
    assert "[resolved]" in lines[next(i for i, ln in enumerate(lines) if "ml/train.yaml" in ln)]
    assert by_rule["run-as-root"].endswith("[Deployment team-a/web]")  # new: the norm, not marked
    assert lines[-1] == ("gate failed: 3 findings at or above medium fail the gate (4 new, 1 guardrail removed, "
                         f"1 resolved, 1 persisting; base {BASE}, head {HEAD})")


def test_text_a_gate_with_only_persisting_findings_passes() -> None:
    last = text.render(passing_gate_report()).splitlines()[-1]
    assert last.startswith("gate passed: nothing new at or above medium (0 new, 0 guardrails removed")
    assert text.render(passing_gate_report(), color=True).splitlines()[-1].startswith("\x1b[1;32mgate passed")
    nothing_listed = Report(files=2, gate=GateSummary(BASE, HEAD, persisting=3))
    assert text.render(nothing_listed).splitlines()[0] == "No new findings in 0 resources, 2 files."


# -- markdown -----------------------------------------------------------------------------------


def test_markdown_comment_layout() -> None:
    out = markdown.render(gate_report(), links=LINKS)
    lines = out.splitlines()
    assert lines[0] == markdown.GATE_MARKER == "<!-- gitops-gen:gate -->"
    assert lines[1] == "## ❌ gitops-gen gate failed: 3 findings fail the gate"
    assert "**4 new, 1 guardrail removed, 1 resolved, 1 persisting**" in lines[3]
    assert f"`{BASE}`" in lines[3]
    # removed guardrails first, then the new findings by render unit (no unit last), then by file
    headings = [ln for ln in lines if ln.startswith(("###", "**`"))]
    assert headings == [
        "### Guardrails removed (1)",
        "### New findings (4)",
        "#### Argo CD Application `web`", "**`apps/web.yaml`**",
        "#### kustomization `rbac`", "**`rbac/admin.yaml`**",
        "#### Not produced by a render unit", "**`notes/x.yaml`**",
    ]
    # persisting and resolved are only counted without --all
    assert "<details>" not in out and "host-network" not in out
    assert out.endswith("\n") and not out.endswith("\n\n")


def test_markdown_items_link_to_the_line_in_head() -> None:
    out = markdown.render(gate_report(), links=LINKS)
    blob = f"https://github.com/org/repo/blob/{SHA}"
    assert (f"- ❌ **high** `run-as-root` at [line 21]({blob}/apps/web.yaml#L21) on Deployment team-a/web: "
            'container "web" may run as root') in out
    assert f"- ℹ️ **low** `wildcard-verbs` at [line 9]({blob}/rbac/admin.yaml#L9) on ClusterRole admin" in out  # noqa: RUF001
    # a removed guardrail is in the base tree: its location is shown, not linked to head
    assert "- ❌ **high** `guardrail-removed` at `apps/netpol.yaml:3` on NetworkPolicy team-a/default-deny" in out


def test_markdown_without_links_shows_plain_locations() -> None:
    out = markdown.render(gate_report())
    assert "](" not in out
    assert "- ❌ **high** `run-as-root` at line 21 on Deployment team-a/web" in out


def test_markdown_all_lists_persisting_and_resolved_collapsed() -> None:
    out = markdown.render(gate_report(show_all=True), links=LINKS)
    persisting = out.index("<summary>1 persisting finding (already in the base)</summary>")
    resolved = out.index("<summary>1 resolved finding (in the base, fixed in head)</summary>")
    assert out.index("### New findings") < persisting < resolved
    assert "- ▫️ **high** `host-network` at [line 25](" in out[persisting:resolved]
    # a resolved finding's line is in the base tree: not linked
    assert "- ▫️ **medium** `latest-tag` at line 40 on PyTorchJob ml/train\\|gpu" in out[resolved:]
    assert out.count("<details>") == out.count("</details>") == 2


def test_markdown_passing_gate() -> None:
    out = markdown.render(passing_gate_report())
    assert out.splitlines()[1] == "## ✅ gitops-gen gate passed: nothing new at or above medium"
    assert "No new findings and no removed guardrails." in out
    assert "❌" not in out.split("\n", 2)[2]


def test_markdown_escapes_untrusted_text() -> None:
    hostile = gated(finding("run-as-root", Severity.HIGH, "x <img src=y> `a` | b\n# h", "apps/w e.yaml", 2, 1,
                            (), WEB), Change.NEW, "app:<script>")
    report = Report(findings=[hostile], gate=GateSummary("main", "HEAD", new=1))
    out = markdown.render(report, links=LINKS)
    assert "<img" not in out and "<script>" not in out
    assert "x &lt;img src=y&gt; \\`a\\` \\| b<br>\\# h" in out
    assert "#### Argo CD Application &lt;script&gt;" in out
    assert "apps/w%20e.yaml#L2" in out


def test_markdown_truncation_keeps_guardrails_and_failing_findings() -> None:
    out = markdown.render(gate_report(), max_rows=2)
    assert "guardrail-removed" in out and "run-as-root" in out
    assert "latest-tag" not in out and "wildcard-verbs" not in out
    assert "_3 more findings not shown" in out


def test_render_links_from_the_github_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    for name, value in GITHUB_ENV.items():
        monkeypatch.setenv(name, value)
    out = render("markdown", gate_report())
    assert f"https://github.com/org/repo/blob/{SHA}/apps/web.yaml#L21" in out
    monkeypatch.setenv("GITHUB_REPOSITORY", "org/repo) [x](javascript:alert(1)")
    assert "](" not in render("markdown", gate_report())


@pytest.mark.parametrize(("env", "ok"), [
    (GITHUB_ENV, True),
    ({**GITHUB_ENV, "GITHUB_SERVER_URL": "https://ghe.example.com/"}, True),
    ({**GITHUB_ENV, "GITHUB_SHA": "main"}, False),
    ({**GITHUB_ENV, "GITHUB_SERVER_URL": "javascript:alert(1)"}, False),
    ({k: v for k, v in GITHUB_ENV.items() if k != "GITHUB_REPOSITORY"}, False),
])
def test_line_links_from_environment(env: dict[str, str], ok: bool) -> None:
    links = LineLinks.from_github_env(env, SourceRoot("/repo", "/repo/sub", True))
    assert (links is not None) == ok
    if links is not None:
        assert links.url("a.yaml", 3) == f"{env['GITHUB_SERVER_URL'].rstrip('/')}/org/repo/blob/{SHA}/sub/a.yaml#L3"
        assert links.url("../../elsewhere.yaml", 3) is None


# -- github -------------------------------------------------------------------------------------


def test_github_most_important_first_and_verdict_last() -> None:
    lines = github.render(gate_report(show_all=True)).splitlines()
    assert [ln.split(" ", 1)[0] for ln in lines[:-1]] == ["::error", "::error", "::error", "::notice", "::notice",
                                                          "::notice"]
    assert "title=guardrail-removed (guardrail removed)::" in lines[0]
    assert "title=run-as-root (new)::" in lines[1]  # high before medium
    assert "title=latest-tag (new)::" in lines[2]
    assert "title=host-network (persisting)::" in lines[5]  # persisting last, never an error
    assert not any("ml/train.yaml" in ln for ln in lines)  # resolved: its line is not in head
    assert lines[-1].startswith("gitops-gen gate failed: 3 findings at or above medium fail the gate")


def test_github_persisting_findings_are_never_errors() -> None:
    lines = github.render(passing_gate_report(), fail_on=Severity.INFO).splitlines()
    assert lines[0].startswith("::notice ") and "host-network (persisting)" in lines[0]
    assert lines[-1].startswith("gitops-gen gate passed")
    assert not any(ln.startswith("::error") for ln in lines)


def test_github_verdict_cannot_start_a_command() -> None:
    report = Report(gate=GateSummary("main\n::error::x", "HEAD"))
    (line,) = github.render(report).splitlines()
    assert line == "gitops-gen gate passed: nothing new at or above medium (0 new, 0 guardrails removed, " \
                   "0 resolved, 0 persisting; base main\\n::error::x, head HEAD)"


# -- sarif --------------------------------------------------------------------------------------

VALIDATOR = jsonschema_rs.Draft7Validator(SARIF_SUBSET, validate_formats=True)


def sarif_run(report: Report, fail_on: Severity = Severity.MEDIUM) -> dict[str, Any]:
    log = json.loads(sarif.render(report, tool_version="1.0.0", fail_on=fail_on))
    assert VALIDATOR.is_valid(log)
    run: dict[str, Any] = log["runs"][0]
    return run


def test_sarif_lists_only_what_the_pull_request_adds() -> None:
    run = sarif_run(gate_report(show_all=True))
    results = run["results"]
    assert sorted((r["ruleId"], r["properties"]["change"]) for r in results) == [
        ("guardrail-removed", "guardrail-removed"), ("latest-tag", "new"), ("run-as-root", "new"),
        ("wildcard-verbs", "new"), ("yaml-syntax", "new")]
    assert all(r["baselineState"] == "new" for r in results)
    assert run["automationDetails"] == {"id": "gitops-gen/gate/"}
    assert run["properties"]["gate"] == {"base": BASE, "head": HEAD, "new": 4, "guardrailsRemoved": 1,
                                         "resolved": 1, "persisting": 1}
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {r["ruleId"] for r in results}
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels == {"guardrail-removed": "error", "latest-tag": "error", "run-as-root": "error",
                      "wildcard-verbs": "note", "yaml-syntax": "note"}


def test_sarif_fingerprints_come_from_the_key_not_the_line() -> None:
    (result,) = sarif_run(Report(findings=[NEW_HIGH], gate=GateSummary(BASE, HEAD, new=1)))["results"]
    digest = hashlib.sha256(NEW_HIGH.details["key"].encode()).hexdigest()
    assert result["partialFingerprints"] == {"gitopsGenKey/v1": f"{digest}:1"}
    moved = dataclasses.replace(NEW_HIGH, line=NEW_HIGH.line + 40)
    (again,) = sarif_run(Report(findings=[moved], gate=GateSummary(BASE, HEAD, new=1)))["results"]
    assert again["partialFingerprints"] == result["partialFingerprints"]
    assert again["locations"][0]["physicalLocation"]["region"]["startLine"] == 61


def test_sarif_without_gate_has_no_category_and_the_old_fingerprint() -> None:
    run = sarif_run(make_report())
    assert "automationDetails" not in run and "gate" not in run["properties"]
    assert all(list(r["partialFingerprints"]) == ["gitopsGen/v1"] for r in run["results"])
    assert all("baselineState" not in r for r in run["results"])


def test_sarif_passing_gate_has_no_results() -> None:
    run = sarif_run(passing_gate_report())
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


# -- json ---------------------------------------------------------------------------------------


def test_json_findings_carry_change_and_key_and_the_gate_summary() -> None:
    data = json.loads(jsonfmt.render(gate_report(show_all=True)))
    assert list(data) == ["findings", "summary", "gate", "waived"]
    assert data["gate"] == {"base": BASE, "head": HEAD, "passed": False, "new": 4, "guardrails_removed": 1,
                            "resolved": 1, "persisting": 1}
    for item in data["findings"]:
        assert list(item)[8:10] == ["change", "key"]
        assert item["key"] == item["details"]["key"]
    changes = sorted(item["change"] for item in data["findings"])
    assert changes == ["guardrail-removed", "new", "new", "new", "new", "persisting", "resolved"]
    assert data["summary"]["failing"] == 3


def test_json_passing_gate() -> None:
    data = json.loads(jsonfmt.render(passing_gate_report(), fail_on=Severity.INFO))
    assert data["gate"]["passed"] is True and data["summary"]["failing"] == 0


# -- junit --------------------------------------------------------------------------------------


def suite_of(report: Report, fail_on: Severity = Severity.MEDIUM) -> ET.Element:
    root = ET.fromstring(junit.render(report, fail_on=fail_on))
    suite = root.find("testsuite")
    assert suite is not None
    return suite


def test_junit_new_findings_and_guardrails_fail_persisting_do_not() -> None:
    suite = suite_of(gate_report(show_all=True))
    assert (suite.get("failures"), suite.get("errors")) == ("2", "0")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    removed = cases["NetworkPolicy team-a/default-deny"].find("failure")
    assert removed is not None and "guardrail removed: high guardrail-removed" in (removed.text or "")
    web = cases["Deployment team-a/web"]
    failure = web.find("failure")
    assert failure is not None and failure.get("type") == "run-as-root"
    assert "host-network" not in (failure.text or "")
    out = web.find("system-out")
    assert out is not None and out.text == (f"persisting (already in {BASE}): line 25, column 7: high host-network: "
                                            "pod uses the host network")
    assert cases["PyTorchJob ml/train|gpu"].find("failure") is None


def test_junit_suite_records_the_gate() -> None:
    suite = suite_of(gate_report(show_all=True))
    children = list(suite)
    assert children[0].tag == "properties" and children[-1].tag == "system-out"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["gitops-gen.gate.base"] == BASE and props["gitops-gen.gate.new"] == "4"
    output = (children[-1].text or "").splitlines()
    assert output[0].startswith("gitops-gen gate failed:")
    assert output[1:] == ["resolved: ml/train.yaml: line 40, column 18: medium latest-tag: image uses tag latest"]


def test_junit_passing_gate_has_no_failures_even_at_info() -> None:
    suite = suite_of(passing_gate_report(), fail_on=Severity.INFO)
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("0", "0", "0")


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_agrees_with_the_exit_code(fmt: str) -> None:
    """A gate whose findings are all persisting exits 0: no format shows a failure or an error."""
    out = render(fmt, passing_gate_report(), tool_version="1.0.0", fail_on=Severity.INFO)
    assert "::error" not in out and "❌" not in out
    assert not re.search(r'failures="[1-9]|"level": "error"|"failsCheck": true|"passed": false', out)
    assert "gate failed" not in out
    assert ("gate passed" in out) == (fmt in ("text", "github", "junit", "markdown"))
