from __future__ import annotations

import json
import random

import pytest
from reportdata import make_report

from gitops_gen.model import Report, Severity
from gitops_gen.reporters import (
    DEFAULT_FAIL_ON,
    FORMATS,
    github,
    installed_version,
    jsonfmt,
    junit,
    markdown,
    render,
    sarif,
    text,
)


def test_formats() -> None:
    assert FORMATS == ("text", "json", "sarif", "junit", "github", "markdown")


def test_render_dispatches_to_each_module(report: Report) -> None:
    assert render("text", report) == text.render(report)
    assert render("text", report, color=True) == text.render(report, color=True)
    assert render("json", report) == jsonfmt.render(report)
    assert render("sarif", report, tool_version="9.9.9") == sarif.render(report, tool_version="9.9.9")
    assert render("junit", report) == junit.render(report)
    assert render("github", report) == github.render(report)
    assert render("markdown", report) == markdown.render(report)


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match=r"unknown output format 'xml' \(choose from text, json, sarif"):
        render("xml", Report())


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_does_not_depend_on_input_order(fmt: str) -> None:
    expected = render(fmt, make_report(), tool_version="1.0.0")
    rng = random.Random(7)
    for _ in range(5):
        shuffled = make_report()
        rng.shuffle(shuffled.findings)
        rng.shuffle(shuffled.checked)
        rng.shuffle(shuffled.waived)
        assert render(fmt, shuffled, tool_version="1.0.0") == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_colour_only_changes_text(fmt: str, report: Report) -> None:
    plain = render(fmt, report, tool_version="1.0.0")
    colored = render(fmt, report, color=True, tool_version="1.0.0")
    assert plain.endswith("\n")
    assert "\x1b" not in plain
    assert (plain == colored) == (fmt != "text")


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_report_renders(fmt: str) -> None:
    out = render(fmt, Report(), tool_version="1.0.0")
    assert out == "" if fmt == "github" else out.endswith("\n")


def test_sarif_records_the_installed_version_by_default(report: Report) -> None:
    version = installed_version()
    assert version
    driver = json.loads(render("sarif", report))["runs"][0]["tool"]["driver"]
    assert driver["version"] == version


def test_render_passes_the_fail_threshold_to_each_module(report: Report) -> None:
    high = Severity.HIGH
    assert render("text", report, fail_on=high) == text.render(report, fail_on=high)
    assert render("json", report, fail_on=high) == jsonfmt.render(report, fail_on=high)
    assert render("sarif", report, tool_version="9.9.9", fail_on=high) == sarif.render(
        report, tool_version="9.9.9", fail_on=high)
    assert render("junit", report, fail_on=high) == junit.render(report, fail_on=high)
    assert render("github", report, fail_on=high) == github.render(report, fail_on=high)
    assert render("markdown", report, fail_on=high) == markdown.render(report, fail_on=high)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_depends_on_the_threshold_and_defaults_to_medium(fmt: str, report: Report) -> None:
    default = render(fmt, report, tool_version="1.0.0")
    assert default == render(fmt, report, tool_version="1.0.0", fail_on=DEFAULT_FAIL_ON)
    assert DEFAULT_FAIL_ON is Severity.MEDIUM
    assert render(fmt, report, tool_version="1.0.0", fail_on=Severity.ERROR) != default
