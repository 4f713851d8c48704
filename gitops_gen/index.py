"""The index phase: what the whole tree defines, gathered before any resource is judged.

A run first reads the few files that say something about the tree as a whole: kustomizations
(what they include, patch, and set on the resources they build), Namespaces, AppProjects,
Applications and ApplicationSets, and CustomResourceDefinitions.  The result, a
:class:`TreeIndex`, is handed to every rule through its context, so a rule can ask "is this
namespace created in the tree?" or "does a kustomization set this field?" without a second pass.

Finding those files costs one byte scan per file (no parsing): only files whose bytes name one of
the indexed kinds, and kustomization files, are parsed here.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from gitops_gen.manifests.loader import KUSTOMIZATION_NAMES, LoadResult, SourceFile, load_text
from gitops_gen.manifests.yamlread import Limits, read_documents
from gitops_gen.model import FieldPath, Finding, Resource

#: Kinds whose objects say something about the tree as a whole.
INDEXED_KINDS = frozenset({"Namespace", "AppProject", "Application", "ApplicationSet", "CustomResourceDefinition"})
_KIND_BYTES = re.compile(rb"""["']?kind["']?\s*:\s*["']?(Namespace|AppProject|ApplicationSet|Application|"""
                         rb"""CustomResourceDefinition)["']?\s*(?:[,}\r\n#]|$)""", re.MULTILINE)

_LIMITS = Limits()

#: Files up to this size are kept in memory between the scan and the parse of the index phase.
_KEEP_BYTES = 256 * 1024
#: Substrings one of which a file must hold to name an indexed kind (cheaper than the pattern).
_INDEXED_WORDS = (b"Namespace", b"AppProject", b"Application", b"CustomResourceDefinition")
#: A document's own ``kind:`` (at the start of a line: nested kinds are indented), searched in
#: the text after a newline put first: a pattern starting with a newline is found by a fast
#: scan, where ``^`` in multi-line mode is tried at every byte.
_TOP_KIND = re.compile(rb"""\n["']?kind["']?\s*:\s*["']?([A-Za-z0-9]+)""")
_CRD_FILE_KINDS = frozenset({b"CustomResourceDefinition", b"CustomResourceDefinitionList", b"List"})
_DOC_START = re.compile(rb"\n---(?=[ \t\r\n]|$)")

#: Field paths a kustomization sets on every resource it builds, by what it declares.
NAMESPACE_PATH: FieldPath = ("metadata", "namespace")
SELECTOR_PATH: FieldPath = ("spec", "selector")


@dataclass(frozen=True, slots=True)
class Kustomization:
    """One kustomization file: what it includes and what it sets on what it builds."""

    file: str
    #: Absolute paths of the files and folders it lists (resources, bases, components).
    includes: tuple[str, ...] = ()
    #: Absolute paths of the files it uses as patches (partial objects, not resources).
    patches: tuple[str, ...] = ()
    namespace: str | None = None
    #: commonLabels, or labels with includeSelectors: selectors are added to workloads.
    sets_selectors: bool = False
    #: It lists a remote entry (a URL or git repository): building it would reach the network.
    remote: bool = False
    #: It inflates Helm charts (helmCharts, helmChartInflationGenerator).
    helm: bool = False

    @property
    def folder(self) -> str:
        return os.path.dirname(self.file)

    @property
    def supplies(self) -> tuple[FieldPath, ...]:
        out: list[FieldPath] = []
        if self.namespace:
            out.append(NAMESPACE_PATH)
        if self.sets_selectors:
            out.append(SELECTOR_PATH)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class AppRef:
    """An Argo CD Application or ApplicationSet among the inputs."""

    kind: str
    name: str | None
    namespace: str | None
    project: str | None
    file: str


@dataclass(frozen=True, slots=True)
class TreeIndex:
    """What the tree defines, for rules to read from their context."""

    namespaces: frozenset[str] = frozenset()
    projects: frozenset[str] = frozenset()
    applications: tuple[AppRef, ...] = ()
    #: (group, kind) of every CustomResourceDefinition among the inputs.
    crds: frozenset[tuple[str, str]] = frozenset()
    kustomizations: tuple[Kustomization, ...] = ()
    #: Absolute path of a file -> field paths that the kustomizations building it set.
    supplied: Mapping[str, tuple[FieldPath, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: The resolved Argo CD app-of-apps graph of the checked repository
    #: (:class:`gitops_gen.argocd.graph.Graph`), when one was resolved.
    graph: Any = None

    @property
    def patch_files(self) -> frozenset[str]:
        return frozenset(p for k in self.kustomizations for p in k.patches)

    def supplied_paths(self, abspath: str) -> tuple[FieldPath, ...]:
        """Field paths that a kustomization including ``abspath`` (directly or through other
        kustomizations) sets on the resources it builds: findings about them are not the file's."""
        return self.supplied.get(abspath, ())


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _is_remote(entry: str) -> bool:
    """Whether an entry may name something off this machine (erring towards yes: it is then not built)."""
    return "://" in entry or "github.com/" in entry or "git@" in entry or entry.startswith("ssh:")


def _local(base: str, entry: str) -> str | None:
    """The absolute path of a local kustomization entry (None for remote ones and inline text)."""
    if not entry or "\n" in entry or _is_remote(entry):
        return None
    return os.path.normpath(os.path.join(base, entry))


def read_kustomization(path: str, data: Mapping[str, Any]) -> Kustomization:
    base = os.path.dirname(path)
    entries = (*_strings(data.get("resources")), *_strings(data.get("bases")), *_strings(data.get("components")))
    includes = [p for e in entries if (p := _local(base, e)) is not None]
    remote = any("\n" not in e and _is_remote(e) for e in (
        *entries, *_strings(data.get("generators")), *_strings(data.get("transformers")),
        *_strings(data.get("validators"))))
    helm = any(key in data for key in ("helmCharts", "helmChartInflationGenerator", "helmGlobals"))
    patch_entries: list[str] = []
    for key in ("patches", "patchesJson6902"):
        patch_entries.extend(item["path"] for item in data.get(key) or [] if isinstance(item, dict)
                             and isinstance(item.get("path"), str))
    patch_entries.extend(_strings(data.get("patchesStrategicMerge")))
    patches = [p for e in patch_entries if (p := _local(base, e)) is not None]
    namespace = data.get("namespace")
    selectors = isinstance(data.get("commonLabels"), dict) and bool(data["commonLabels"])
    for entry in data.get("labels") or []:
        if isinstance(entry, dict) and entry.get("includeSelectors") is True and entry.get("pairs"):
            selectors = True
    return Kustomization(path, tuple(includes), tuple(patches),
                         namespace if isinstance(namespace, str) and namespace else None, selectors, remote, helm)


def kustomizations_of(path: str, raw: bytes, limits: Limits = _LIMITS) -> list[Kustomization] | None:
    """The kustomizations a kustomization file's bytes declare (one per mapping document), or
    None when the bytes are not UTF-8 text."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return [read_kustomization(path, doc.data) for doc in read_documents(text, limits) if isinstance(doc.data, dict)]


def kustomizations_in(path: str, limits: Limits = _LIMITS) -> list[Kustomization] | None:
    """The kustomizations of the file at ``path`` read from disk, or None when it cannot be read
    (missing, over the size limit, not UTF-8)."""
    raw = read_limited(SourceFile(path, path), limits)
    return kustomizations_of(path, raw, limits) if raw is not None else None


def kustomizations_under(root: str, *, skip_hidden: bool = True, limits: Limits = _LIMITS) -> list[Kustomization]:
    """Every kustomization in the files below ``root``, in walk order (folders starting with ``.``
    skipped, or only ``.git`` without ``skip_hidden``)."""
    out: list[Kustomization] = []
    for base, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not (d.startswith(".") if skip_hidden else d == ".git"))
        for name in sorted(files):
            if name in KUSTOMIZATION_NAMES:
                out.extend(kustomizations_in(os.path.join(base, name), limits) or ())
    return out


def _supplied(kustomizations: Sequence[Kustomization]) -> dict[str, tuple[FieldPath, ...]]:
    """File -> the paths set by every kustomization that includes it, through nested ones."""
    by_folder = {k.folder: k for k in kustomizations}
    out: dict[str, set[FieldPath]] = {}

    def visit(k: Kustomization, inherited: frozenset[FieldPath], seen: frozenset[str]) -> None:
        paths = inherited | frozenset(k.supplies)
        for target in k.includes:
            child = by_folder.get(target)
            if child is not None:
                if child.file not in seen:
                    visit(child, paths, seen | {child.file})
            elif paths:
                out.setdefault(target, set()).update(paths)

    for k in kustomizations:
        visit(k, frozenset(), frozenset({k.file}))
    return {f: tuple(sorted(p)) for f, p in out.items()}


def read_limited(source: SourceFile, limits: Limits) -> bytes | None:
    """The file's bytes, or None when it cannot be read or is over the size limit (the loader
    reports those)."""
    if source.content is not None:
        return source.content
    try:
        with open(source.abspath, "rb") as handle:
            raw = handle.read(limits.max_file_bytes + 1)
    except OSError:
        return None
    return raw if len(raw) <= limits.max_file_bytes else None


class _Gather:
    """Facts of indexed resources, collected one resource at a time."""

    def __init__(self) -> None:
        self.namespaces: set[str] = set()
        self.projects: set[str] = set()
        self.apps: list[AppRef] = []
        self.crds: set[tuple[str, str]] = set()

    def add(self, r: Resource) -> None:
        if r.kind == "Namespace" and r.name:
            self.namespaces.add(r.name)
        elif r.kind == "AppProject" and r.name:
            self.projects.add(r.name)
        elif r.kind in ("Application", "ApplicationSet") and r.group == "argoproj.io":
            project = r.get(("spec", "project")) if r.kind == "Application" else \
                r.get(("spec", "template", "spec", "project"))
            self.apps.append(AppRef(r.kind, r.name, r.namespace, project if isinstance(project, str) else None,
                                    r.file))
        elif r.kind == "CustomResourceDefinition":
            group, kind = r.get(("spec", "group")), r.get(("spec", "names", "kind"))
            if isinstance(group, str) and isinstance(kind, str):
                self.crds.add((group, kind))

    def index(self, kustomizations: Sequence[Kustomization] = ()) -> TreeIndex:
        return TreeIndex(frozenset(self.namespaces), frozenset(self.projects), tuple(self.apps),
                         frozenset(self.crds), tuple(kustomizations), MappingProxyType(_supplied(kustomizations)))


def build_index(files: Iterable[SourceFile], limits: Limits = _LIMITS,
                on_crd: Callable[[Resource, str], Iterable[Finding]] | None = None,
                on_kustomizations: Callable[[Sequence[Kustomization]], None] | None = None,
                digests: dict[str, bytes] | None = None) -> tuple[TreeIndex, list[Finding]]:
    """Index ``files``; ``on_crd`` is given each CustomResourceDefinition as it is read, with the
    folder of its install unit (:func:`crd_units`): the validator registers it, and may return
    findings about it.  ``on_kustomizations`` is given the kustomizations as soon as they are
    all known, before the documents are parsed (builds can start meanwhile).  ``digests``, when
    given, receives the SHA-256 of every file read (the result cache's lookups need no second read)."""
    gather = _Gather()
    kustomizations: list[Kustomization] = []
    findings: list[Finding] = []
    crd_only: dict[str, bool] = {}
    candidates: list[tuple[SourceFile, bytes]] = []
    for source in files:
        raw = read_limited(source, limits)
        if raw is None:
            continue
        if digests is not None:
            digests[source.abspath] = hashlib.sha256(raw).digest()
        crd_only[source.abspath] = b"CustomResourceDefinition" in raw and \
            not set(_TOP_KIND.findall(b"\n" + raw)) - _CRD_FILE_KINDS
        if os.path.basename(source.abspath) in KUSTOMIZATION_NAMES:
            kustomizations.extend(kustomizations_of(source.abspath, raw, limits) or ())
        elif any(word in raw for word in _INDEXED_WORDS) and _KIND_BYTES.search(raw) is not None:
            candidates.append((source, raw if len(raw) < _KEEP_BYTES else b""))
    if on_kustomizations is not None:
        on_kustomizations(kustomizations)
    unit = crd_units(crd_only)
    for source, kept in candidates:
        raw = kept or read_limited(source, limits) or b""  # large files are read again rather than held
        for resource in _indexed_resources(source, raw, limits):
            gather.add(resource)
            if resource.kind == "CustomResourceDefinition" and on_crd is not None:
                findings.extend(on_crd(resource, unit(source.abspath)))
    return gather.index(kustomizations), findings


def crd_units(crd_only: Mapping[str, bool]) -> Callable[[str], str]:
    """The install unit of a CRD file, given every file of the run (True for files that define
    nothing but CustomResourceDefinitions).

    A CRD covers the folder of its file and everything below it, unless that folder holds nothing
    but CRD files: then it covers the first folder above it that holds anything else (``crds/``
    beside ``apps/`` covers the repository; ``install/v1/`` and ``install/v2/`` beside
    ``examples/`` cover the project).  A file that is not on disk (standard input) covers all.
    """
    ordered = sorted(crd_only)
    others = [0]  # others[i]: files that are not CRD-only among ordered[:i]
    for path in ordered:
        others.append(others[-1] + (not crd_only[path]))

    def only_crds(folder: str) -> bool:
        prefix = folder.rstrip(os.sep) + os.sep
        lo, hi = bisect.bisect_left(ordered, prefix), bisect.bisect_left(ordered, prefix + "\U0010ffff")
        return others[hi] == others[lo]

    def unit(path: str) -> str:
        folder = os.path.dirname(path)
        if not os.path.isabs(path):
            return os.sep
        while only_crds(folder) and os.path.dirname(folder) != folder:
            folder = os.path.dirname(folder)
        return folder

    return unit


def _indexed_resources(source: SourceFile, raw: bytes, limits: Limits) -> Iterator[Resource]:
    """The resources of the documents of ``raw`` that name an indexed kind.

    Only those documents are parsed: a multi-megabyte install file with one Namespace costs one
    small parse.  A document is cut at its ``---`` line (at column 0 it can only be a document
    marker) and parsed after as many blank lines as precede it, so lines stay those of the file.
    """
    starts = [0, *(m.start() for m in _DOC_START.finditer(b"\n" + raw)), len(raw)]
    line = counted = 0  # lines before ``counted``: each newline is counted once, not once per document
    for begin, end in itertools.pairwise(starts):
        part = raw[begin:end]
        if not part or _KIND_BYTES.search(part) is None:
            continue
        line += raw.count(b"\n", counted, begin)
        counted = begin
        try:
            text = "\n" * line + part.decode("utf-8-sig" if begin == 0 else "utf-8")
        except UnicodeDecodeError:
            continue
        result = LoadResult(source)
        load_text(text, source, result, limits)
        yield from result.resources


def index_resources(resources: Iterable[Resource]) -> TreeIndex:
    """The index of resources already in memory (the API and tests): the same facts, minus
    kustomizations, which are files rather than resources."""
    gather = _Gather()
    for resource in resources:
        gather.add(resource)
    return gather.index()
