"""Find manifest files under the paths a user names, and read them into Resources.

Files are read as bytes and checked before parsing: too large, binary, or not UTF-8 each give a
finding with file and line instead of an exception.  Symlinks are followed only while they stay
inside the folder being scanned.

Every file is named as the user would type it from the current directory: the path they gave
joined with the file's path below it (``teams/vision`` -> ``teams/vision/platform/rbac.yaml``),
normalised (``./x`` is ``x``); a path given as absolute stays absolute.

A folder holding ``Chart.yaml`` is a Helm chart: its templates are not manifests until Helm
renders them, so the folder is not read; one ``helm-chart-not-rendered`` note says so.  Which
documents are objects (and which are malformed objects) is decided in
:mod:`gitops_gen.manifests.objects`.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from gitops_gen.errors import UsageError
from gitops_gen.manifests.fastread import document_parts, read_part, read_stream
from gitops_gen.manifests.objects import NON_RESOURCE_GROUPS, is_kubernetes_object, objects_of
from gitops_gen.manifests.yamlread import Document, Limits
from gitops_gen.model import Finding, Resource, Severity

__all__ = ["CHART_FILE", "DEFAULT_LIMITS", "KUSTOMIZATION_NAMES", "LOADER_SEVERITIES", "MANIFEST_SUFFIXES",
           "NON_RESOURCE_GROUPS", "STDIN", "LoadResult", "Rereads", "SourceFile", "decode", "is_kubernetes_object",
           "iter_files", "load_file", "load_text", "part_resources", "relative_display", "resources_of"]

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_LIMITS = Limits()
SKIPPED_DIRS = frozenset({".git"})

#: Severities of the problems the loader itself reports (configurable later like any rule).
LOADER_SEVERITIES: dict[str, Severity] = {
    "yaml-syntax": Severity.ERROR,
    "duplicate-key": Severity.ERROR,
    "yaml-too-large": Severity.ERROR,
    "unreadable-file": Severity.ERROR,
    "symlink-escape": Severity.HIGH,
    "malformed-object": Severity.ERROR,
    "helm-chart-not-rendered": Severity.INFO,
    "kustomize-not-built": Severity.LOW,
}

#: The file that makes a folder a Helm chart.
CHART_FILE = "Chart.yaml"
KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})


#: The path that means "read standard input" (``helm template ... | gitops-gen check -``).
STDIN = "-"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to read: where it is, and the name users see (as they would type it from the
    current directory: the path they gave joined with the file's path below it).

    ``content`` holds its bytes when they were read already: a source that is not a file on disk
    (standard input), or a file the index phase read (the check phase checks what was indexed).
    """

    abspath: str
    display: str
    content: bytes | None = None

    def read_bytes(self) -> bytes:
        return self.content if self.content is not None else read_at_most(self.abspath)


@dataclass(slots=True)
class LoadResult:
    file: SourceFile
    resources: list[Resource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    documents: int = 0


def _problem(rule: str, message: str, display: str, line: int = 1, column: int = 1) -> Finding:
    return Finding(rule, LOADER_SEVERITIES[rule], message, display, line, column)


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[SourceFile | Finding]:
    """Manifest files under ``paths`` in a stable order, plus findings for what is not read
    (symlinks out of the folder, Helm charts).

    ``-`` reads standard input once.  Raises :class:`UsageError` for a path that does not exist.
    """
    for given in paths:
        if str(given) == STDIN:
            yield SourceFile("<stdin>", "<stdin>", sys.stdin.buffer.read())
            continue
        path = Path(given)
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"path does not exist: {given}")
        if path.is_file():
            chart = _chart_of(str(given))
            if chart is not None:
                yield chart
            else:
                yield SourceFile(str(path.resolve()), os.path.normpath(str(given)))
            continue
        if not path.is_dir():
            raise UsageError(f"not a file or folder: {given}")
        chart = _chart_of(str(given))
        yield from [chart] if chart is not None else _walk(path, str(given))


def _display(given: str, rel: str) -> str:
    """``rel`` (a path below the folder the user gave) as they would type it from here."""
    return os.path.normpath(os.path.join(given, rel)) if rel else os.path.normpath(given)


def relative_display(display: str, base: str | os.PathLike[str]) -> str | None:
    """A displayed path relative to the folder ``base``, with ``/`` separators, for matching
    globs written relative to that folder (``ignore:``, a waiver's ``path:``); ``None`` when the
    file is not below ``base`` or is not a file (``<stdin>``)."""
    if display == "<stdin>":
        return None
    rel = os.path.relpath(os.path.abspath(display), os.path.abspath(base))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def _chart_note(chart_yaml: str) -> Finding:
    folder = os.path.dirname(chart_yaml) or "."
    return _problem("helm-chart-not-rendered",
                    f"{folder} is a Helm chart: its templates are not manifests until rendered, so it is not "
                    f"checked (run `helm template {folder} | gitops-gen check -`)", chart_yaml)


def _chart_of(given: str) -> Finding | None:
    """The note for a path given by name that belongs to a chart's definition rather than its
    output: ``Chart.yaml`` itself, or a file or folder under the chart's ``templates/``.  A
    ``values.yaml`` or a chart's ``crds/`` file is plain YAML and is read as given (a folder that
    is itself a chart is found by the walk)."""
    if os.path.basename(given) == CHART_FILE:
        return _chart_note(os.path.normpath(given))
    folder = os.path.abspath(given)
    while True:
        parent = os.path.dirname(folder)
        if os.path.basename(folder) == "templates" and os.path.isfile(os.path.join(parent, CHART_FILE)):
            chart = os.path.join(parent, CHART_FILE)
            shown = chart if os.path.isabs(given) else os.path.relpath(chart)
            return _chart_note(shown)
        if parent == folder:
            return None
        folder = parent


def _walk(root: Path, given: str) -> Iterator[SourceFile | Finding]:
    """Depth-first, names sorted in each folder (files before subfolders, like ``os.walk``)."""
    real_root = os.path.realpath(root)
    inside = real_root.rstrip(os.sep) + os.sep

    def escape(rel: str, target: str) -> Finding:
        return _problem("symlink-escape", f"symlink to {target} points outside {given}; not followed",
                        _display(given, rel))

    stack: list[tuple[str, str]] = [(real_root, "")]  # (real folder, its path relative to root)
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        if any(e.name == CHART_FILE and e.is_file() for e in entries):
            yield _chart_note(_display(given, prefix + CHART_FILE))
            continue
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if target != real_root and not target.startswith(inside):
                    if entry.is_dir() or entry.name.endswith(MANIFEST_SUFFIXES):
                        yield escape(rel, target)
                elif entry.name.endswith(MANIFEST_SUFFIXES) and os.path.isfile(target):
                    yield SourceFile(target, _display(given, rel))
                continue  # a folder link inside the tree would only scan the same files twice
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED_DIRS:
                    subfolders.append((entry.path, rel + "/"))
            elif entry.name.endswith(MANIFEST_SUFFIXES) and entry.is_file(follow_symlinks=False):
                yield SourceFile(entry.path, _display(given, rel))
        stack.extend(reversed(subfolders))


def decode(raw: bytes, display: str, limits: Limits) -> str | Finding:
    """The text of a manifest file, or the finding that says why it cannot be read."""
    if len(raw) > limits.max_file_bytes:
        return _problem("yaml-too-large", f"file is {len(raw)} bytes, over the {limits.max_file_bytes}-byte limit",
                        display)
    if b"\0" in raw[:8192]:
        return _problem("unreadable-file", "binary file (contains NUL bytes); not a manifest", display)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return _problem("unreadable-file", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); Kubernetes manifests "
                        "must be UTF-8", display, line, column)


def load_file(source: SourceFile, limits: Limits = DEFAULT_LIMITS) -> LoadResult:
    """Read one file into Resources and findings; never raises for bad content."""
    result = LoadResult(source)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        result.findings.append(_problem("unreadable-file", f"cannot read: {exc.strerror}", source.display))
        return result
    text = decode(raw, source.display, limits)
    if isinstance(text, Finding):
        result.findings.append(text)
        return result
    load_text(text, source, result, limits, raw.removeprefix(codecs.BOM_UTF8))  # decode() took the mark off
    return result


class Rereads:
    """Documents read again one at a time, each once (a deferred anchor's, when a run is judged):
    a point of one object of a large file is found again without reading the rest.  A document is
    numbered and placed as :func:`load_file` would place it (the parts of the file are cut at its
    ``---`` lines, as the fast path cuts them) and read alone, as the index phase reads one, at a
    cost that does not grow with the lines before it; the latest file stays cut, for the anchors
    after it come in source order.  All of the file's resources, when a document cannot be read
    alone.  ``contents``: the bytes of files already read (path on disk -> bytes), read again
    from there (what the run checked) rather than from the disk."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS, contents: Mapping[str, bytes] | None = None) -> None:
        self.limits = limits
        self.contents = contents or {}
        #: (path on disk, document index) -> its resources: what was read again.
        self.documents: dict[tuple[str, int], list[Resource]] = {}
        self._file: tuple[str, bytes, list[tuple[int, int, int]]] | None = None

    def resources(self, source: SourceFile, index: int) -> list[Resource]:
        key = (source.abspath, index)
        found = self.documents.get(key)
        if found is None:
            found = self.documents[key] = self._read(source, index)
        return found

    def _read(self, source: SourceFile, index: int) -> list[Resource]:
        known = self.contents.get(source.abspath) if source.content is None else None
        if known is not None:
            source = replace(source, content=known)
        if self._file is None or self._file[0] != source.abspath:
            raw = read_limited(source, self.limits)
            raw = raw.removeprefix(codecs.BOM_UTF8) if raw is not None else b""
            self._file = (source.abspath, raw, document_parts(raw))
        _, raw, documents = self._file
        if index >= len(documents):
            return load_file(source, self.limits).resources
        begin, end, offset = documents[index]
        resources = part_resources(raw[begin:end], offset, source, self.limits, keep=False)
        if resources is None:
            return load_file(source, self.limits).resources
        for resource in resources:
            resource.doc_index = index
        return resources


def part_resources(part: bytes, offset: int, source: SourceFile, limits: Limits = DEFAULT_LIMITS, *,
                   keep: bool = True) -> list[Resource] | None:
    """The resources of one part of a file (:func:`document_starts`; after ``offset`` lines),
    read alone at a cost that does not grow with the lines before it: the fast way where the
    loader would (a large document kept for the check phase, with ``keep``), else by libyaml after
    as many blank lines as precede it, so lines stay those of the file.  None when the part is
    not UTF-8."""
    fast, document = read_part(part, offset, limits, keep=keep)
    if fast:
        return resources_of(document, source) if document is not None else []
    try:
        text = "\n" * offset + part.decode("utf-8")
    except UnicodeDecodeError:
        return None
    result = LoadResult(source)
    load_text(text, source, result, limits)
    return result.resources


def load_text(text: str, source: SourceFile, result: LoadResult, limits: Limits = DEFAULT_LIMITS,
              encoded: bytes | None = None) -> None:
    """``text`` read into ``result``; ``encoded``: its UTF-8 bytes, when the caller has them."""
    for doc in read_stream(text, limits, encoded):
        result.documents += 1
        for p in doc.problems:
            result.findings.append(_problem(p.rule, p.message, source.display, p.line, p.column))
        if doc.built:
            resources, findings = objects_of(doc, source.display, source.abspath)
            result.resources.extend(resources)
            result.findings.extend(findings)


def resources_of(doc: Document, source: SourceFile) -> list[Resource]:
    """The Kubernetes objects in one document: itself, or each item of a ``List``."""
    return objects_of(doc, source.display, source.abspath)[0]


def read_limited(source: SourceFile, limits: Limits) -> bytes | None:
    """The file's bytes, or None when it cannot be read or is over the size limit (the loader
    reports those)."""
    if source.content is not None:
        return source.content
    try:
        raw = read_at_most(source.abspath, limits.max_file_bytes + 1)
    except OSError:
        return None
    return raw if len(raw) <= limits.max_file_bytes else None


def read_at_most(path: str, limit: int | None = None) -> bytes:
    """The bytes of the file at ``path`` (its first ``limit`` when given), read with the fewest
    system calls: every file of a tree is read twice, and ``Path.read_bytes`` costs twice as much."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(fd).st_size
        want = size + 1 if size else 65536  # (a size of 0: a file of /proc, say, that has more)
        chunks: list[bytes] = []
        got = 0
        while limit is None or got < limit:
            chunk = os.read(fd, want if limit is None else min(want, limit - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
            want = 1 << 20
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)
