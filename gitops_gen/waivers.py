"""Waivers: configured ones (``waivers:`` in ``.gitops-gen.yaml``) and inline annotations
(``gitops-gen.io/ignore.<rule>: "<reason>"`` on a resource)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

from gitops_gen.catalogue import Catalogue, bundled
from gitops_gen.config import Waiver
from gitops_gen.manifests.loader import relative_display
from gitops_gen.model import Finding, Resource, Waived

ANNOTATION_PREFIX = "gitops-gen.io/ignore."


def _glob(pattern: str | None, value: str | None) -> bool:
    return pattern is None or fnmatchcase(value or "", pattern)


def path_matches(pattern: str, display: str, base: str) -> bool:
    """Does the glob ``pattern`` (written relative to the folder ``base``: the configuration
    file's) match the file shown as ``display`` (its path as typed from the current folder)?"""
    rel = relative_display(display, base or ".")
    return (rel is not None and fnmatchcase(rel, pattern)) or fnmatchcase(display, pattern)


def matches(waiver: Waiver, finding: Finding, base: str = "") -> bool:
    if waiver.rule != finding.rule:
        return False
    ref = finding.resource
    return (_glob(waiver.kind, ref.kind if ref else None)
            and _glob(waiver.namespace, ref.namespace if ref else None)
            and _glob(waiver.name, ref.name if ref else None)
            and (waiver.path is None or path_matches(waiver.path, finding.file, base)))


def active_and_expired(waivers: Sequence[Waiver], today: dt.date,
                       catalogue: Catalogue | None = None) -> tuple[list[Waiver], list[Finding]]:
    """Split waivers into those in force and findings for the expired ones."""
    active: list[Waiver] = []
    expired: list[Finding] = []
    doc = (catalogue or bundled())["waiver-expired"]
    for w in waivers:
        if w.expires is not None and w.expires < today:
            expired.append(Finding("waiver-expired", doc.severity,
                                   f"waiver for {w.rule} expired on {w.expires.isoformat()} and no longer applies "
                                   f"(reason was: {w.reason})", w.file, w.line, 1))
        else:
            active.append(w)
    return active, expired


def apply_config_waivers(findings: Iterable[Finding], waivers: Sequence[Waiver],
                         base: str = "") -> tuple[list[Finding], list[Waived]]:
    if not waivers:  # (the common case, over tens of thousands of findings)
        return list(findings), []
    kept: list[Finding] = []
    waived: list[Waived] = []
    for f in findings:
        hit = next((w for w in waivers if matches(w, f, base)), None)
        if hit is None:
            kept.append(f)
        else:
            waived.append(Waived(f, hit.reason, "config"))
    return kept, waived


def inline_waivers(resource: Resource, catalogue: Catalogue | None = None) -> tuple[dict[str, str], list[Finding]]:
    """Rule id -> reason from a resource's annotations, plus findings for invalid annotations
    (a rule id the catalogue does not know, or no reason)."""
    annotations = resource.get(("metadata", "annotations"))
    if not isinstance(annotations, dict):
        return {}, []
    reasons: dict[str, str] = {}
    problems: list[Finding] = []
    catalogue = catalogue or bundled()
    doc = catalogue["invalid-waiver"]
    for key, value in annotations.items():
        if not isinstance(key, str) or not key.startswith(ANNOTATION_PREFIX):
            continue
        rule = key[len(ANNOTATION_PREFIX):]
        path = ("metadata", "annotations", key)
        line, column = resource.locate(path)
        if rule not in catalogue:
            problems.append(Finding("invalid-waiver", doc.severity, f"annotation {key} names unknown rule {rule!r}",
                                    resource.file, line, column, path, resource.ref))
        elif not isinstance(value, str) or not value.strip():
            problems.append(Finding("invalid-waiver", doc.severity,
                                    f"annotation {key} has no reason, so it is ignored; say why {rule} is acceptable",
                                    resource.file, line, column, path, resource.ref))
        else:
            reasons[rule] = value.strip()
    return reasons, problems
