"""Reporters: pure functions that turn a :class:`~gitops_gen.model.Report` into text.

Every format returns the whole document as one string ending in a line break (the ``github``
format returns ``""`` when there is nothing to annotate); the caller writes it verbatim.
Output is deterministic: the same report (and arguments) always renders to the same bytes.

Every format agrees with the exit code: it is told the fail threshold (``fail_on``, the CLI's
``--fail-on`` or the configuration's ``fail-on``) and shows as failing, or as errors, only the
findings at or above it.

In a pull-request gate run (``report.gate`` set: ``check --base``) only new findings and removed
guardrails fail; every format says which findings are new, persisting, resolved or a removed
guardrail, and gives the gate's verdict (see each module).
"""

from __future__ import annotations

import os
from importlib import metadata

from gitops_gen.model import Report, Severity
from gitops_gen.reporters import github, jsonfmt, junit, markdown, sarif, text
from gitops_gen.reporters._common import DEFAULT_FAIL_ON
from gitops_gen.reporters.srcroot import LineLinks, SourceRoot, find_source_root

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "junit", "github", "markdown")


def installed_version() -> str:
    """The installed gitops-gen version (for SARIF), or ``0.0.0+unknown`` from a bare checkout."""
    try:
        return metadata.version("gitops-gen")
    except metadata.PackageNotFoundError:
        return "0.0.0+unknown"


def render(fmt: str, report: Report, *, color: bool = False, tool_version: str | None = None,
           fail_on: Severity = DEFAULT_FAIL_ON, source_root: SourceRoot | None = None,
           links: LineLinks | None = None) -> str:
    """Render ``report`` in format ``fmt`` (one of :data:`FORMATS`).

    ``fail_on`` is the lowest severity that fails the run (default medium, as the CLI's).
    ``color`` only affects ``text`` (the CLI turns it on for terminals only); ``tool_version``
    is recorded in SARIF and defaults to the installed version; ``source_root`` (see
    :func:`~gitops_gen.reporters.srcroot.find_source_root`) anchors SARIF's file URIs at the
    repository root.

    ``links`` makes the locations of a gate report's Markdown links to the hosted file; when it
    is not given and the run is in GitHub Actions (``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY``,
    ``GITHUB_SHA``), links to the checked-out commit are made, paths taken relative to
    ``source_root`` (default: the git work tree above the current directory).
    """
    if fmt == "text":
        return text.render(report, color=color, fail_on=fail_on)
    if fmt == "json":
        return jsonfmt.render(report, fail_on=fail_on)
    if fmt == "sarif":
        return sarif.render(report, tool_version=tool_version or installed_version(), fail_on=fail_on,
                            source_root=source_root)
    if fmt == "junit":
        return junit.render(report, fail_on=fail_on)
    if fmt == "github":
        return github.render(report, fail_on=fail_on)
    if fmt == "markdown":
        if links is None and report.gate is not None and os.environ.get("GITHUB_SHA"):
            links = LineLinks.from_github_env(os.environ, source_root or find_source_root([]))
        return markdown.render(report, fail_on=fail_on, links=links)
    raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")


__all__ = ["DEFAULT_FAIL_ON", "FORMATS", "LineLinks", "SourceRoot", "find_source_root", "installed_version",
           "render"]
