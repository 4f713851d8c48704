"""A per-file result cache for ``check``: what checking one file gave, keyed by all it depends on.

A pull-request gate checks the tree at the base ref and at head, mostly the same files; CI checks
the same tree again and again.  Checking one file (:meth:`Engine.check_file`: loading, schemas,
per-resource rules, tree rules' facts) depends on its bytes, its path below the checked folder,
how it is shown, and what is run-wide (:func:`run_fingerprint`, once per run): gitops-gen's code
and data, the rule settings, limits and catalogue, the Kubernetes version, ``require-schemas``,
the CRDs (``--crds`` contents, the tree's CRDs and their units), the tree index (namespaces,
projects, Applications, kustomizations, the Argo CD graph) and the kustomize builds' findings.

Its :class:`~gitops_gen.engine.Outcome` is stored pickled in *packs* (one file per batch of
checked files: a worker's batch, or :data:`PACK_ENTRIES` of a serial run) under
``<cache dir>/results-v2/<run fingerprint>/``; a run reads its fingerprint's packs at once.
Judging (tree rules over the facts, configured and expired waivers) always runs, so waivers and
today's date are in no key.  Nothing in a key depends on where the tree is: the fingerprint
takes paths in the checked folder (and the folder inside longer strings, as kustomize's
annotations have it) relative to it, and a file's key its path on disk relative to the folder
and its shown path relative to the shown name.  So the same tree elsewhere (the gate's base tree
in a fresh temporary folder, shown as head's with ``RunOptions.display_root``) reuses the
entries: an entry's references to its own file are filled with the reading run's paths; one
naming a root inside a longer string (a message) stays bound to it.  Packs are written
atomically by whichever process checked the files (forked workers too), entries carry a digest
(a corrupt entry is a miss, never an error), unpickle only gitops-gen's classes and plain
values, and the folder is trimmed to :data:`MAX_BYTES`, least recently used packs first.
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
import re
import secrets
import struct
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
CACHE_FORMAT = 2
_MAGIC = b"gitops-gen result pack %d\n" % CACHE_FORMAT
_FOLDER = f"results-v{CACHE_FORMAT}"
#: The cache is trimmed to this size (least recently used entries go first), down to 90 % of it.
MAX_BYTES = 256 * 1024 * 1024
#: A pack is written once it holds this many entries (or bytes), and at the end of a batch.
PACK_ENTRIES = 512
PACK_BYTES = 8 * 1024 * 1024
#: A run that reads more packs than this merges them into one.
MAX_PACKS = 32
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


class Unresolvable(pickle.UnpicklingError):
    """An entry names a root this run cannot tell from another: a miss, not an error."""


@dataclass(frozen=True, slots=True)
class Roots:
    """Where a run's files are: the checked folder on disk (absolute, real path) and how its files
    are shown when that is an absolute path too.  Strings in an entry naming either are stored
    relative to it: tag ``A`` (on disk), ``D`` (shown), ``B`` (both, when they are one folder: the
    entry is then read back only where they are one folder again)."""

    real: str | None = None
    shown: str | None = None
    #: The shown name made absolute (also when it is relative): fingerprints only.
    named: str | None = None

    @classmethod
    def of(cls, paths: Sequence[str], name: str | None = None) -> Roots:
        """The roots of a run over ``paths`` (one folder), its files shown below ``name`` (default:
        the folder as given)."""
        if len(paths) != 1 or not os.path.isdir(paths[0]):
            return cls()
        shown = os.path.normpath(paths[0] if name is None else name)
        return cls(os.path.realpath(paths[0]), shown if os.path.isabs(shown) and shown != os.sep else None,
                   os.path.abspath(shown))

    def prefixes(self) -> list[tuple[str, str]]:
        """(tag, folder) pairs, longest folder first (a display root may lie below the real one)."""
        if self.real is not None and self.real == self.shown:
            found = [("B", self.real)] if self.real != os.sep else []
        else:
            found = [(tag, p) for tag, p in (("A", self.real), ("D", self.shown)) if p and p != os.sep]
        return sorted(found, key=lambda item: -len(item[1]))

    def relative(self, text: str) -> tuple[str, str] | None:
        """``(tag, rest)`` for a path in (or equal to) one of the roots, else None."""
        return _below(text, self.prefixes())

    def absolute(self, tag: str, rest: str) -> str:
        root = {"A": self.real, "D": self.shown}.get(tag) if tag != "B" else \
            (self.real if self.real == self.shown else None)
        if root is None:
            raise Unresolvable(f"no {tag} root to relocate {rest!r} to")
        return os.path.join(root, rest) if rest else root

    def mentioned(self, payload: bytes) -> list[tuple[str, str]]:
        """The (tag, root) pairs whose root ``payload`` holds (inside a longer string, once
        relativized)."""
        found = []
        for tag, root in self.prefixes():
            names = root.strip(os.sep).split(os.sep)  # (also as a path relative to another folder)
            forms = [root, os.sep.join(names[1:])] if len(names) > 2 else [root]
            if any(form.encode("utf-8", "surrogatepass") in payload for form in forms):
                found.append((tag, root))
        return found

    def accepts(self, bound: Sequence[tuple[str, str]]) -> bool:
        """Whether an entry that names these roots inside its strings means the same here."""
        here = {"A": self.real, "D": self.shown, "B": self.real if self.real == self.shown else None}
        return all(here.get(tag) == root for tag, root in bound)

    def fingerprint_prefixes(self) -> list[tuple[str, str]]:
        """Every root, one tag: the fingerprint of a tree does not depend on where it is."""
        found = {p for p in (self.real, self.shown, self.named) if p and p != os.sep}
        return sorted((("R", p) for p in found), key=lambda item: -len(item[1]))


def _below(text: str, prefixes: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    for tag, root in prefixes:
        if text == root:
            return tag, ""
        if text.startswith(root) and text[len(root)] == os.sep:
            return tag, text[len(root) + 1:]
    return None


# -- fingerprints ------------------------------------------------------------------------------

class _Canon:
    """A deterministic encoding of plain values, dataclasses, enums and mappings into a hash
    (sets sorted, private ``_`` fields left out, root paths made relative)."""

    def __init__(self, roots: Roots) -> None:
        self.prefixes = roots.fingerprint_prefixes()
        self.stack: set[int] = set()
        #: (the root's last two names, its mentions inside longer strings: the absolute path, or
        #: a path relative to another folder, as kustomize's annotations have it)
        self.inside = [(os.sep.join(root.split(os.sep)[-2:]), _mentions(root)) for _, root in self.prefixes]

    def encode(self, value: Any) -> bytes:
        if value is None or isinstance(value, (bool, int, float, complex)):
            return f"{type(value).__name__}:{value!r};".encode()
        if isinstance(value, str):
            rel = _below(value, self.prefixes)
            if rel is None:
                for tail, pattern in self.inside:
                    if tail in value:
                        value = pattern.sub("\0R\0", value)
            text = f"s:{value!r}" if rel is None else f"p{rel[0]}:{rel[1]!r}"
            return text.encode("utf-8", "surrogatepass") + b";"
        if isinstance(value, bytes):
            return b"b:" + hashlib.sha256(value).hexdigest().encode() + b";"
        if isinstance(value, enum.Enum):
            return f"e:{type(value).__qualname__}.{value.name};".encode()
        if isinstance(value, (dt.date, dt.time, dt.timedelta)):
            return f"t:{value!r};".encode()
        if hasattr(type(value), "__fingerprint__"):  # an object that says what it stands for
            return self.encode(value.__fingerprint__())
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


def _mentions(root: str) -> re.Pattern[str]:
    """``root`` inside a string: absolute, or relative to another folder (``../`` and the rest of
    it below a common ancestor)."""
    names = root.strip(os.sep).split(os.sep)
    tails = [re.escape(os.sep.join(names[k:])) for k in range(len(names) - 1)]
    up = re.escape(os.pardir + os.sep)
    return re.compile(f"{re.escape(root)}(?![^{re.escape(os.sep)}\\s:;,'\")])|(?:{up})+(?:{'|'.join(tails)})"
                      f"(?![^{re.escape(os.sep)}\\s:;,'\")])")


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
    def __init__(self, data: bytes | memoryview, roots: Roots) -> None:
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


#: A record of a pack: key, sha256 of (bound + payload), len(bound), len(payload).
_RECORD = struct.Struct(">32s32sII")


def _seeds(source: SourceFile) -> tuple[str, ...]:
    return (source.display,) if source.abspath == source.display else (source.display, source.abspath)


def _memo_prefix(seeds: Sequence[str]) -> bytes:
    """Pickle opcodes filling the first memo slots with ``seeds`` (protocol 5, then for each:
    BINUNICODE, MEMOIZE, POP)."""
    out = bytearray(b"\x80\x05")
    for seed in seeds:
        text = seed.encode("utf-8", "surrogatepass")
        out += b"X" + struct.pack("<I", len(text)) + text + b"\x940"
    return bytes(out)


def _encode_bound(bound: Sequence[tuple[str, str]]) -> bytes:
    return "\0".join(tag + root for tag, root in bound).encode("utf-8", "surrogatepass")


def _decode_bound(data: bytes) -> list[tuple[str, str]]:
    text = data.decode("utf-8", "surrogatepass")
    return [(item[:1], item[1:]) for item in text.split("\0")] if text else []


class ResultCache:
    """Entries of one run: :meth:`key` of a file's bytes, :meth:`get` and :meth:`put` its Outcome.

    Entries are kept in *packs*, one file per batch of checked files (a worker's batch, or a
    serial run's :data:`PACK_ENTRIES`), in a folder of the run's fingerprint: a run reads only
    the packs of its own fingerprint, all at once on its first :meth:`get`.  :meth:`put` holds
    entries until :meth:`flush` writes them (atomically, as a new pack).  A run that finds more
    than :data:`MAX_PACKS` packs merges what it read into one."""

    def __init__(self, folder: str, run: str, roots: Roots = Roots(), max_bytes: int = MAX_BYTES) -> None:
        self.base = os.path.join(folder, _FOLDER)
        self.folder = os.path.join(self.base, run[:32])
        self.run = run
        self.roots = roots
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._index: dict[bytes, tuple[str, memoryview]] | None = None
        self._packs: list[str] = []
        self._used: set[str] = set()
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def key(self, source: SourceFile, raw: bytes) -> str:
        """The file's entry key: the run, its bytes, and where it is and how it is shown, relative
        to the roots (each by its own: the path on disk to the folder, the shown one to the name)."""
        digest = hashlib.sha256(self.run.encode())
        for tag, root, text in (("A", self.roots.real, source.abspath), ("D", self.roots.shown, source.display)):
            rel = _below(text, [(tag, root)]) if root else None
            digest.update(b"\0" + (text if rel is None else f"{rel[0]}\0{rel[1]}").encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + hashlib.sha256(raw).digest())
        return digest.hexdigest()

    # -- reading

    def _load(self) -> dict[bytes, tuple[str, memoryview]]:
        if self._index is None:
            self._index = {}
            for entry in sorted(_scan(self.folder), key=lambda e: e.name):
                if entry.name.startswith(".") or not entry.name.endswith(".pack"):
                    continue
                self._packs.append(entry.path)
                try:
                    with open(entry.path, "rb") as handle:
                        data = memoryview(handle.read())
                except OSError:
                    continue
                if data[:len(_MAGIC)] != _MAGIC:
                    self.stats.errors += 1
                    continue
                at = len(_MAGIC)
                while at + _RECORD.size <= len(data):
                    key, digest, bound, size = _RECORD.unpack_from(data, at)
                    end = at + _RECORD.size + bound + size
                    if end > len(data):  # a truncated pack: what precedes the cut is still good
                        self.stats.errors += 1
                        break
                    if hashlib.sha256(data[at + _RECORD.size:end]).digest() != digest:
                        self.stats.errors += 1  # a damaged entry is a miss (and is left out of merges)
                    else:
                        self._index.setdefault(key, (entry.path, data[at:end]))
                    at = end
                else:
                    if at != len(data):  # cut inside a record's header
                        self.stats.errors += 1
        return self._index

    def empty(self) -> bool:
        """Whether the run's folder holds no entry at all (a cold run: nothing is worth looking up)."""
        return not self._load()

    def get(self, key: str, source: SourceFile | None = None) -> Outcome | None:
        """The outcome stored under ``key`` (of ``source``, shown and placed as in this run), or None."""
        try:
            found = self._load().get(bytes.fromhex(key))
        except ValueError:
            return None
        if found is None:
            return None
        pack, record = found
        _, _, size, _ = _RECORD.unpack_from(record)
        body = record[_RECORD.size:]
        try:
            bound = _decode_bound(bytes(body[:size]))
        except (UnicodeDecodeError, ValueError):
            self.stats.errors += 1
            return None
        if not self.roots.accepts(bound):
            return None  # made under other roots, and mentions them: a miss, not an error
        scheme, payload = bytes(body[size:size + 1]), body[size + 1:]
        if scheme in (b"1", b"2"):
            if source is None:
                return None
            seeds = _seeds(source)
            if scheme == b"1" and len(seeds) == 2:
                return None  # its path on disk was its shown one, and now is not: which was which?
            if scheme == b"2" and len(seeds) == 1:
                seeds = (source.display, source.display)
            if bytes(payload[:2]) != b"\x80\x05":
                self.stats.errors += 1
                return None
            payload = memoryview(_memo_prefix(seeds) + payload[2:])
        elif scheme != b"P":
            self.stats.errors += 1
            return None
        try:
            outcome = _Unpickler(payload, self.roots).load()
        except Unresolvable:
            return None
        except Exception:  # whatever a bad entry raises, it is only a miss
            self.stats.errors += 1
            return None
        if not isinstance(outcome, Outcome):
            self.stats.errors += 1
            return None
        self._used.add(pack)
        return outcome

    # -- writing

    def put(self, key: str, outcome: Outcome, source: SourceFile | None = None) -> None:
        """Hold ``outcome`` (what checking ``source`` gave) for the next :meth:`flush`."""
        try:
            payload = self._dumps(outcome, source)
            bound = _encode_bound(self.roots.mentioned(payload[1:]))
            record = _RECORD.pack(bytes.fromhex(key), hashlib.sha256(bound + payload).digest(), len(bound),
                                  len(payload)) + bound + payload
        except Exception:  # an outcome that does not pickle is simply not cached
            self.stats.errors += 1
            return
        self._pending.append(record)
        self._pending_bytes += len(record)
        if len(self._pending) >= PACK_ENTRIES or self._pending_bytes >= PACK_BYTES:
            self.flush()

    def _dumps(self, outcome: Outcome, source: SourceFile | None) -> bytes:
        """The entry's payload: a scheme byte, then the pickle.

        ``1``/``2``: the file's shown path (and its path on disk) are pickled as references to
        the first memo slots, filled with the reading run's own when it is read (the strings of
        an outcome naming its file are those objects; any other naming a root binds the entry to
        it); ``P`` (no file given): strings in the roots are pickled as references relative to
        them, slower."""
        if source is not None:
            seeds = _seeds(source)
            out = io.BytesIO()
            pickler = pickle.Pickler(out, protocol=5)  # (the memo prefix is protocol 5's)
            pickler.memo = {id(s): (i, s) for i, s in enumerate(seeds)}
            pickler.dump(outcome)
            return str(len(seeds)).encode() + out.getvalue()
        out = io.BytesIO()
        _Pickler(out, self.roots).dump(outcome)
        return b"P" + out.getvalue()

    def flush(self) -> None:
        """Write the entries held by :meth:`put` as one new pack."""
        records, self._pending, self._pending_bytes = self._pending, [], 0
        if records:
            if self._write(records):
                self.stats.writes += len(records)
            else:
                self.stats.errors += len(records)

    def _write(self, records: Sequence[bytes | memoryview]) -> bool:
        try:
            os.makedirs(self.folder, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC)
                handle.writelines(records)
            os.replace(temp, os.path.join(self.folder, f"{secrets.token_hex(8)}.pack"))
            return True
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            return False

    # -- upkeep

    def close(self) -> None:
        """After a run: what is held written, the packs read from marked as used, the run's packs
        merged when there are too many, the folder trimmed when it wrote anything."""
        self.flush()
        for pack in self._used:
            with contextlib.suppress(OSError):
                os.utime(pack)  # least recently used goes first
        if self._index is not None and len(self._packs) > MAX_PACKS:
            self._merge()
        if self.stats.writes:
            self.trim()

    def _merge(self) -> None:
        index = self._index or {}
        if self._write([record for _, record in index.values()]):
            for pack in self._packs:
                with contextlib.suppress(OSError):
                    os.unlink(pack)
        self._index, self._packs, self._used = None, [], set()

    def trim(self) -> int:
        """Remove the least recently used packs while the cache is over :attr:`max_bytes`
        (down to 90 % of it); the number removed."""
        packs: list[tuple[int, int, str]] = []
        total = 0
        for run in _scan(self.base):
            for entry in _scan(run.path):
                with contextlib.suppress(OSError):
                    stat = entry.stat()
                    packs.append((stat.st_mtime_ns, stat.st_size, entry.path))
                    total += stat.st_size
        if total <= self.max_bytes:
            return 0
        removed = 0
        for _, size, path in sorted(packs):
            if total <= self.max_bytes * 0.9:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                total -= size
                removed += 1
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.dirname(path))  # only when it was the run's last pack
        return removed


def _scan(folder: str) -> Iterable[Any]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []
