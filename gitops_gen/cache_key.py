"""What a cached result depends on, as digests: the run fingerprint and where a tree's files are.

:func:`run_fingerprint` turns everything run-wide that the check of one file depends on into one
digest (gitops-gen's code and data, rule settings and catalogue, Kubernetes version, CRDs, the
tree index and the kustomize builds), independent of where the tree is on disk: :class:`Roots`
says where a run's files are, and paths below them are encoded relative to them.  The store that
uses these keys is :mod:`gitops_gen.cache`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import hashlib
import importlib
import os
import pickle
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from gitops_gen import __version__
from gitops_gen.engine import Engine
from gitops_gen.manifests.loader import SourceFile
from gitops_gen.manifests.yamlread import Limits
from gitops_gen.model import Finding, Resource
from gitops_gen.records import record

#: Bump when what an entry holds changes shape: older entries are then never read.
CACHE_FORMAT = 2
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


class Uncacheable(Exception):
    """Something run-wide cannot be fingerprinted reliably: the run is not cached."""


class Unresolvable(pickle.UnpicklingError):
    """An entry names a root this run cannot tell from another: a miss, not an error."""


@record
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
        return below(text, self.prefixes())

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


def below(text: str, prefixes: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """``(tag, rest)`` of ``text`` below (or equal to) the first of the (tag, folder) ``prefixes`` holding it."""
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
            rel = below(value, self.prefixes)
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
    and the installed distributions of the libraries that validate."""
    files = []
    for folder, subfolders, names in os.walk(_PACKAGE):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(names):
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                stat = os.stat(path)
                files.append((os.path.relpath(path, _PACKAGE), stat.st_size, stat.st_mtime_ns))
    return [__version__, CACHE_FORMAT, files, installed(LIBRARIES)]


#: The distributions whose version changes what a check finds.
LIBRARIES = ("kubernetes-validate", "jsonschema-rs", "ruamel.yaml", "PyYAML", "rapidyaml")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(names: Sequence[str]) -> list[tuple[str, str | None, int | None]]:
    """(name, metadata folder, its modification time) of the first installed distribution of each
    name on ``sys.path``, as :func:`importlib.metadata.version` would find it (its folder names
    the version; reinstalling touches it), without importing :mod:`importlib.metadata` (and the
    e-mail parser it loads)."""
    wanted = {_normalized(name): name for name in names}
    found: dict[str, tuple[str, str | None, int | None]] = {}
    for entry in sys.path:
        try:
            listing = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for item in listing:
            if not item.endswith((".dist-info", ".egg-info")):
                continue
            name = wanted.get(_normalized(item.rsplit(".", 1)[0].split("-", 1)[0]))
            if name is not None and name not in found:
                with contextlib.suppress(OSError):
                    found[name] = (name, item, os.stat(os.path.join(entry or ".", item)).st_mtime_ns)
        if len(found) == len(wanted):
            break
    return [found.get(name, (name, None, None)) for name in names]


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
    """Wraps the validator's CRD registration in the index phase, noting which CRDs the tree holds."""

    def __init__(self, validator: Any) -> None:
        self._validator = validator
        self.seen: dict[tuple[str, str, str | None], None] = {}

    def prepare_crd(self, resource: Resource, unit: str | None = None) -> Any:
        return self._validator.prepare_crd(resource, unit)

    def register_crd(self, prepared: Any) -> list[Finding]:
        self.seen[(prepared.abspath, prepared.display, prepared.unit)] = None
        return self._validator.register_crd(prepared)  # type: ignore[no-any-return]

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
        # (not whether an autoscaler is named: that decides only when an anchor is located, and
        # both kinds of anchor give the same finding)
        "index": dataclasses.replace(engine.index, autoscaled=True),
        "builds": engine.built,
    }
    return fingerprint(parts, roots)
