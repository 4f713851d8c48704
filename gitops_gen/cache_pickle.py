"""How result cache entries are pickled and unpickled (see :mod:`gitops_gen.cache`).

Unpickling allows gitops-gen's classes and plain values only (no function is ever called by
loading).  Dataclass instances are pickled as a call of their constructor where that rebuilds
them as they are: pickle's default for a slotted dataclass sets its fields one by one through
``dataclasses.fields()``, which was most of the time of reading a warm cache.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import struct
from collections.abc import Callable, Sequence
from typing import Any

from gitops_gen.cache_key import Roots
from gitops_gen.manifests.loader import SourceFile
from gitops_gen.records import arguments_getter, arguments_of

_SAFE_BUILTINS = frozenset({"set", "frozenset", "tuple", "list", "dict", "bytes", "bytearray", "str", "int",
                            "float", "bool", "complex", "slice", "range"})
_SAFE_MODULES = {"datetime": frozenset({"date", "datetime", "time", "timedelta", "timezone"}),
                 "collections": frozenset({"OrderedDict"})}


#: class -> its fields, in the order its constructor takes them, when an instance is pickled as a
#: call of the constructor (None: as pickle does by default).
_BY_CONSTRUCTOR: dict[type, tuple[str, ...] | None] = {}
_DEFAULT_PICKLING = frozenset({"object.__reduce__", "object.__reduce_ex__", "object.__getstate__",
                               "_dataclass_getstate", "_dataclass_setstate"})


def _constructor_fields(obj: Any) -> tuple[str, ...] | None:
    """The fields of a dataclass instance that pickle would rebuild field by field (slotted ones
    through ``dataclasses.fields()``, most of the time of reading a cache entry) and that its
    generated constructor rebuilds as they are: every field positional, no ``__post_init__``,
    pickling not customized, and the constructor storing what it is given (checked once per
    class)."""
    cls = type(obj)
    try:
        return _BY_CONSTRUCTOR[cls]
    except KeyError:
        pass
    names: tuple[str, ...] | None = None
    methods = [getattr(cls, name, None) for name in ("__reduce__", "__reduce_ex__", "__getstate__", "__setstate__")]
    params = getattr(cls, "__dataclass_params__", None)
    if params is not None and params.init and not hasattr(cls, "__post_init__") and \
            not hasattr(cls, "__getnewargs__") and \
            all(m is None or getattr(m, "__qualname__", "") in _DEFAULT_PICKLING for m in methods):
        fields = dataclasses.fields(cls)
        if all(f.init and not f.kw_only for f in fields):
            candidate = tuple(f.name for f in fields)
            try:
                rebuilt = cls(*(getattr(obj, name) for name in candidate))
                if all(getattr(rebuilt, name) is getattr(obj, name) for name in candidate):
                    names = candidate
            except Exception:  # a constructor that wants something else: pickle's own way
                names = None
    _BY_CONSTRUCTOR[cls] = names
    return names


#: class -> how to get an instance's constructor arguments (None: pickled as pickle does).
_HOW: dict[type, Callable[[Any], tuple[Any, ...]] | None] = {}


def _how(obj: Any) -> Callable[[Any], tuple[Any, ...]] | None:
    cls = type(obj)
    how = arguments_of(cls)  # a record
    if how is None and dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        names = _constructor_fields(obj)
        if names is not None:
            how = arguments_getter(names)
    _HOW[cls] = how
    return how


class FastPickler(pickle.Pickler):
    """Pickles a record (:mod:`gitops_gen.records`) or a dataclass instance as a call of its
    constructor (see :func:`_constructor_fields`), what to do found once per class."""

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        how = _HOW[cls] if cls in _HOW else _how(obj)
        if how is None:
            return NotImplemented
        return cls, how(obj)


class RootsPickler(FastPickler):
    """Pickles strings in the roots as references relative to them."""

    def __init__(self, out: io.BytesIO, roots: Roots) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self._roots = roots
        self._starts = tuple(root for _, root in roots.prefixes())

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is str and obj.startswith(self._starts):
            return self._roots.relative(obj)
        return None


class Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes | memoryview, roots: Roots) -> None:
        super().__init__(io.BytesIO(data))
        self._roots = roots

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 2 and all(isinstance(p, str) for p in pid)):
            raise pickle.UnpicklingError("bad path reference")
        return self._roots.absolute(*pid)

    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is not None:
            return found
        if (module == "builtins" and name in _SAFE_BUILTINS) or name in _SAFE_MODULES.get(module, ()):
            found = super().find_class(module, name)
        elif module == "gitops_gen" or module.startswith("gitops_gen."):
            found = super().find_class(module, name)
            if not isinstance(found, type):  # classes only: no function is ever called by loading
                found = None
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a result cache entry")
        _ALLOWED[(module, name)] = found
        return found


#: (module, name) -> what :meth:`Unpickler.find_class` allowed (each entry names its classes again).
_ALLOWED: dict[tuple[str, str], Any] = {}


def memo_prefix(seeds: Sequence[str]) -> bytes:
    """Pickle opcodes filling the first memo slots with ``seeds`` (protocol 5, then for each:
    BINUNICODE, MEMOIZE, POP)."""
    out = bytearray(b"\x80\x05")
    for seed in seeds:
        text = seed.encode("utf-8", "surrogatepass")
        out += b"X" + struct.pack("<I", len(text)) + text + b"\x940"
    return bytes(out)


def seeds_of(source: SourceFile) -> tuple[str, ...]:
    """The memo seeds of a file's entry: its shown path, and its path on disk when that differs."""
    return (source.display,) if source.abspath == source.display else (source.display, source.abspath)


#: The pickle opcode reading memo slot 1, the file's path on disk in a ``2`` entry (BINGET: slots
#: below 256 are always read by it): an entry without these bytes does not name that path.
_BINGET_1 = pickle.BINGET + b"\x01"


def portable(scheme: bytes, bound: Sequence[Any], payload: bytes | memoryview) -> bool:
    """Whether an entry's outcome is valid under any roots: it names none of them (``bound``) and,
    made where a file's shown path and its path on disk differ, not the latter."""
    return scheme == b"2" and not bound and _BINGET_1 not in bytes(payload)
