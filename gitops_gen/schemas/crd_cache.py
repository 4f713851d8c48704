"""Each CRD version's schema converted once: by content, in memory for a run, on disk across runs.

Converting a CRD's ``openAPIV3Schema`` (:mod:`~gitops_gen.schemas.crd_convert`) walks every
node of it, and a tree of upstream projects holds hundreds of CRDs, many of them several times
(an install bundle, its HA variant, a chart).  :class:`SchemaCache` keys a converted schema by a
digest of the schema's content, whether unknown fields are preserved, and the converter's
version (its code, ``names``' code, gitops-gen's version); a converted schema is the same
wherever the CRD sits, so the CRDs among the inputs and those of ``--crds`` share entries.  An
entry is one file in the user's cache folder, checked when read and parsed only when a
resource needs the schema (:class:`Stored`); one that cannot be read or fails its check is
ignored and rewritten, and a folder that cannot be written is simply not used.

Compiling a schema into a validator costs as much again, so it waits for a resource of the
kind (:meth:`~gitops_gen.schemas.crds.CrdVersion.compiled`).  What jsonschema_rs could refuse
in a converted schema are only the values the converter copies (a ``pattern`` that is not a
regular expression, ``multipleOf: 0``): its structure is the converter's own, from a fixed vocabulary.
So instead of compiling the whole schema, :func:`probe` compiles its distinct value fragments;
only when one is refused is the whole schema compiled, for jsonschema_rs' own message and
location.  Only schemas that pass are cached (the installed jsonschema_rs is part of the key).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import marshal
import os
import sys
from pathlib import Path
from typing import Any

import jsonschema_rs

from gitops_gen import __version__
from gitops_gen.model import FieldPath
from gitops_gen.schemas import crd_convert, names
from gitops_gen.schemas.cache import read_bytes, write_bytes
from gitops_gen.schemas.crd_convert import convert

#: Bump when the layout of an entry changes.
ENTRY_FORMAT = 2
_FOLDER = f"crd-converted-v{ENTRY_FORMAT}"
#: Value fragments jsonschema_rs accepted in this process (their JSON text), checked once each.
_ACCEPTED: set[str] = set()
_ACCEPTED_MAX = 200_000


def _files_of(module: Any) -> list[tuple[str, int, int]]:
    """(name, size, modification time) of the files of a module's folder (an installed library's
    version, without importing :mod:`importlib.metadata`)."""
    folder = os.path.dirname(module.__file__ or "")
    try:
        listing = sorted(os.listdir(folder))
    except OSError:
        return []
    out = []
    for name in listing:
        with contextlib.suppress(OSError):
            stat = os.stat(os.path.join(folder, name))
            out.append((name, stat.st_size, stat.st_mtime_ns))
    return out


@functools.cache
def _keys() -> dict[bool, bytes]:
    """The digest's key for each ``preserve``: what a converted schema depends on besides the
    schema (the converter's code and version), and what decides whether it compiles (the
    installed jsonschema_rs); computed once, when first needed."""
    digest = hashlib.sha256(f"gitops-gen {__version__} crd-converted {ENTRY_FORMAT} converter "
                            f"{crd_convert.CONVERTER_VERSION} python {sys.version_info[:2]}".encode())
    for module in (crd_convert, names):
        try:
            digest.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            digest.update(b"?")
    digest.update(repr(_files_of(jsonschema_rs)).encode())
    salt = digest.digest()
    return {preserve: hashlib.sha256(salt + bytes([preserve])).digest() for preserve in (False, True)}


def content_key(schema: Any, preserve: bool) -> str | None:
    """The digest of a schema's content (types included: ``true`` is not ``1``), or None when it
    holds something other than plain data.  ``marshal`` format 2 writes every value in full, in
    order (no back-references), so equal bytes mean an equal schema."""
    try:
        raw = marshal.dumps(schema, 2)
    except ValueError:
        return None
    return hashlib.blake2b(raw, digest_size=24, key=_keys()[preserve]).hexdigest()


def probe(fragments: list[dict[str, Any]]) -> bool:
    """Whether jsonschema_rs accepts every value fragment (``pattern``, ``enum``, bounds) of a
    converted schema; the ones already accepted in this process are not compiled again."""
    fresh: dict[str, dict[str, Any]] = {}
    for fragment in fragments:
        try:
            text = json.dumps(fragment, separators=(",", ":"))
        except (TypeError, ValueError):
            return False
        if text not in _ACCEPTED:
            fresh[text] = fragment
    if not fresh:
        return True
    try:
        jsonschema_rs.validator_for({"allOf": list(fresh.values())}, offline=True, validate_formats=False)
    except (ValueError, TypeError, OverflowError):
        return False
    if len(_ACCEPTED) > _ACCEPTED_MAX:
        _ACCEPTED.clear()
    _ACCEPTED.update(fresh)
    return True


class Stored:
    """A converted schema: in hand (just converted), or the JSON text of a verified cache entry,
    parsed when first needed (most CRDs of a tree have no resource to validate).  ``digest``
    names the JSON text when known, ``key`` what it was converted from (:func:`content_key`):
    equal digests, or equal keys, equal schemas."""

    __slots__ = ("_packed", "_schema", "_text", "digest", "key")

    def __init__(self, digest: str | None, text: bytes | None, schema: dict[str, Any] | None,
                 key: str | None = None, packed: bytes | None = None) -> None:
        self.digest = digest
        self._text = text
        self._schema = schema
        self.key = key
        self._packed = packed  # ``marshal``'s bytes of the schema, from the process that converted it

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent as bytes (a forked child of the index phase sends what it converted): ``marshal``
        writes a schema several times faster than pickle or the JSON encoder, and it is read
        where it arrives only if a resource needs it.  (Only between the processes of one run:
        the cache's entries on disk are JSON, checked when read.)"""
        if self._text is not None or self._packed is not None:
            return (Stored, (self.digest, self._text, None, self.key, self._packed))
        try:
            packed = marshal.dumps(self._schema)
        except ValueError:  # not plain data: pickled as it is
            return (Stored, (self.digest, None, self._schema, self.key))
        return (Stored, (self.digest, None, None, self.key, packed))

    def get(self) -> dict[str, Any]:
        """The schema; a ValueError when a cache entry that passed its checksum does not parse
        (only a forged one can)."""
        if self._schema is None and self._packed is not None:
            self._schema, self._packed = marshal.loads(self._packed), None
        if self._schema is None:
            try:
                value = json.loads(self._text or b"")
            except (ValueError, RecursionError) as exc:
                raise ValueError(f"its cached conversion cannot be read ({exc})") from None
            if not isinstance(value, dict):
                raise ValueError("its cached conversion is not a schema")
            self._schema, self._text = value, None
        return self._schema


def _digest(text: bytes) -> str:
    return hashlib.blake2b(text, digest_size=24).hexdigest()


class SchemaCache:
    """Converted CRD schemas by content.  ``folder``: the on-disk entries (None: none);
    ``memory``: keep this run's conversions for CRDs met again (the same CRD in several files).

    An entry is a one-line JSON header (the key, the digest and size of the schema's JSON text)
    then that text; it is checked when read, and parsed only when the schema is needed."""

    def __init__(self, folder: Path | None, *, memory: bool = True) -> None:
        self._folder = folder / _FOLDER if folder is not None else None
        self._memory: dict[str, Stored] | None = {} if memory else None
        self._writable = folder is not None
        #: Schemas converted, read from the folder, found in memory; entries written.
        self.stats = {"converted": 0, "read": 0, "reused": 0, "written": 0}

    def converted(self, schema: Any, path: FieldPath, preserve: bool) -> tuple[Stored, bool]:
        """``schema`` converted (see :func:`~gitops_gen.schemas.crd_convert.convert`; raises its
        errors), and whether it is known to compile (else compile it to find out)."""
        key = content_key(schema, preserve) if self._folder is not None or self._memory is not None else None
        if key is not None:
            found = self._recall(key)
            if found is not None:
                return found, True
        fragments: list[dict[str, Any]] = []
        out = convert(schema, path, preserve_unknown=preserve, fragments=fragments)
        self.stats["converted"] += 1
        if not probe(fragments):
            return Stored(None, None, out), False
        stored = self._store(key, out) if key is not None else Stored(None, None, out)
        if key is not None and self._memory is not None:
            self._memory[key] = stored
        return stored, True

    def _entry(self, key: str) -> Path | None:
        return self._folder / key[:2] / f"{key}.json" if self._folder is not None else None

    def _recall(self, key: str) -> Stored | None:
        if self._memory is not None and key in self._memory:
            self.stats["reused"] += 1
            return self._memory[key]
        path = self._entry(key)
        raw = read_bytes(path) if path is not None else None
        if raw is None:
            return None
        head, _, text = raw.partition(b"\n")
        try:
            header = json.loads(head)
        except (ValueError, RecursionError):
            return None
        if not isinstance(header, dict) or header.get("key") != key or header.get("size") != len(text) or \
                header.get("digest") != _digest(text):
            return None  # corrupt, truncated or foreign: converted again (and rewritten)
        stored = Stored(header["digest"], text, None, key)
        self.stats["read"] += 1
        if self._memory is not None:
            self._memory[key] = stored
        return stored

    def _store(self, key: str, schema: dict[str, Any]) -> Stored:
        path = self._entry(key)
        if path is None or not self._writable:
            return Stored(None, None, schema, key)
        try:
            text = json.dumps(schema, separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError):
            return Stored(None, None, schema, key)
        digest = _digest(text)
        header = json.dumps({"key": key, "digest": digest, "size": len(text)}).encode()
        if write_bytes(path, header + b"\n" + text):
            self.stats["written"] += 1
        else:
            self._writable = False  # a folder that cannot be written is not tried for every CRD
        return Stored(digest, None, schema, key)
