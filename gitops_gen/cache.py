"""A per-file result cache for ``check``: what checking one file gave, keyed by all it depends on.

A pull-request gate checks the tree at the base ref and at head, mostly the same files; CI checks
the same tree again and again.  Checking one file (:meth:`Engine.check_file`: loading, schemas,
per-resource rules, tree rules' facts) depends on its bytes, its path below the checked folder,
how it is shown, and what is run-wide (:func:`run_fingerprint`, once per run): gitops-gen's code
and data, the rule settings, limits and catalogue, the Kubernetes version, ``require-schemas``,
the CRDs (``--crds`` contents, the tree's CRDs and their units), the tree index (namespaces,
projects, Applications, kustomizations, the Argo CD graph) and the kustomize builds' findings.

Its :class:`~gitops_gen.engine.Outcome` is stored pickled under ``<cache dir>/results-v1/<2 hex>/``.
Judging (tree rules over the facts, configured and expired waivers) always runs, so waivers and
today's date are in no key.  Paths below the checked folder are stored relative to it, so the
same tree elsewhere (the gate's base tree in a fresh temporary folder) reuses the entries; an
entry naming the folder inside a longer string (a message) stays bound to it.  Entries are
written atomically by whichever process checked the file (forked workers too), carry a digest
(a corrupt entry is a miss, never an error), unpickle only gitops-gen's classes and plain values,
and the folder is trimmed to :data:`MAX_BYTES`, least recently used first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import hashlib
import importlib
import io
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_gen import __version__
from gitops_gen.engine import Engine, Outcome
from gitops_gen.manifests.loader import SourceFile
from gitops_gen.manifests.yamlread import Limits
from gitops_gen.model import Finding, Resource

#: Bump when what an entry holds changes shape: older entries are then never read.
CACHE_FORMAT = 1
_MAGIC = b"gitops-gen result cache %d\n" % CACHE_FORMAT
_FOLDER = f"results-v{CACHE_FORMAT}"
#: The cache is trimmed to this size (least recently used entries go first), down to 90 % of it.
MAX_BYTES = 256 * 1024 * 1024
_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_SAFE_BUILTINS = frozenset({"set", "frozenset", "tuple", "list", "dict", "bytes", "bytearray", "str", "int",
                            "float", "bool", "complex", "slice", "range"})
_SAFE_MODULES = {"datetime": frozenset({"date", "datetime", "time", "timedelta", "timezone"}),
                 "collections": frozenset({"OrderedDict"})}


def default_cache_dir() -> str:
    """``$GITOPS_GEN_CACHE_DIR``, else the user's cache folder (``platformdirs`` when installed,
    else ``$XDG_CACHE_HOME/gitops-gen`` or ``~/.cache/gitops-gen``): the folder the CRD schema
    cache uses too."""
    explicit = os.environ.get("GITOPS_GEN_CACHE_DIR")
    if explicit:
        return explicit
    try:
        platformdirs: Any = importlib.import_module("platformdirs")
    except ImportError:
        platformdirs = None
    if platformdirs is not None:
        return str(platformdirs.user_cache_dir("gitops-gen", appauthor=False))
    xdg = os.environ.get("XDG_CACHE_HOME")
    return os.path.join(xdg, "gitops-gen") if xdg else os.path.join(os.path.expanduser("~"), ".cache", "gitops-gen")


class Uncacheable(Exception):
    """Something run-wide cannot be fingerprinted reliably: the run is not cached."""


@dataclass(frozen=True, slots=True)
class Roots:
    """The checked folder (absolute, real path) and how its files are shown when that is an
    absolute path too: strings starting with either are stored relative to it."""

    real: str | None = None
    shown: str | None = None

    @classmethod
    def of(cls, paths: Sequence[str]) -> Roots:
        if len(paths) != 1 or not os.path.isdir(paths[0]):
            return cls()
        shown = os.path.normpath(paths[0])
        return cls(os.path.realpath(paths[0]), shown if os.path.isabs(shown) and shown != os.sep else None)

    def prefixes(self) -> list[tuple[str, str]]:
        """(tag, folder) pairs, longest folder first (a display root may lie below the real one)."""
        found = [(tag, p) for tag, p in (("A", self.real), ("D", self.shown)) if p and p != os.sep]
        return sorted(found, key=lambda item: -len(item[1]))

    def relative(self, text: str) -> tuple[str, str] | None:
        """``(tag, rest)`` for a path in (or equal to) one of the roots, else None."""
        for tag, root in self.prefixes():
            if text == root:
                return tag, ""
            if text.startswith(root) and text[len(root)] == os.sep:
                return tag, text[len(root) + 1:]
        return None

    def absolute(self, tag: str, rest: str) -> str:
        root = self.real if tag == "A" else self.shown
        if root is None:
            raise pickle.UnpicklingError(f"no {tag} root to relocate {rest!r} to")
        return os.path.join(root, rest) if rest else root

    def mentioned(self, payload: bytes) -> bool:
        """Whether ``payload`` still holds a root inside a longer string."""
        return any(root.encode("utf-8", "surrogatepass") in payload for _, root in self.prefixes())


# -- fingerprints ------------------------------------------------------------------------------

class _Canon:
    """A deterministic encoding of plain values, dataclasses, enums and mappings into a hash
    (sets sorted, private ``_`` fields left out, root paths made relative)."""

    def __init__(self, roots: Roots) -> None:
        self.roots = roots
        self.stack: set[int] = set()

    def encode(self, value: Any) -> bytes:
        if value is None or isinstance(value, (bool, int, float, complex)):
            return f"{type(value).__name__}:{value!r};".encode()
        if isinstance(value, str):
            rel = self.roots.relative(value)
            text = f"s:{value!r}" if rel is None else f"p{rel[0]}:{rel[1]!r}"
            return text.encode("utf-8", "surrogatepass") + b";"
        if isinstance(value, bytes):
            return b"b:" + hashlib.sha256(value).hexdigest().encode() + b";"
        if isinstance(value, enum.Enum):
            return f"e:{type(value).__qualname__}.{value.name};".encode()
        if isinstance(value, (dt.date, dt.time, dt.timedelta)):
            return f"t:{value!r};".encode()
        if isinstance(value, type) or (callable(value) and hasattr(value, "__qualname__")):
            return f"c:{getattr(value, '__module__', '?')}.{value.__qualname__};".encode()
        if id(value) in self.stack:
            raise Uncacheable(f"a cycle through a {type(value).__name__}")
        self.stack.add(id(value))
        try:
            return self._container(value)
        finally:
            self.stack.discard(id(value))

    def _container(self, value: Any) -> bytes:
        if isinstance(value, (tuple, list)):
            return b"l(" + b"".join(self.encode(v) for v in value) + b");"
        if isinstance(value, (set, frozenset)):
            return b"S(" + b"".join(sorted(self.encode(v) for v in value)) + b");"
        if isinstance(value, Mapping):
            return b"m(" + b"".join(sorted(self.encode(k) + b"=" + self.encode(v) for k, v in value.items())) + b");"
        if dataclasses.is_dataclass(value):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if not f.name.startswith("_")}
            return f"d:{type(value).__qualname__}".encode() + self._container(fields)
        state = getattr(value, "__dict__", None)
        if isinstance(state, dict):
            public = {k: v for k, v in state.items() if not k.startswith("_")}
            return f"o:{type(value).__qualname__}".encode() + self._container(public)
        raise Uncacheable(f"cannot fingerprint a {type(value).__name__}")


def fingerprint(value: Any, roots: Roots = Roots()) -> str:
    return hashlib.sha256(_Canon(roots).encode(value)).hexdigest()


def _file_digest(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        return f"unreadable {exc.errno}"


def code_fingerprint() -> list[Any]:
    """gitops-gen's version, its files (size and modification time: an edited checkout counts)
    and the versions of the libraries that validate."""
    from importlib import metadata

    files = []
    for folder, subfolders, names in os.walk(_PACKAGE):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(names):
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                stat = os.stat(path)
                files.append((os.path.relpath(path, _PACKAGE), stat.st_size, stat.st_mtime_ns))
    libraries: list[tuple[str, str | None]] = []
    for name in ("kubernetes-validate", "jsonschema-rs", "ruamel.yaml", "PyYAML"):
        try:
            libraries.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            libraries.append((name, None))
    return [__version__, CACHE_FORMAT, files, libraries]


def _crd_dir_files(crd_dirs: Sequence[str]) -> list[Any]:
    from gitops_gen.manifests import iter_files

    out: list[Any] = []
    for rank, given in enumerate(crd_dirs):
        for item in iter_files([given]):
            if isinstance(item, SourceFile):
                out.append((rank, item.abspath, item.display, _file_digest(item.abspath)))
    return out


def _rule(info: Any) -> list[Any]:
    code = []
    for fn in (info.check, info.collect, info.check_tree):
        module = getattr(fn, "__module__", None) or ""
        source = getattr(importlib.import_module(module), "__file__", None) if module else None
        outside = source is not None and not os.path.abspath(source).startswith(_PACKAGE + os.sep)
        code.append((fn, _file_digest(source) if outside and source else None))
    return [info.id, info.severity, {k: o.default for k, o in info.options.items()}, info.kinds,
            info.check_severities, code]


class CrdRecorder:
    """Wraps the validator's ``add_crd`` in the index phase, noting which CRDs the tree holds."""

    def __init__(self, add_crd: Callable[..., list[Finding]]) -> None:
        self._add_crd = add_crd
        self.seen: dict[tuple[str, str, str | None], None] = {}

    def __call__(self, resource: Resource, unit: str | None = None) -> list[Finding]:
        self.seen[(resource.abspath, resource.file, unit)] = None
        return self._add_crd(resource, unit)

    def state(self) -> list[Any]:
        return [(abspath, display, unit, _file_digest(abspath)) for abspath, display, unit in self.seen]


def run_fingerprint(engine: Engine, *, paths: Sequence[str], roots: Roots, crd_dirs: Sequence[str],
                    require_schemas: bool, rules: bool, limits: Limits, tree_crds: Sequence[Any]) -> str:
    """Everything run-wide the check of one file depends on, as one digest (computed once per run).
    Raises :class:`Uncacheable` when some part cannot be encoded deterministically."""
    config = engine.config
    settings = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
                if f.name not in ("waivers", "fail_on", "catalogue")}  # judged after the cache
    validator = engine.validator
    parts = {
        "code": code_fingerprint(),
        "paths": [os.path.normpath(p) for p in paths],
        "roots": (roots.real is not None, roots.shown is not None),
        "config": settings,
        "settings": engine.settings,
        "rules": rules,
        "resource-rules": [r.id for r in engine.resource_rules],
        "tree-rules": [r.id for r in engine.tree_rules],
        "catalogue": [list(engine.catalogue), [_rule(i) for i in engine.catalogue.rules.values()]],
        "kubernetes": [engine.kubernetes_version, validator.kubernetes_version if validator else None],
        "validate": validator is not None,
        "require-schemas": require_schemas,
        "limits": limits,
        "crd-dirs": _crd_dir_files(crd_dirs),
        "tree-crds": list(tree_crds),
        "index": engine.index,
        "builds": engine.built,
    }
    return fingerprint(parts, roots)


# -- the store ---------------------------------------------------------------------------------

@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    writes: int = 0
    #: Entries that could not be read (corrupt, foreign) or written.
    errors: int = 0
    #: Why the run was not cached at all ("" when it was).
    disabled: str = ""

    def merge(self, other: CacheStats) -> None:
        self.hits += other.hits
        self.misses += other.misses
        self.writes += other.writes
        self.errors += other.errors


class _Pickler(pickle.Pickler):
    """Pickles strings in the roots as references relative to them."""

    def __init__(self, out: io.BytesIO, roots: Roots) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self._roots = roots
        self._starts = tuple(root for _, root in roots.prefixes())

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is str and obj.startswith(self._starts):
            return self._roots.relative(obj)
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, roots: Roots) -> None:
        super().__init__(io.BytesIO(data))
        self._roots = roots

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 2 and all(isinstance(p, str) for p in pid)):
            raise pickle.UnpicklingError("bad path reference")
        return self._roots.absolute(*pid)

    def find_class(self, module: str, name: str) -> Any:
        if (module == "builtins" and name in _SAFE_BUILTINS) or name in _SAFE_MODULES.get(module, ()):
            return super().find_class(module, name)
        if module == "gitops_gen" or module.startswith("gitops_gen."):
            found = super().find_class(module, name)
            if isinstance(found, type):  # classes only: no function is ever called by loading
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a result cache entry")


class ResultCache:
    """Entries of one run: :meth:`key` of a file's bytes, :meth:`get` and :meth:`put` its Outcome."""

    def __init__(self, folder: str, run: str, roots: Roots = Roots(), max_bytes: int = MAX_BYTES) -> None:
        self.folder = os.path.join(folder, _FOLDER)
        self.run = run
        self.roots = roots
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._shards: set[str] = set()
        #: The roots' own entry tag: entries that mention the roots inside a string are bound to them.
        self._bound = fingerprint([roots.real, roots.shown])

    def key(self, source: SourceFile, raw: bytes) -> str:
        digest = hashlib.sha256(self.run.encode())
        for text in (source.abspath, source.display):
            rel = self.roots.relative(text)
            digest.update(b"\0" + (text if rel is None else f"{rel[0]}\0{rel[1]}").encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + hashlib.sha256(raw).digest())
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], key[2:])

    def get(self, key: str) -> Outcome | None:
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        head = len(_MAGIC)
        bound = data[head + 32:head + 64]
        if data.startswith(_MAGIC) and bound != b"\0" * 32 and bound != bytes.fromhex(self._bound):
            return None  # made under other roots, and mentions them: a miss, not an error
        found = self._decode(data)
        if found is None:
            self.stats.errors += 1
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # least recently used goes first
        return found

    def _decode(self, data: bytes) -> Outcome | None:
        head = len(_MAGIC)
        if not data.startswith(_MAGIC) or len(data) < head + 64 + 1:
            return None
        digest, payload = data[head:head + 32], data[head + 64:]
        if hashlib.sha256(payload).digest() != digest:
            return None
        try:
            found = _Unpickler(payload, self.roots).load()
        except Exception:  # whatever a bad entry raises, it is only a miss
            return None
        return found if isinstance(found, Outcome) else None

    def put(self, key: str, outcome: Outcome) -> None:
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            if self.roots.mentioned(payload):  # (slower) store the paths in the roots relative to them
                out = io.BytesIO()
                _Pickler(out, self.roots).dump(outcome)
                payload = out.getvalue()
        except Exception:  # an outcome that does not pickle is simply not cached
            self.stats.errors += 1
            return
        bound = bytes.fromhex(self._bound) if self.roots.mentioned(payload) else b"\0" * 32
        data = _MAGIC + hashlib.sha256(payload).digest() + bound + payload
        path = self._path(key)
        shard = os.path.dirname(path)
        try:
            if shard not in self._shards:
                os.makedirs(shard, exist_ok=True)
                self._shards.add(shard)
            fd, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=shard)
        except OSError:
            self.stats.errors += 1
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, path)
            self.stats.writes += 1
        except OSError:
            self.stats.errors += 1
            with contextlib.suppress(OSError):
                os.unlink(temp)

    def trim(self) -> int:
        """Remove the least recently used entries while the folder is over :attr:`max_bytes`
        (down to 90 % of it); the number removed."""
        entries: list[tuple[int, int, str]] = []
        total = 0
        for shard in _scan(self.folder):
            for entry in _scan(shard):
                with contextlib.suppress(OSError):
                    stat = entry.stat()
                    entries.append((stat.st_mtime_ns, stat.st_size, entry.path))
                    total += stat.st_size
        if total <= self.max_bytes:
            return 0
        removed = 0
        for _, size, path in sorted(entries):
            if total <= self.max_bytes * 0.9:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                total -= size
                removed += 1
        return removed


def _scan(folder: str) -> Iterable[Any]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []
