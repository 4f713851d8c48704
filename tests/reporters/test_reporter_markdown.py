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


def finding_rows(out: str) -> list[list[str]]:
    rows = [ln for ln in out.splitlines() if ln.startswith("| ")]
    start = rows.index("| Location | Severity | Rule | Resource | Message |")
    body = []
    for row in rows[start + 2:]:
        if row.startswith("| Location | Rule |"):
            break
        body.append(cells(row))
    return body


def test_sample_report(report: Report) -> None:
    assert markdown.render(report) == """\
## ❌ gitops-gen: 5 findings

| Severity | Findings |
| --- | ---: |
| error | 1 |
| high | 1 |
| medium | 1 |
| low | 1 |
| info | 1 |

Checked 4 resources in 5 files.

| Location | Severity | Rule | Resource | Message |
| --- | --- | --- | --- | --- |
| `broken.yaml:3` | error | `yaml-syntax` |  | mapping values are not allowed here |
| `apps/web.yaml:21` | high | `run-as-root` | Deployment team-a/web | container "web" may run as root |
| `apps/web.yaml:18` | medium | `latest-tag` | Deployment team-a/web | image uses tag &lt;latest&gt; &amp; no digest |
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
    assert ("_4 more findings not shown (the table lists the worst 3 of 7); "
            "see the full report in the job log or artifacts._") in out
    assert "| error | 2 |" in out and "| low | 2 |" in out  # the counts cover every finding


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
    out = markdown.render(single(finding("r", Severity.LOW, "m", "a.yaml", 1, resource=WEB)))
    assert out.startswith("## ❌ gitops-gen: 1 finding\n")
    assert "Checked 1 resource in 1 file." in out
