"""Find, read and cache the CRDs of ``--crds`` folders, reading only the ones that are needed.

CRD folders are big (the 61 CRDs of an ML platform are 29 MB of YAML, seconds to parse), and a
run needs a handful of them.  So:

1. Each file is indexed by a cheap text scan for the ``group:`` and ``kind:`` values it holds
   (a superset of its CRDs' identities); the index is cached by (path, size, mtime).
2. When a custom resource asks for ``group``/``kind``, only the files whose index holds both
   are read (a typo in a kind reads nothing).  A file that mentions CustomResourceDefinition
   but whose identities the scan cannot read (none found, or written as an alias or a block
   scalar) is always read, so the scan can only cost time, never miss a CRD.
3. A file's converted schemas are cached by a hash of its content; a second run with the same
   CRDs reads a small JSON file instead of parsing megabytes of YAML.  A file that is parsed
   converts each CRD version's schema through the run's :class:`SchemaCache` (keyed by the
   schema's content), so an edit to one CRD of a file converts only that CRD again.

When several files define the same group and kind, a later path wins over an earlier one (the
command line's ``--crds`` come after the configuration's ``crds``); within one path, the first
file in walking order wins.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_gen import __version__
from gitops_gen.errors import UsageError
from gitops_gen.manifests import SourceFile, iter_files
from gitops_gen.manifests.loader import LoadResult, decode, load_text
from gitops_gen.manifests.yamlread import Limits
from gitops_gen.schemas.cache import read_json, write_json
from gitops_gen.schemas.crd_cache import SchemaCache
from gitops_gen.schemas.crds import CrdDefinition, CrdProblem, is_crd, read_crd

#: Bump when the converted form changes, so old cache entries are not used.
CACHE_FORMAT = 4
_SALT = f"gitops-gen {__version__} crd-cache {CACHE_FORMAT}".encode()
_INDEX_NAME = f"crd-index-v{CACHE_FORMAT}.json"
_ENTRIES = f"crd-schemas-v{CACHE_FORMAT}"

_MARKER = b"CustomResourceDefinition"
#: ``group: x`` / ``kind: X`` in block or flow YAML or JSON, the value possibly quoted, tagged,
#: anchored or on the next line.  Deliberately loose: an extra match only costs a parse.  One
#: pattern per name, each starting with its literal (an alternation is ten times slower on 29 MB).
_VALUE = {name: re.compile(name + rb"""["']?[ \t]*:\s*(?:![^\s]*\s+)?(?:&[^\s]+\s+)?["']?"""
                           rb"""([A-Za-z0-9][A-Za-z0-9.\-]*)""") for name in (b"group", b"kind")}
#: A value the scan cannot read (an alias, a block scalar): such a file is always read.
_OPAQUE = {name: re.compile(name + rb"""["']?[ \t]*:[ \t]*[*|>]""") for name in (b"group", b"kind")}
_BOUNDARY = frozenset(b" \t\r\n{,")


def _is_key(raw: bytes, start: int) -> bool:
    """Whether the match at ``start`` is a whole key (not the end of ``subgroup:``)."""
    if start > 0 and raw[start - 1] in b"\"'":
        start -= 1
    return start == 0 or raw[start - 1] in _BOUNDARY


#: CRD files can be large; the manifest limit (16 MB) is raised for them.
_CRD_LIMITS = Limits(max_file_bytes=256 * 1024 * 1024, max_nodes=20_000_000, max_depth=1000)


@dataclass(slots=True)
class IndexedFile:
    abspath: str
    display: str
    #: Position of the ``--crds`` path it was found under (a higher one wins).
    rank: int
    size: int
    mtime_ns: int
    #: Candidate identities from the text scan; None means "read it to find out".
    groups: frozenset[str] | None
    kinds: frozenset[str] | None

    def may_define(self, group: str, kind: str) -> bool:
        if self.groups is None or self.kinds is None:
            return True
        return group in self.groups and kind in self.kinds


def scan(raw: bytes) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """Candidate groups and kinds of a file's CRDs; ``(set(), set())`` for a file without CRDs."""
    if _MARKER not in raw:
        return frozenset(), frozenset()
    found: dict[bytes, set[str]] = {}
    for name, pattern in _VALUE.items():
        if any(_is_key(raw, m.start()) for m in _OPAQUE[name].finditer(raw)):
            return None, None
        found[name] = {m.group(1).decode("ascii") for m in pattern.finditer(raw) if _is_key(raw, m.start())}
    groups, kinds = found[b"group"], found[b"kind"]
    if not groups or not kinds:
        return None, None
    return frozenset(groups), frozenset(kinds)


@dataclass(slots=True)
class FileProblems:
    """Problems met while reading one CRD file (unreadable YAML, broken CRDs)."""

    file: str
    problems: list[CrdProblem] = field(default_factory=list)


class CrdStore:
    """CRDs from ``--crds`` paths, looked up by group and kind."""

    def __init__(self, crd_dirs: Sequence[str | os.PathLike[str]], cache_dir: Path | None,
                 schemas: SchemaCache | None = None) -> None:
        self._paths = [str(p) for p in crd_dirs]
        for given in self._paths:
            if not os.path.exists(given):
                raise UsageError(f"--crds path does not exist: {given}")
        self._cache_dir = cache_dir
        #: Converted schemas by content, shared with the CRDs among the inputs.
        self._schemas = schemas if schemas is not None else SchemaCache(cache_dir)
        #: (group, kind) -> (rank of its path, the CRD)
        self._found: dict[tuple[str, str], tuple[int, CrdDefinition]] = {}
        self._index: list[IndexedFile] | None = None
        self._read: set[str] = set()
        #: Keys every candidate file of which has been read: their answer is final.
        self._settled: set[tuple[str, str]] = set()
        self.file_problems: list[FileProblems] = []
        #: How many CRD files were parsed as YAML, and how many came from the cache.
        self.stats = {"parsed": 0, "cached": 0, "scanned": 0}

    def lookup(self, group: str, kind: str) -> CrdDefinition | None:
        key = (group, kind)
        if self._paths and key not in self._settled:
            for entry in self._indexed():
                if entry.abspath not in self._read and entry.may_define(group, kind):
                    self._read.add(entry.abspath)
                    self._load(entry)
            self._settled.add(key)
        found = self._found.get(key)
        return None if found is None else found[1]

    def load_all(self) -> list[CrdDefinition]:
        """Read every file of the ``--crds`` paths (filling the cache), and return all their CRDs."""
        for entry in self._indexed():
            if entry.abspath not in self._read:
                self._read.add(entry.abspath)
                self._load(entry)
        return [crd for _, crd in self._found.values()]

    # -- index ---------------------------------------------------------------------------------

    def _indexed(self) -> list[IndexedFile]:
        if self._index is None:
            self._index = self._build_index()
        return self._index

    def _files(self) -> Iterable[tuple[int, SourceFile]]:
        for rank, given in enumerate(self._paths):
            for item in iter_files([given]):
                if isinstance(item, SourceFile):
                    yield rank, item  # already named as typed from the current folder

    def _build_index(self) -> list[IndexedFile]:
        index_path = self._cache_dir / _INDEX_NAME if self._cache_dir else None
        cached = read_json(index_path) if index_path else None
        known: dict[str, Any] = cached if isinstance(cached, dict) else {}
        changed = False
        out: list[IndexedFile] = []
        for rank, source in self._files():
            try:
                stat = os.stat(source.abspath)
            except OSError:
                continue
            entry = self._from_index(known.get(source.abspath), source, stat, rank)
            if entry is None:
                try:
                    raw = Path(source.abspath).read_bytes()
                except OSError:
                    continue
                self.stats["scanned"] += 1
                groups, kinds = scan(raw)
                entry = IndexedFile(source.abspath, source.display, rank, stat.st_size, stat.st_mtime_ns,
                                    groups, kinds)
                known[source.abspath] = [entry.size, entry.mtime_ns,
                                         None if groups is None else sorted(groups),
                                         None if kinds is None else sorted(kinds)]
                changed = True
            out.append(entry)
        if changed and index_path is not None:
            write_json(index_path, {p: v for p, v in known.items() if os.path.exists(p)})
        return out

    @staticmethod
    def _from_index(raw: Any, source: SourceFile, stat: os.stat_result, rank: int) -> IndexedFile | None:
        try:
            size, mtime_ns, groups, kinds = raw
            if size != stat.st_size or mtime_ns != stat.st_mtime_ns:
                return None
            return IndexedFile(source.abspath, source.display, rank, size, mtime_ns,
                               None if groups is None else frozenset(map(str, groups)),
                               None if kinds is None else frozenset(map(str, kinds)))
        except (TypeError, ValueError):
            return None

    # -- reading -------------------------------------------------------------------------------

    def _load(self, entry: IndexedFile) -> None:
        try:
            raw = Path(entry.abspath).read_bytes()
        except OSError as exc:
            problem = CrdProblem((), f"cannot read: {exc.strerror}", 1, 1)
            self.file_problems.append(FileProblems(entry.display, [problem]))
            return
        digest = hashlib.sha256(_SALT + raw).hexdigest()
        cache_path = self._cache_dir / _ENTRIES / f"{digest}.json" if self._cache_dir else None
        loaded = self._from_cache(cache_path, entry.display) if cache_path else None
        if loaded is None:
            self.stats["parsed"] += 1
            loaded = self._parse(raw, entry)
            if cache_path is not None:
                write_json(cache_path, {"crds": [c.to_json() for c in loaded[0]],
                                        "problems": [p.to_json() for p in loaded[1]]})
        else:
            self.stats["cached"] += 1
        crds, problems = loaded
        every = [*problems, *(p for c in crds for p in c.problems)]
        if every:
            self.file_problems.append(FileProblems(entry.display, every))
        for crd in crds:
            key = (crd.group, crd.kind)
            current = self._found.get(key)
            if current is None or entry.rank > current[0]:
                self._found[key] = (entry.rank, crd)

    @staticmethod
    def _from_cache(path: Path, display: str) -> tuple[list[CrdDefinition], list[CrdProblem]] | None:
        raw = read_json(path)
        if not isinstance(raw, dict):
            return None
        try:
            crds = [CrdDefinition.from_json(c) for c in raw["crds"]]
            problems = [CrdProblem.from_json(p) for p in raw["problems"]]
        except (KeyError, TypeError, ValueError):
            return None  # a corrupt or foreign entry: rebuild it
        for crd in crds:  # the same content may sit under another name
            crd.source = display
        return crds, problems

    def _parse(self, raw: bytes, entry: IndexedFile) -> tuple[list[CrdDefinition], list[CrdProblem]]:
        source = SourceFile(entry.abspath, entry.display)
        result = LoadResult(source)
        text = decode(raw, entry.display, _CRD_LIMITS)
        if isinstance(text, str):
            load_text(text, source, result, _CRD_LIMITS)
        else:
            result.findings.append(text)
        problems = [CrdProblem((), f.message, f.line, f.column) for f in result.findings]
        crds: list[CrdDefinition] = []
        for resource in result.resources:
            if is_crd(resource):
                crd, crd_problems = read_crd(resource, entry.display, self._schemas)
                if crd is not None:
                    crds.append(crd)
                else:
                    problems.extend(crd_problems)
        return crds, problems
