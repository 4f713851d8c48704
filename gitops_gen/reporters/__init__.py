"""Reporters: pure functions that turn a :class:`~gitops_gen.model.Report` into text.

Every format returns the whole document as one string ending in a line break (the ``github``
format returns ``""`` when there is nothing to annotate); the caller writes it verbatim.
Output is deterministic: the same report always renders to the same bytes.
"""

from __future__ import annotations

from importlib import metadata

from gitops_gen.model import Report
from gitops_gen.reporters import github, jsonfmt, junit, markdown, sarif, text

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "junit", "github", "markdown")


def installed_version() -> str:
    """The installed gitops-gen version (for SARIF), or ``0.0.0+unknown`` from a bare checkout."""
    try:
        return metadata.version("gitops-gen")
    except metadata.PackageNotFoundError:
        return "0.0.0+unknown"


def render(fmt: str, report: Report, *, color: bool = False, tool_version: str | None = None) -> str:
    """Render ``report`` in format ``fmt`` (one of :data:`FORMATS`).

    ``color`` only affects ``text`` (the CLI turns it on for terminals only); ``tool_version``
    is recorded in SARIF and defaults to the installed version.
    """
    if fmt == "text":
        return text.render(report, color=color)
    if fmt == "json":
        return jsonfmt.render(report)
    if fmt == "sarif":
        return sarif.render(report, tool_version=tool_version or installed_version())
    if fmt == "junit":
        return junit.render(report)
    if fmt == "github":
        return github.render(report)
    if fmt == "markdown":
        return markdown.render(report)
    raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")


__all__ = ["FORMATS", "installed_version", "render"]
