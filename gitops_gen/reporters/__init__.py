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

Only the chosen format's module is imported (by :func:`render`): the command line lists
:data:`FORMATS` without loading any of them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from gitops_gen import _lazy

if TYPE_CHECKING:
    from gitops_gen.model import Report, Severity
    from gitops_gen.reporters._common import DEFAULT_FAIL_ON
    from gitops_gen.reporters.srcroot import LineLinks, SourceRoot, find_source_root

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "junit", "github", "markdown")
#: Names of this package imported on first use: name -> module.
_LAZY = {"DEFAULT_FAIL_ON": "gitops_gen.reporters._common", "LineLinks": "gitops_gen.reporters.srcroot",
         "SourceRoot": "gitops_gen.reporters.srcroot", "find_source_root": "gitops_gen.reporters.srcroot"}


__getattr__ = _lazy(__name__, globals(), {name: (module, name) for name, module in _LAZY.items()})


def installed_version() -> str:
    """The installed gitops-gen version (for SARIF), or ``0.0.0+unknown`` from a bare checkout."""
    from importlib import metadata

    try:
        return metadata.version("gitops-gen")
    except metadata.PackageNotFoundError:
        return "0.0.0+unknown"


def render(fmt: str, report: Report, *, color: bool = False, tool_version: str | None = None,
           fail_on: Severity | None = None, source_root: SourceRoot | None = None,
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
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")
    from gitops_gen.reporters._common import DEFAULT_FAIL_ON

    threshold = DEFAULT_FAIL_ON if fail_on is None else fail_on
    if fmt == "text":
        from gitops_gen.reporters import text

        return text.render(report, color=color, fail_on=threshold)
    if fmt == "json":
        from gitops_gen.reporters import jsonfmt

        return jsonfmt.render(report, fail_on=threshold)
    if fmt == "sarif":
        from gitops_gen.reporters import sarif

        return sarif.render(report, tool_version=tool_version or installed_version(), fail_on=threshold,
                            source_root=source_root)
    if fmt == "junit":
        from gitops_gen.reporters import junit

        return junit.render(report, fail_on=threshold)
    if fmt == "github":
        from gitops_gen.reporters import github

        return github.render(report, fail_on=threshold)
    from gitops_gen.reporters import markdown
    from gitops_gen.reporters.srcroot import LineLinks, find_source_root

    if links is None and report.gate is not None and os.environ.get("GITHUB_SHA"):
        links = LineLinks.from_github_env(os.environ, source_root or find_source_root([]))
    return markdown.render(report, fail_on=threshold, links=links)


__all__ = ["DEFAULT_FAIL_ON", "FORMATS", "LineLinks", "SourceRoot", "find_source_root", "installed_version",
           "render"]
