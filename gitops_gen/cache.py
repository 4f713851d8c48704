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
Judging (tree rules over the facts, configured and expired waivers) runs after the cache, so
waivers and today's date are in no file's key; only when nothing at all changed (every file's
key, the findings of the walk, the waivers, the date) does a run read the judged report its last
run kept (:meth:`ResultCache.put_report`, one per fingerprint, plain values: :mod:`cache_report`;
it names the folder, so it is read only where it was made).  Nothing in a file's key depends on
where the tree is: the fingerprint takes paths in the checked folder (and the folder inside longer
strings, as kustomize's annotations have it) relative to it, and a file's key its path on disk
relative to the folder and its shown path relative to the shown name.  So the same tree elsewhere
(the gate's base tree in a fresh temporary folder, shown as head's with
``RunOptions.display_root``) reuses the entries: an entry's references to its own file are filled
with the reading run's paths; one naming a root inside a longer string (a message) stays bound
to it.  Packs are written atomically by whichever process checked the files (forked workers
too), entries carry a digest (a corrupt entry is a miss, never an error), unpickle only
gitops-gen's classes and plain values, and the folder is trimmed to :data:`MAX_BYTES`, least
recently used packs first.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import struct
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gitops_gen.cache_key import CACHE_FORMAT, Roots, Unresolvable, below
from gitops_gen.cache_pickle import FastPickler, RootsPickler, Unpickler, memo_prefix, portable, seeds_of
from gitops_gen.engine import Outcome
from gitops_gen.manifests.loader import SourceFile
from gitops_gen.model import Report

_MAGIC = b"gitops-gen result pack %d\n" % CACHE_FORMAT
#: No roots: a cache whose entries name no folder of their own.
NOWHERE = Roots()
_FOLDER = f"results-v{CACHE_FORMAT}"
#: The cache is trimmed to this size (least recently used entries go first), down to 90 % of it.
MAX_BYTES = 256 * 1024 * 1024
#: A pack is written once it holds this many entries (or bytes), and at the end of a batch.
PACK_ENTRIES = 512
PACK_BYTES = 8 * 1024 * 1024
#: A run that reads more packs than this merges them into one.
MAX_PACKS = 32


def default_cache_dir() -> str:
    """The user's cache folder, the CRD schema cache's too (:func:`gitops_gen.schemas.cache.default_cache_dir`)."""
    from gitops_gen.schemas.cache import default_cache_dir as folder

    return str(folder())


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
    #: Whether the whole tree was unchanged and the judged report of its last run was read.
    reused: bool = False

    def merge(self, other: CacheStats) -> None:
        self.hits += other.hits
        self.misses += other.misses
        self.writes += other.writes
        self.errors += other.errors


#: A record of a pack: key, sha256 of (bound + payload), len(bound), len(payload).
_RECORD = struct.Struct(">32s32sII")


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

    def __init__(self, folder: str, run: str, roots: Roots = NOWHERE, max_bytes: int = MAX_BYTES,
                 shared: dict[str, Outcome] | None = None) -> None:
        self.base = os.path.join(folder, _FOLDER)
        #: Outcomes that name no root and not their file on disk, by key, kept in memory for the
        #: process's later runs (the gate's head run reuses its base run's without unpickling).
        self.shared = shared
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

    def key(self, source: SourceFile, raw: bytes, content: bytes | None = None) -> str:
        """The file's entry key: the run, its bytes (or ``content``, their SHA-256, when known), and
        where it is and how it is shown, relative to the roots (each by its own: the path on disk
        to the folder, the shown one to the name)."""
        digest = hashlib.sha256(self.run.encode())
        for tag, root, text in (("A", self.roots.real, source.abspath), ("D", self.roots.shown, source.display)):
            rel = below(text, [(tag, root)]) if root else None
            digest.update(b"\0" + (text if rel is None else f"{rel[0]}\0{rel[1]}").encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + (content or hashlib.sha256(raw).digest()))
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
        if self.shared is not None and (kept := self.shared.get(key)) is not None:
            return kept
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
            seeds = seeds_of(source)
            if scheme == b"1" and len(seeds) == 2:
                return None  # its path on disk was its shown one, and now is not: which was which?
            if scheme == b"2" and len(seeds) == 1:
                seeds = (source.display, source.display)
            if bytes(payload[:2]) != b"\x80\x05":
                self.stats.errors += 1
                return None
            payload = memoryview(memo_prefix(seeds) + payload[2:])
        elif scheme != b"P":
            self.stats.errors += 1
            return None
        try:
            outcome = Unpickler(payload, self.roots).load()
        except Unresolvable:
            return None
        except Exception:  # whatever a bad entry raises, it is only a miss
            self.stats.errors += 1
            return None
        if not isinstance(outcome, Outcome):
            self.stats.errors += 1
            return None
        self._used.add(pack)
        if self.shared is not None and portable(scheme, bound, payload):
            self.shared[key] = outcome
        return outcome

    # -- the judged report of a whole unchanged tree

    def tree_key(self, keys: Sequence[str], judged: Any) -> str:
        """The key of a judged report (:func:`gitops_gen.cache_report.tree_key`)."""
        from gitops_gen import cache_report

        return cache_report.tree_key(self.run, self.roots, keys, judged)

    def get_report(self, key: str) -> Report | None:
        """The report :meth:`put_report` kept under ``key`` (the run's latest), or None."""
        from gitops_gen import cache_report

        try:
            with open(os.path.join(self.folder, cache_report.FILE), "rb") as handle:
                data = memoryview(handle.read())
        except OSError:
            return None
        try:
            return cache_report.unframe(data, key)
        except Exception:  # whatever a damaged report raises, it is only a miss
            self.stats.errors += 1
            return None

    def put_report(self, key: str, report: Report) -> None:
        """Keep ``report`` as the run's latest judged report, in place of the one before."""
        from gitops_gen import cache_report

        try:
            record = cache_report.frame(key, report)
        except Exception:  # what does not pickle is simply not kept
            self.stats.errors += 1
            return
        if not self._write([record], cache_report.FILE, magic=b""):
            self.stats.errors += 1

    # -- writing

    def put(self, key: str, outcome: Outcome, source: SourceFile | None = None) -> bool:
        """Hold ``outcome`` (what checking ``source`` gave) for the next :meth:`flush`.  Whether
        it is *portable*: valid under any roots, as it names none of them and not its file on disk
        (then also kept in :attr:`shared`, when there is one)."""
        try:
            payload = self._dumps(outcome, source)
            mentioned = self.roots.mentioned(payload[1:])
            bound = _encode_bound(mentioned)
            record = _RECORD.pack(bytes.fromhex(key), hashlib.sha256(bound + payload).digest(), len(bound),
                                  len(payload)) + bound + payload
        except Exception:  # an outcome that does not pickle is simply not cached
            self.stats.errors += 1
            return False
        self._pending.append(record)
        self._pending_bytes += len(record)
        if len(self._pending) >= PACK_ENTRIES or self._pending_bytes >= PACK_BYTES:
            self.flush()
        shareable = portable(payload[:1], mentioned, payload)
        if shareable and self.shared is not None:
            self.shared[key] = outcome
        return shareable

    def _dumps(self, outcome: Outcome, source: SourceFile | None) -> bytes:
        """The entry's payload: a scheme byte, then the pickle.

        ``1``/``2``: the file's shown path (and its path on disk) are pickled as references to
        the first memo slots, filled with the reading run's own when it is read (the strings of
        an outcome naming its file are those objects; any other naming a root binds the entry to
        it); ``P`` (no file given): strings in the roots are pickled as references relative to
        them, slower."""
        if source is not None:
            seeds = seeds_of(source)
            out = io.BytesIO()
            pickler = FastPickler(out, protocol=5)  # (the memo prefix is protocol 5's)
            pickler.memo = {id(s): (i, s) for i, s in enumerate(seeds)}
            pickler.dump(outcome)
            return str(len(seeds)).encode() + out.getvalue()
        out = io.BytesIO()
        RootsPickler(out, self.roots).dump(outcome)
        return b"P" + out.getvalue()

    def flush(self) -> None:
        """Write the entries held by :meth:`put` as one new pack."""
        records, self._pending, self._pending_bytes = self._pending, [], 0
        if records:
            if self._write(records):
                self.stats.writes += len(records)
            else:
                self.stats.errors += len(records)

    def _write(self, records: Sequence[bytes | memoryview], name: str | None = None, magic: bytes = _MAGIC) -> bool:
        try:
            os.makedirs(self.folder, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(magic)
                handle.writelines(records)
            os.replace(temp, os.path.join(self.folder, name or f"{secrets.token_hex(8)}.pack"))
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
