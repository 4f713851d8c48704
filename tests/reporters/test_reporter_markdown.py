from __future__ import annotations

import re

import pytest
from reportdata import WEB, finding, single

from gitops_gen.model import Report, ResourceRef, Severity
from gitops_gen.reporters import markdown

CELL_SPLIT = re.compile(r"(?<!\\)\|")


def cells(row: str) -> list[str]:
    """The cells of a GFM table row (an escaped ``\\|`` stays inside its cell)."""
    assert row.startswith("| ") and row.endswith(" |"), row
    return [c.strip() for c in CELL_SPLIT.split(row)[1:-1]]


FINDINGS_HEADER = "| Location | Severity | Rule | Resource | Message |"


def finding_rows(out: str) -> list[list[str]]:
    """The rows of the findings tables (failing, then below the threshold), in order."""
    rows = [ln for ln in out.splitlines() if ln.startswith("| ")]
    start = rows.index(FINDINGS_HEADER)
    body = []
    for row in rows[start + 2:]:
        if row.startswith("| Location | Rule |"):
            break
        if row not in (FINDINGS_HEADER, "| --- | --- | --- | --- | --- |"):
            body.append(cells(row))
    return body


def test_sample_report(report: Report) -> None:
    assert markdown.render(report) == """\
## ❌ gitops-gen: 3 of 5 findings fail the check

| Severity | Findings | Fails the check |
| --- | ---: | --- |
| error | 1 | yes |
| high | 1 | yes |
| medium | 1 | yes |
| low | 1 | no |
| info | 1 | no |

Checked 4 resources in 5 files. Findings of severity `medium` or worse fail the check.

### Failing the check (3)

| Location | Severity | Rule | Resource | Message |
| --- | --- | --- | --- | --- |
| `broken.yaml:3` | error | `yaml-syntax` |  | mapping values are not allowed here |
| `apps/web.yaml:21` | high | `run-as-root` | Deployment team-a/web | container "web" may run as root |
| `apps/web.yaml:18` | medium | `latest-tag` | Deployment team-a/web | image uses tag &lt;latest&gt; &amp; no digest |

### Below the fail threshold (2)

| Location | Severity | Rule | Resource | Message |
| --- | --- | --- | --- | --- |
| `rbac/admin.yaml:9` | low | `wildcard-verbs` | ClusterRole admin | rule grants verbs \\| all: \\*<br>second line |
| `ml/train.yaml:30` | info | `gpu-limits` | PyTorchJob ml/train\\|gpu | GPU request без лимита 🚀 |

<details>
<summary>2 waived findings</summary>

| Location | Rule | Resource | Reason | Waived by |
| --- | --- | --- | --- | --- |
| `apps/web.yaml:25` | `host-network` | Deployment team-a/web | CNI debug, ticket OPS-12 | config |
| `ml/train.yaml:40` | `latest-tag` | PyTorchJob ml/train\\|gpu | pinned by Argo CD Image Updater | annotation |

</details>
"""


def test_no_findings(clean_report: Report) -> None:
    assert markdown.render(clean_report) == (
        "## ✅ gitops-gen: no findings\n\nNo findings in 40 resources, 10 files.\n")


def test_no_findings_but_waived(report: Report) -> None:
    report.findings.clear()
    out = markdown.render(report)
    assert out.startswith(
        "## ✅ gitops-gen: no findings\n\nNo findings in 4 resources, 5 files.\n\n<details>\n")
    assert "<summary>2 waived findings</summary>" in out
    assert out.endswith("</details>\n")


def test_truncated_after_max_rows_keeping_the_worst() -> None:
    severities = [Severity.LOW, Severity.INFO, Severity.ERROR, Severity.MEDIUM, Severity.HIGH,
                  Severity.LOW, Severity.ERROR]
    fs = [finding(f"rule-{i}", s, f"m{i}", "a.yaml", i + 1) for i, s in enumerate(severities)]
    out = markdown.render(Report(findings=fs, files=1), max_rows=3)
    rows = finding_rows(out)
    assert [(r[1], r[0]) for r in rows] == [
        ("error", "`a.yaml:3`"), ("error", "`a.yaml:7`"), ("high", "`a.yaml:5`")]
    assert ("_4 more findings not shown (only the worst 3 of 7 are listed); "
            "see the full report in the job log or artifacts._") in out
    assert "### Failing the check (4)" in out  # the headings count every finding
    assert "### Below the fail threshold" not in out  # none of those made the cut
    assert "| error | 2 | yes |" in out and "| low | 2 | no |" in out  # the counts cover every finding


def test_default_row_limit() -> None:
    fs = [finding("r", Severity.LOW, "m", "a.yaml", i + 1) for i in range(markdown.DEFAULT_MAX_ROWS + 20)]
    out = markdown.render(Report(findings=fs))
    assert len(finding_rows(out)) == markdown.DEFAULT_MAX_ROWS
    assert "_20 more findings not shown" in out


def test_invalid_row_limit() -> None:
    with pytest.raises(ValueError, match="max_rows"):
        markdown.render(Report(), max_rows=0)


def test_hostile_text_stays_in_its_cell_and_is_inert() -> None:
    message = ("a|b \\| c\nd\r\ne `x` **bold** _em_ [link](https://x.invalid) ![i](y) "
               "<script>alert(1)</script> &amp; <details> # not a heading ~~s~~ \x1b[31m")
    f = finding("weird|rule", Severity.HIGH, message, "dir with `tick`|x.yaml", 4, 1, (),
                ResourceRef("v1", "Pod", "ns|x", "p<b>`"))
    out = markdown.render(single(f))
    (row,) = finding_rows(out)
    assert len(row) == 5
    text = row[4]
    assert "<script" not in out and "<details> #" not in out and "\x1b" not in out
    assert "&lt;script&gt;" in text and "&amp;amp;" in text
    for raw in ("**", "`x`", "[link]", "![i]", "~~", "_em_"):
        assert raw not in text
    assert text.count("<br>") == 2
    assert row[0] == "dir with \\`tick\\`\\|x.yaml:4"
    assert row[2] == "weird\\|rule"
    assert row[3] == "Pod ns\\|x/p&lt;b&gt;\\`"


def test_long_messages_are_clipped() -> None:
    out = markdown.render(single(finding("r", Severity.LOW, "x" * 2000, "a.yaml", 1)))
    (row,) = finding_rows(out)
    assert row[4] == "x" * (markdown.MAX_MESSAGE_CHARS - 1) + "…"


def test_singular_heading() -> None:
    out = markdown.render(single(finding("r", Severity.LOW, "m", "a.yaml", 1, resource=WEB)), fail_on=Severity.LOW)
    assert out.startswith("## ❌ gitops-gen: 1 finding fails the check\n")
    assert "Checked 1 resource in 1 file." in out


@pytest.mark.parametrize(("fail_on", "heading", "gate_column"), [
    (Severity.HIGH, "## ✅ gitops-gen: check passed, 1 finding below high",
     ["yes", "yes", "no", "no", "no"]),
    (Severity.MEDIUM, "## ❌ gitops-gen: 1 finding fails the check",
     ["yes", "yes", "yes", "no", "no"]),
])
def test_a_medium_finding_on_both_sides_of_the_threshold(fail_on: Severity, heading: str,
                                                         gate_column: list[str]) -> None:
    out = markdown.render(single(finding("r", Severity.MEDIUM, "m", "a.yaml", 1, resource=WEB)), fail_on=fail_on)
    lines = out.splitlines()
    assert lines[0] == heading
    severity_rows = [cells(ln) for ln in lines[4:9]]
    assert [(r[0], r[2]) for r in severity_rows] == list(zip(["error", "high", "medium", "low", "info"],
                                                            gate_column, strict=True))
    assert f"Findings of severity `{fail_on.label}` or worse fail the check." in out
    section = "### Below the fail threshold (1)" if fail_on is Severity.HIGH else "### Failing the check (1)"
    assert section in out
    assert len(finding_rows(out)) == 1


def test_some_findings_fail_the_check(report: Report) -> None:
    out = markdown.render(report, fail_on=Severity.ERROR)
    assert out.startswith("## ❌ gitops-gen: 1 of 5 findings fails the check\n")
    failing = out[out.index("### Failing the check (1)"):out.index("### Below the fail threshold (4)")]
    assert "`yaml-syntax`" in failing and "`run-as-root`" not in failing
