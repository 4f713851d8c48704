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
import codecs
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from types import MappingProxyType
from typing import Any, Protocol

from gitops_gen.kustomizations import (
    NAMESPACE_PATH,
    SELECTOR_PATH,
    Kustomization,
    _namespaces,
    _supplied,
    kustomizations_in,
    kustomizations_of,
    kustomizations_under,
    read_kustomization,
)
from gitops_gen.manifests import kept
from gitops_gen.manifests.fastread import LazyPositions, document_parts
from gitops_gen.manifests.loader import KUSTOMIZATION_NAMES, SourceFile, part_resources, read_limited
from gitops_gen.manifests.yamlread import Limits
from gitops_gen.model import FieldPath, Finding, Resource
from gitops_gen.records import record

__all__ = ["NAMESPACE_PATH", "SELECTOR_PATH", "AppRef", "CrdSink", "Kustomization", "TreeIndex", "build_index",
           "crd_units", "index_resources", "kustomizations_in", "kustomizations_of", "kustomizations_under",
           "read_kustomization", "read_limited"]

#: Kinds whose objects say something about the tree as a whole.
INDEXED_KINDS = frozenset({"Namespace", "AppProject", "Application", "ApplicationSet", "CustomResourceDefinition"})
_KIND_BYTES = re.compile(rb"""["']?kind["']?\s*:\s*["']?(Namespace|AppProject|ApplicationSet|Application|"""
                         rb"""CustomResourceDefinition)["']?\s*(?:[,}\r\n#]|$)""", re.MULTILINE)

_LIMITS = Limits()

#: Files up to this size are kept in memory between the scan and the parse of the index phase.
_KEEP_BYTES = 256 * 1024
#: What ``build_index(contents=...)`` hands over to the check phase: files up to this size (where
#: opening a file costs as much as reading it; below the size from which a file is cut across
#: workers, each slice carrying its whole file)...
HANDED_FILE_BYTES = 256 * 1024
#: ... while they add up to at most this.
HANDED_TOTAL_BYTES = 128 * 1024 * 1024
#: Substrings one of which a file must hold to name an indexed kind (cheaper than the pattern).
_INDEXED_WORDS = (b"Namespace", b"AppProject", b"Application", b"CustomResourceDefinition")
#: A document's own ``kind:`` (at the start of a line: nested kinds are indented), searched in
#: the text after a newline put first: a pattern starting with a newline is found by a fast
#: scan, where ``^`` in multi-line mode is tried at every byte.
_TOP_KIND = re.compile(rb"""\n["']?kind["']?\s*:\s*["']?([A-Za-z0-9]+)""")
_CRD_FILE_KINDS = frozenset({b"CustomResourceDefinition", b"CustomResourceDefinitionList", b"List"})
#: A document's own ``apiVersion`` or ``kind``, or the start of the next document (in the text
#: after a newline put first, as :data:`_TOP_KIND`).
_TOP_FIELD = re.compile(rb"""\n(?:(apiVersion|kind):[ \t]*["']?([\w./-]+)|(---))""")


def top_pairs(raw: bytes) -> set[tuple[str, str]]:
    """The ``(apiVersion, kind)`` pairs the documents of ``raw`` name at their top level, read
    from the text (plain or quoted values on their own lines: what schemas are compiled ahead for)."""
    pairs: set[tuple[str, str]] = set()
    api_version = kind = None
    for name, value, start in _TOP_FIELD.findall(b"\n" + raw + b"\n---"):
        if start:
            if api_version and kind:
                pairs.add((api_version, kind))
            api_version = kind = None
        elif name == b"kind":
            kind = value.decode("ascii", "replace")
        else:
            api_version = value.decode("ascii", "replace")
    return pairs


def names_indexed_kind(raw: bytes) -> bool:
    """``_KIND_BYTES.search(raw) is not None``, tried only where ``kind`` is written (a match
    starting at a quote before it also matches from it: that quote is optional): a pattern that
    starts with an optional quote is tried at every byte otherwise, over megabytes of CRDs."""
    at = raw.find(b"kind")
    while at >= 0:
        if _KIND_BYTES.match(raw, at):
            return True
        at = raw.find(b"kind", at + 1)
    return False


def top_kinds(raw: bytes) -> set[bytes]:
    """``set(_TOP_KIND.findall(b"\\n" + raw))``: the kinds written at the start of a line, matched
    only where a line starts with ``kind`` (or a quote and ``kind``), as ``findall`` would (in
    order, not overlapping), without copying the text."""
    if raw.startswith((b"kind", b'"kind', b"'kind")):
        return set(_TOP_KIND.findall(b"\n" + raw))
    starts: list[int] = []
    at = raw.find(b"kind")
    while at >= 0:  # (one scan: "kind" is rarely written, a newline on every line)
        before = raw[max(at - 2, 0):at]  # (not at 0: a text starting so is matched above)
        if before[-1:] == b"\n":
            starts.append(at - 1)
        elif before in (b'\n"', b"\n'"):
            starts.append(at - 2)
        at = raw.find(b"kind", at + 1)
    found: set[bytes] = set()
    end = 0
    for at in starts:
        match = _TOP_KIND.match(raw, at) if at >= end else None
        if match is not None:
            found.add(match.group(1))
            end = match.end()
    return found


@record
class AppRef:
    """An Argo CD Application or ApplicationSet among the inputs."""

    kind: str
    name: str | None
    namespace: str | None
    project: str | None
    file: str


@record
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
    #: Absolute path of a file -> the namespaces kustomizations build its objects that name none into.
    built_namespaces: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: The resolved Argo CD app-of-apps graph of the checked repository
    #: (:class:`gitops_gen.argocd.graph.Graph`), when one was resolved.
    graph: Any = None
    #: Name -> the Namespace object's data (admission policies' namespaceSelector, namespaceObject).
    namespace_objects: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    #: (group, kind) -> plural resource name of every CRD among the inputs (admission policies' rules).
    crd_plurals: Mapping[tuple[str, str], str] = field(default_factory=lambda: MappingProxyType({}))
    #: False when no input file names an autoscaler kind (HorizontalPodAutoscaler, ScaledObject):
    #: then a workload's replica count is not located until a finding needs it.
    autoscaled: bool = True

    @property
    def patch_files(self) -> frozenset[str]:
        return frozenset(p for k in self.kustomizations for p in k.patches)

    def supplied_paths(self, abspath: str) -> tuple[FieldPath, ...]:
        """Field paths that a kustomization including ``abspath`` (directly or through other
        kustomizations) sets on the resources it builds: findings about them are not the file's."""
        return self.supplied.get(abspath, ())


#: One fact of the index, small enough to send between processes: ``("namespace", (name, data))``,
#: ``("project", name)``, ``("app", AppRef)`` or ``("crd", (group, kind, plural or None))``.
Fact = tuple[str, Any]


def _fact(r: Resource) -> Fact | None:
    """What the index takes from one resource (None: nothing)."""
    if r.kind == "Namespace" and r.name:
        return ("namespace", (r.name, r.data))
    if r.kind == "AppProject" and r.name:
        return ("project", r.name)
    if r.kind in ("Application", "ApplicationSet") and r.group == "argoproj.io":
        project = r.get(("spec", "project")) if r.kind == "Application" else \
            r.get(("spec", "template", "spec", "project"))
        return ("app", AppRef(r.kind, r.name, r.namespace, project if isinstance(project, str) else None, r.file))
    if r.kind == "CustomResourceDefinition":
        group, kind = r.get(("spec", "group")), r.get(("spec", "names", "kind"))
        if isinstance(group, str) and isinstance(kind, str):
            plural = r.get(("spec", "names", "plural"))
            return ("crd", (group, kind, plural if isinstance(plural, str) else None))
    return None


class _Gather:
    """Facts of indexed resources, collected one at a time."""

    def __init__(self) -> None:
        self.namespaces: set[str] = set()
        self.projects: set[str] = set()
        self.apps: list[AppRef] = []
        self.crds: set[tuple[str, str]] = set()
        self.namespace_objects: dict[str, Mapping[str, Any]] = {}
        self.crd_plurals: dict[tuple[str, str], str] = {}

    def add(self, r: Resource) -> None:
        fact = _fact(r)
        if fact is not None:
            self.take(fact)

    def take(self, fact: Fact) -> None:
        what, value = fact
        if what == "namespace":
            name, data = value
            self.namespaces.add(name)
            self.namespace_objects.setdefault(name, data)
        elif what == "project":
            self.projects.add(value)
        elif what == "app":
            self.apps.append(value)
        else:
            group, kind, plural = value
            self.crds.add((group, kind))
            if plural is not None:
                self.crd_plurals[(group, kind)] = plural

    def index(self, kustomizations: Sequence[Kustomization] = (), autoscaled: bool = True) -> TreeIndex:
        return TreeIndex(frozenset(self.namespaces), frozenset(self.projects), tuple(self.apps),
                         frozenset(self.crds), tuple(kustomizations), MappingProxyType(_supplied(kustomizations)),
                         MappingProxyType(_namespaces(kustomizations)),
                         namespace_objects=MappingProxyType(self.namespace_objects),
                         crd_plurals=MappingProxyType(self.crd_plurals), autoscaled=autoscaled)


class CrdSink(Protocol):
    """Where the index phase sends the CustomResourceDefinitions it reads: the validator (or
    something wrapping it).  ``prepare_crd`` may run in a forked child; ``register_crd`` runs
    here, in file order."""

    def prepare_crd(self, resource: Resource, unit: str | None = None) -> Any: ...

    def register_crd(self, prepared: Any) -> list[Finding]: ...


#: Indexed documents, in bytes, worth a forked child parsing half of them (in-tree CRDs).
PARALLEL_BYTES = 4 * 1024 * 1024


def build_index(files: Iterable[SourceFile], limits: Limits = _LIMITS,
                on_crd: CrdSink | None = None,
                on_kustomizations: Callable[[Sequence[Kustomization]], None] | None = None,
                digests: dict[str, bytes] | None = None, jobs: int = 1,
                contents: dict[str, bytes] | None = None) -> tuple[TreeIndex, list[Finding]]:
    """Index ``files``; ``on_crd`` (the validator) is given each CustomResourceDefinition as it is
    read, with the folder of its install unit (:func:`crd_units`): it registers it, and may
    return findings about it.  ``on_kustomizations`` is given the kustomizations as soon as they are
    all known, before the documents are parsed (builds can start meanwhile).  ``digests``, when
    given, receives the SHA-256 of every file read (the result cache's lookups need no second read).
    ``contents``, when given, receives the bytes of the files read (up to :data:`HANDED_FILE_BYTES`
    each and :data:`HANDED_TOTAL_BYTES` in all): the check phase need not open them again (a tree of
    many small files pays more for opening a file than for reading it).
    With ``jobs`` above 1, a forked child parses about half of the indexed documents when they
    are many (:data:`PARALLEL_BYTES`; see :mod:`gitops_gen.forked`).  Within a run, the large
    documents parsed here, and those the child parsed, are kept for the check phase
    (:mod:`~gitops_gen.manifests.kept`: the child's as their JSON, which it hands over)."""
    gather = _Gather()
    kustomizations: list[Kustomization] = []
    findings: list[Finding] = []
    crd_only: dict[str, bool] = {}
    candidates: list[tuple[SourceFile, bytes]] = []
    sizes: list[int] = []
    handed = 0
    autoscaled = False
    shared: list[list[tuple[int, tuple[bytes, bytes]]]] = []  # (large documents, for a forked index phase)
    for source in files:
        raw = read_limited(source, limits)
        if raw is None:
            continue
        autoscaled = autoscaled or b"HorizontalPodAutoscaler" in raw or b"ScaledObject" in raw
        if digests is not None:
            digests[source.abspath] = hashlib.sha256(raw).digest()
        if contents is not None and len(raw) <= HANDED_FILE_BYTES and handed + len(raw) <= HANDED_TOTAL_BYTES:
            contents[source.abspath] = raw
            handed += len(raw)
        crd_only[source.abspath] = b"CustomResourceDefinition" in raw and \
            not top_kinds(raw) - _CRD_FILE_KINDS
        if os.path.basename(source.abspath) in KUSTOMIZATION_NAMES:
            kustomizations.extend(kustomizations_of(source.abspath, raw, limits) or ())
        elif any(word in raw for word in _INDEXED_WORDS) and names_indexed_kind(raw):
            candidates.append((source, raw if len(raw) < _KEEP_BYTES else b""))
            sizes.append(len(raw))
            if jobs > 1:  # (a file smaller than a large document holds none: not cut into documents)
                shared.append(_large_documents(raw) if len(raw) >= kept.SAME_AT_LEAST else [])
    unit = crd_units(crd_only)

    def parse(candidate: tuple[SourceFile, bytes]) -> list[tuple[Fact | None, Any]]:
        source, held = candidate
        raw = held or read_limited(source, limits) or b""  # large files are read again rather than held
        found: list[tuple[Fact | None, Any]] = []
        for resource in _indexed_resources(source, raw, limits):
            found.append((_fact(resource), on_crd.prepare_crd(resource, unit(source.abspath))
                          if resource.kind == "CustomResourceDefinition" and on_crd is not None else None))
            if isinstance(resource.positions, LazyPositions):  # may be kept for the check phase
                resource.positions.forget_tree()
        return found

    from gitops_gen.forked import sharing, split, young_collections

    groups = sharing(shared, sizes) if shared else None  # (sizes then count each document once)
    with young_collections():  # what is parsed is kept for the check phase: a large heap
        # the builds' thread starts once the child is forked (a fork copies only the forking thread)
        parsed = split(candidates, sizes, parse, min_total=PARALLEL_BYTES, jobs=jobs,
                       then=None if on_kustomizations is None else lambda: on_kustomizations(kustomizations),
                       handover=kept.HANDOVER, groups=groups)
        for found in parsed:
            for fact, prepared in found:
                if fact is not None:
                    gather.take(fact)
                if prepared is not None and on_crd is not None:
                    findings.extend(on_crd.register_crd(prepared))
    return gather.index(kustomizations, autoscaled), findings


def _large_documents(raw: bytes) -> list[tuple[int, tuple[bytes, bytes]]]:
    """The length and ends of each document of ``raw`` large enough to be read once per process
    however often it comes (:data:`~gitops_gen.manifests.kept.SAME_AT_LEAST`): what tells, well
    enough to share the work, that two files hold the same one."""
    found = []
    for begin, end, _ in document_parts(raw):
        begin += 4 if raw.startswith(b"---\n", begin) else 0  # (as kept.content_key reads it)
        if end - begin >= kept.SAME_AT_LEAST:
            found.append((end - begin, (raw[begin:begin + 256], raw[end - 256:end])))
    return found


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
    small parse.  The file is cut into documents as the loader cuts it, each read alone
    (:func:`~gitops_gen.manifests.loader.part_resources`: a large one is kept for the check
    phase, which then does not parse it again).
    """
    raw = raw.removeprefix(codecs.BOM_UTF8)  # (as the loader reads it)
    for begin, end, line in document_parts(raw):
        part = raw[begin:end]
        if names_indexed_kind(part):
            yield from part_resources(part, line, source, limits) or ()


def index_resources(resources: Iterable[Resource]) -> TreeIndex:
    """The index of resources already in memory (the API and tests): the same facts, minus
    kustomizations, which are files rather than resources."""
    gather = _Gather()
    for resource in resources:
        gather.add(resource)
    return gather.index()
