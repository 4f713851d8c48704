"""Checking files, in forked worker processes for large trees (the check phase of a run).

The workers inherit the engine (schemas prepared, index and builds handed over) and send each
batch's :class:`~gitops_gen.engine.Outcome` back pickled by
:class:`~gitops_gen.cache_pickle.FastPickler`; a file cut into slices (one huge multi-document
file) is put together again once all its slices are back.  Outcomes are returned in the order of
the files, whatever order the workers finish in, so that the facts the tree rules judge arrive
(nearly) sorted.
"""

from __future__ import annotations

import gc
import io
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gitops_gen.engine import Engine, Outcome
from gitops_gen.forked import can_fork
from gitops_gen.index import top_pairs
from gitops_gen.manifests.loader import SourceFile, load_file
from gitops_gen.manifests.yamlread import Limits
from gitops_gen.splitting import Slice, reassemble, slices_of, worker_count

if TYPE_CHECKING:  # imported when used: the cache only with a cache folder
    from gitops_gen.cache import CacheStats, ResultCache

_ENGINE: Engine | None = None
_LIMITS: Limits | None = None
_CACHE: ResultCache | None = None


def _work(batch: tuple[int, Sequence[SourceFile]]) -> tuple[int, bytes, CacheStats | None]:
    assert _ENGINE is not None and _LIMITS is not None
    number, files = batch
    cache = None if isinstance(files[0], Slice) else _CACHE  # a slice is cached as its whole file
    if cache is not None:
        from gitops_gen.cache import CacheStats

        cache.stats = CacheStats()  # a worker reports what it did for this batch only
    kept: list[tuple[str, Outcome]] | None = [] if cache is not None and cache.shared is not None else None
    outcome = check_files(_ENGINE, files, _LIMITS, cache, lookup=False, kept=kept)
    if cache is not None:
        cache.flush()  # one pack per batch
    return number, _packed((outcome, kept)), cache.stats if cache else None


def _packed(outcome: Any) -> bytes:
    """``outcome`` pickled for the main process, dataclasses as calls of their constructors: the
    pool's pickler would send the tree rules' facts field by field through ``dataclasses.fields()``,
    which the main process, alone, then spent a tenth of a large run reading back."""
    from gitops_gen.cache_pickle import FastPickler

    out = io.BytesIO()
    FastPickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(outcome)
    return out.getvalue()


def check_files(engine: Engine, files: Sequence[SourceFile], limits: Limits,
                 cache: ResultCache | None = None, *, lookup: bool = True,
                 kept: list[tuple[str, Outcome]] | None = None) -> Outcome:
    """Check ``files``; with a cache, a file is read from it when there (``lookup``) and written
    to it once checked (under the key of the bytes actually checked); ``kept`` gets the key and
    outcome of each portable one (see :meth:`ResultCache.put`), for a worker's parent."""
    outcome = Outcome()
    for source in files:
        if cache is None:
            engine.check_file(load_file(source, limits), outcome)
            continue
        try:
            raw = source.read_bytes()
        except OSError:  # load_file says why
            engine.check_file(load_file(source, limits), outcome)
            continue
        key = cache.key(source, raw)
        found = cache.get(key, source) if lookup else None
        if found is not None:
            cache.stats.hits += 1
            outcome.merge(found)
            continue
        cache.stats.misses += 1
        own = Outcome()
        engine.check_file(load_file(replace(source, content=raw), limits), own)
        if cache.put(key, own, source) and kept is not None:
            kept.append((key, own))
        outcome.merge(own)
    return outcome


def dispatch(engine: Engine, files: list[SourceFile], jobs: int, limits: Limits,
             progress: Callable[[int, int], None] | None, cache: ResultCache | None, done: int) -> list[Outcome]:
    """Check ``files`` (``done`` others were read from the cache), in forked workers for large
    trees (``jobs``: as asked, 0 to choose), the outcomes in the order of ``files`` (a file cut
    into slices for the workers comes after the others)."""
    jobs = worker_count(jobs, files)
    total = len(files) + done
    if jobs > 1 and not can_fork():
        jobs = 1
    if jobs == 1:
        chunks = []
        with frozen():  # (the collections here need not walk what the index phase kept, either)
            for source in files:
                chunks.append(check_files(engine, [source], limits, cache, lookup=False))
                done += 1
                if progress:
                    progress(done, total)
        return chunks
    global _ENGINE, _LIMITS, _CACHE
    if engine.validator is not None:  # compiled once here, not once in each worker (an in-tree
        # CRD's kind is left to them: each compiles the CRDs nearest to the objects it checks)
        engine.validator.prepare(common_kinds(files), scoped=False)
    # inherited by the forked workers; never mutated after this (a worker's cache counts its own batch)
    _ENGINE, _LIMITS, _CACHE = engine, limits, cache
    import multiprocessing

    units = slices_of(files, jobs, limits)
    singles = [unit[0] for unit in units if len(unit) == 1]
    size = max(1, min(64, len(singles) // (jobs * 8) or 1))
    batches: list[Sequence[SourceFile]] = [singles[i:i + size] for i in range(0, len(singles), size)]
    cut = [unit for unit in units if len(unit) > 1]
    owner: dict[int, tuple[int, int]] = {}  # batch number -> (cut file, slice)
    for file_number, unit in enumerate(cut):
        for slice_number, piece in enumerate(unit):
            owner[len(batches)] = (file_number, slice_number)
            batches.append([piece])
    pieces: list[dict[int, Outcome]] = [{} for _ in cut]
    out: list[tuple[int, Outcome]] = []
    # what the main process holds (the documents the index phase kept, above all) is frozen before
    # forking: the workers' collections neither walk it nor copy its pages
    try:
        with frozen(), multiprocessing.get_context("fork").Pool(jobs) as pool, collector_paused():
            for number, packed, stats in pool.imap_unordered(_work, enumerate(batches)):
                chunk, kept = pickle.loads(packed)  # (what a worker of this run sent)
                if cache is not None and stats is not None:
                    cache.stats.merge(stats)
                if cache is not None and cache.shared is not None and kept:
                    cache.shared.update(kept)
                if number in owner:
                    file_number, slice_number = owner[number]
                    pieces[file_number][slice_number] = chunk
                    if len(pieces[file_number]) < len(cut[file_number]):
                        continue
                    chunk = reassemble(cut[file_number][0], pieces[file_number], cache, lambda whole_file: check_files(
                        engine, [whole_file], limits, cache, lookup=False))
                out.append((number, chunk))
                done += chunk.files
                if progress:
                    progress(done, total)
    finally:
        _ENGINE = _LIMITS = _CACHE = None
    out.sort(key=lambda numbered: numbered[0])  # (a cut file: at its last slice's number)
    return [chunk for _, chunk in out]


#: How much of the held files :func:`common_kinds` reads, spread over the tree.
SAMPLE_BYTES = 1024 * 1024


def common_kinds(files: Sequence[SourceFile]) -> list[tuple[str, str]]:
    """The ``(apiVersion, kind)`` pairs named by more than one file of a sample spread over
    ``files`` (those whose bytes the index phase handed over, up to :data:`SAMPLE_BYTES`): the
    kinds every worker would meet, and compile the schema of, unless the main process compiled
    them before forking.  Kinds of a few files are left to the worker that meets them."""
    held = [f.content for f in files if f.content is not None]
    total = sum(map(len, held))
    if not total:
        return []
    stride = -(-total // SAMPLE_BYTES)  # (every file of a small tree; every n-th of a large one)
    seen: dict[tuple[str, str], int] = {}
    for content in held[::stride]:
        for pair in top_pairs(content):
            seen[pair] = seen.get(pair, 0) + 1
    return [pair for pair, count in seen.items() if count > 1]


@contextmanager
def frozen() -> Iterator[None]:
    """What this process holds now left out of every collection until the end (``gc.freeze``):
    the documents the index phase kept, above all, which each older collection would walk again.
    Unless the program calling us froze objects of its own: those stay as it left them."""
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    try:
        yield
    finally:
        if freezing:
            gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run without the cyclic garbage collector: for the main process while it unpickles what
    the workers send and judges it (tens of thousands of findings and facts, none in a cycle,
    that each young collection would walk again; about a tenth of that time).  Not for
    checking: reading YAML makes cycles (a few per document)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
