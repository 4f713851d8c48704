"""One big file checked by several workers: cut at its document markers, put back together.

``helm template``, ``kustomize build`` and release ``install.yaml`` files hold thousands of
documents in one file; a file is a worker's unit of work, so one such file kept one core busy
while the others idled.  A file that would dominate the run is cut into slices at ``---`` lines.
Each slice is read as a stream of its own whose lines and document numbers stay the file's:
it is preceded by as many empty documents (``---``) as documents came before it and by blank
lines for the rest of the lines before it, so every finding, position and document index is
what reading the whole file gives.  Whatever can make a whole-file read differ (a syntax error
ends libyaml's stream; text that is not UTF-8) has the file checked whole again.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitops_gen.engine import Outcome
from gitops_gen.manifests.fastread import document_starts, holds_document
from gitops_gen.manifests.loader import SourceFile
from gitops_gen.manifests.yamlread import Limits

if TYPE_CHECKING:
    from gitops_gen.cache import ResultCache

__all__ = ["PARALLEL_MIN_BYTES", "PARALLEL_MIN_FILES", "SPLIT_MIN_BYTES", "Slice", "reassemble", "slices_of",
           "worker_count"]

#: A file smaller than this is never cut: the slices would cost more than they save (a 600 KB
#: file of 580 Deployments is checked in a tenth less time cut in two, one of 1 MB with four
#: findings a document in a fifth less).
SPLIT_MIN_BYTES = 512 * 1024
#: Below this many files (or bytes) a second process costs more than it saves.
PARALLEL_MIN_FILES = 16
PARALLEL_MIN_BYTES = 512 * 1024
#: Findings about a whole file, that a slice cannot give as the file would.
_WHOLE_FILE_RULES = frozenset({"yaml-syntax", "unreadable-file"})


@dataclass(frozen=True, slots=True)
class Slice(SourceFile):
    """A part of a file, read as the file would be (see the module docstring)."""

    #: The file it was cut from (standard input keeps its bytes there).
    whole: SourceFile | None = None


def worker_count(jobs: int, files: Sequence[SourceFile]) -> int:
    """Worker processes for ``files``: ``jobs`` when given, else one per core for many files
    or for a file big enough to be cut across them, else one."""
    if jobs:
        return max(1, jobs)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores < 2:
        return 1
    total = 0
    for source in files:
        size = _size(source)
        total += size
        if size >= SPLIT_MIN_BYTES or (total >= PARALLEL_MIN_BYTES and len(files) >= PARALLEL_MIN_FILES):
            return cores
    return 1


def _size(source: SourceFile) -> int:
    try:
        return len(source.content) if source.content is not None else os.path.getsize(source.abspath)
    except OSError:
        return 0


def slices_of(files: Sequence[SourceFile], jobs: int, limits: Limits) -> list[list[SourceFile]]:
    """``files`` as units of work: a file alone, or the slices of a file that holds more than
    half a worker's share of the bytes (and at least :data:`SPLIT_MIN_BYTES`)."""
    sizes = [_size(source) for source in files]
    share = sum(sizes) / max(1, jobs)
    units: list[list[SourceFile]] = []
    for source, size in zip(files, sizes, strict=True):
        if jobs < 2 or size < SPLIT_MIN_BYTES or size < share / 2 or size > limits.max_file_bytes:
            units.append([source])
            continue
        pieces = _cut(source, 2 * jobs)
        units.append(pieces if len(pieces) > 1 else [source])
    return units


def _cut(source: SourceFile, count: int) -> list[SourceFile]:
    try:
        raw = source.read_bytes()
    except OSError:
        return [source]
    if b"\0" in raw[:8192]:
        return [source]  # binary: the loader says so, once
    starts = document_starts(raw)
    target = len(raw) / count
    cuts = [0]
    for start in starts[1:-1]:
        if start - cuts[-1] >= target:
            cuts.append(start)
    cuts.append(len(raw))
    if len(cuts) < 3:
        return [source]
    pieces: list[SourceFile] = []
    documents = lines = 0
    for begin, end in itertools.pairwise(cuts):
        prefix = b"---\n" * documents + b"\n" * (lines - documents)
        pieces.append(Slice(source.abspath, source.display, prefix + raw[begin:end], source))
        lines += raw.count(b"\n", begin, end)
        documents += _documents(raw, starts, begin, end)
    return pieces


def _documents(raw: bytes, starts: list[int], begin: int, end: int) -> int:
    """Documents (empty ones included) that the parts of ``raw`` between ``begin`` and ``end``
    hold (:func:`~gitops_gen.manifests.fastread.holds_document`)."""
    return sum(holds_document(raw, start, stop)
               for start, stop in itertools.pairwise(starts) if begin <= start < end)


def reassemble(piece: SourceFile, outcomes: dict[int, Outcome], cache: ResultCache | None,
               check_whole: Callable[[SourceFile], Outcome]) -> Outcome:
    """The outcome of the file ``piece`` was cut from, put together from its slices' (and cached
    as the file's); or the file checked whole (``check_whole``) when a slice cannot tell what the
    whole file gives."""
    source = piece.whole if isinstance(piece, Slice) and piece.whole is not None else piece
    ordered = [outcomes[number] for number in sorted(outcomes)]
    if any(f.rule in _WHOLE_FILE_RULES for outcome in ordered for f in outcome.findings):
        return check_whole(source)
    whole = Outcome()
    for outcome in ordered:
        whole.merge(outcome)
    whole.files = 1
    if cache is not None:
        with suppress(OSError):
            cache.put(cache.key(source, source.read_bytes()), whole, source)
    return whole
