"""A judged :class:`~gitops_gen.model.Report` as plain values, for the result cache's report of an
unchanged tree (:meth:`~gitops_gen.cache.ResultCache.put_report`).

A large tree's report holds tens of thousands of findings and checked resources; pickled as
objects, each costs a Python-level call to write and to read, more than judging the tree again.
As tuples of strings and numbers (resources as indexes into one table) pickle's C code writes and
reads it in one pass, and loading calls no constructor but those of gitops-gen's model.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Sequence
from typing import Any

from gitops_gen.cache_key import CACHE_FORMAT, Roots, fingerprint
from gitops_gen.model import CheckedResource, Finding, Report, ResourceRef, Severity, Waived

#: Bumped when the layout below changes (an older layout is a miss).
LAYOUT = 1
#: The file of a run's cache folder holding its latest judged report, and how it starts.
FILE = "latest.report"
MAGIC = b"gitops-gen judged report %d\n" % CACHE_FORMAT


class _Refs:
    def __init__(self) -> None:
        self.index: dict[ResourceRef, int] = {}
        self.table: list[tuple[str, str, str | None, str | None]] = []

    def __call__(self, ref: ResourceRef | None) -> int:
        if ref is None:
            return -1
        at = self.index.get(ref)
        if at is None:
            at = self.index[ref] = len(self.table)
            self.table.append((ref.api_version, ref.kind, ref.namespace, ref.name))
        return at


def _finding(f: Finding, refs: _Refs) -> tuple[Any, ...]:
    return (f.rule, int(f.severity), f.message, f.file, f.line, f.column, f.path, refs(f.resource),
            f.details or None, f.keyed_path)


def dumps(report: Report) -> bytes:
    """``report`` as bytes (:func:`loads` reads them back); a gate's report is not stored."""
    if report.gate is not None:
        raise ValueError("a gate report is not cached")
    refs = _Refs()
    findings = [_finding(f, refs) for f in report.findings]
    waived = [(_finding(w.finding, refs), w.reason, w.source) for w in report.waived]
    checked = [(refs(c.ref), c.file, c.line) for c in report.checked]
    return pickle.dumps((LAYOUT, refs.table, findings, waived, checked, report.files, report.documents),
                        protocol=pickle.HIGHEST_PROTOCOL)


class _Plain(pickle.Unpickler):
    """Loads plain values only: no class, no function."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not a plain value")


def loads(data: bytes | memoryview) -> Report:
    """The report :func:`dumps` wrote; raises ValueError (or pickle's errors) on anything else."""
    layout, table, findings, waived, checked, files, documents = _Plain(io.BytesIO(data)).load()
    if layout != LAYOUT:
        raise ValueError(f"report layout {layout}")
    refs: list[ResourceRef | None] = [ResourceRef(*row) for row in table]
    refs.append(None)  # index -1
    severities = {int(s): s for s in Severity}

    def finding(row: tuple[Any, ...]) -> Finding:
        rule, severity, message, file, line, column, path, ref, details, keyed = row
        return Finding(rule, severities[severity], message, file, line, column, path, refs[ref], details or {}, keyed)

    return Report(findings=[finding(row) for row in findings], files=files, documents=documents,
                  checked=[CheckedResource(refs[ref], file, line) for ref, file, line in checked],
                  waived=[Waived(finding(row), reason, source) for row, reason, source in waived])


def tree_key(run: str, roots: Roots, keys: Sequence[str], judged: Any) -> str:
    """The key of a judged report: the run, where its roots are (the report is stored as it is,
    naming them), its files' keys in order, and ``judged``: what else judging takes (the findings
    made before the files are checked, today's date, the waivers)."""
    digest = hashlib.sha256(b"tree\0" + run.encode())
    digest.update(f"{roots.real}\0{roots.shown}\0".encode("utf-8", "surrogatepass"))
    for key in keys:
        digest.update(bytes.fromhex(key))
    digest.update(fingerprint(judged, roots).encode())
    return digest.hexdigest()


def frame(key: str, report: Report) -> bytes:
    """The report file's bytes: :data:`MAGIC`, the key, the digest of the payload, the payload."""
    payload = dumps(report)
    return MAGIC + bytes.fromhex(key) + hashlib.sha256(payload).digest() + payload


def unframe(data: memoryview, key: str) -> Report | None:
    """The report :func:`frame` wrote under ``key``; None when ``data`` is not one or is another
    key's.  Raises ValueError (or pickle's errors) when it is damaged."""
    start = len(MAGIC)
    head = start + 64  # the key, then the payload's digest
    if data[:start] != MAGIC or bytes(data[start:start + 32]) != bytes.fromhex(key):
        return None
    if hashlib.sha256(data[head:]).digest() != data[head - 32:head]:
        raise ValueError("the report does not match its digest")
    return loads(data[head:])
