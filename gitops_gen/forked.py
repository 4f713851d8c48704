"""Work shared with one forked child, for the serial parts of a run that a second core can halve.

:func:`split` divides the items into two halves of about equal size (largest first, each to the
lighter half).  A forked child works through one half and sends its results back pickled, while
this process works through the other.  The results come back in item order, as if this process
had done everything.

It falls back to doing everything here, with the same answer, only slower, in these cases:
fork is missing, a second core was not asked for, the work is too small to pay for a fork, or
the child fails in any way (it raised, died, or sent what does not unpickle).

The child inherits everything this process holds, and must not be forked while other threads
run: start threads after :func:`split` returns.
"""

from __future__ import annotations

import gc
import os
import pickle
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Handover(NamedTuple):
    """What a forked child leaves to this process besides its results: ``start`` runs in the
    child before its work, ``left`` in the child after it (what it returns is sent along, pickled),
    and ``take`` here, given that, once the child's results arrived whole."""

    start: Callable[[], None]
    left: Callable[[], Any]
    take: Callable[[Any], None]


@contextmanager
def young_collections() -> Iterator[None]:
    """Only the youngest objects collected (the cyclic collector's first generation), for work
    that builds a large long-lived heap: the index phase keeps hundreds of megabytes of parsed
    documents, which each older collection would walk again (a tenth of that phase).  Cycles
    that outlive a young collection wait for the next full one, after.  Also in a child forked
    meanwhile (it inherits the thresholds)."""
    old = gc.get_threshold()
    gc.set_threshold(old[0], 1 << 30, 1 << 30)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def can_fork() -> bool:
    """Whether worker processes can be forked here (as the pipeline's workers are)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def halves(sizes: Sequence[int], groups: Sequence[int] | None = None) -> tuple[list[int], list[int]]:
    """Two lists of indexes into ``sizes`` with about equal totals, each in ascending order;
    items of the same ``groups`` number go to the same half (work they share is done once)."""
    members: dict[int, list[int]] = {}
    for index in range(len(sizes)):
        members.setdefault(index if groups is None else groups[index], []).append(index)
    weight = {group: sum(sizes[i] for i in held) for group, held in members.items()}
    totals, parts = [0, 0], ([], [])  # type: tuple[list[int], tuple[list[int], list[int]]]
    for group in sorted(members, key=lambda g: -weight[g]):
        lighter = 0 if totals[0] <= totals[1] else 1
        parts[lighter].extend(members[group])
        totals[lighter] += weight[group]
    return sorted(parts[0]), sorted(parts[1])


def sharing(shared: Sequence[Sequence[tuple[int, Hashable]]], sizes: list[int]) -> list[int]:
    """A number for each item, the same for items that share a piece of work (the same
    ``(size, identity)`` among their ``shared``): :func:`halves` then gives them to one half,
    which does that work once, and ``sizes`` no longer count it after its first item."""
    parent = list(range(len(shared)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = i = parent[parent[i]]
        return i

    first: dict[tuple[int, Hashable], int] = {}
    for i, held in enumerate(shared):
        for piece in held:
            if piece in first:
                sizes[i] -= piece[0]
            parent[root(i)] = root(first.setdefault(piece, i))
    return [root(i) for i in range(len(shared))]


def split(items: Sequence[T], sizes: Sequence[int], work: Callable[[T], R], *,
          min_total: int, jobs: int, then: Callable[[], None] | None = None,
          handover: Handover | None = None, groups: Sequence[int] | None = None) -> list[R]:
    """``[work(item) for item in items]``, half of it in a forked child (see the module docstring).
    ``then`` is called here before any work, once the child (if any) is forked: it may start
    threads.  ``handover``: what the child leaves besides its results (:class:`Handover`).
    ``groups``: items that share work (see :func:`halves`)."""
    if jobs < 2 or len(items) < 2 or sum(sizes) < min_total or not can_fork():
        if then is not None:
            then()
        return [work(item) for item in items]
    mine, theirs = halves(sizes, groups)
    received = _fork([items[i] for i in theirs], work, handover)
    results: dict[int, R] = {}
    try:
        if then is not None:
            then()
        for index in mine:
            results[index] = work(items[index])
    finally:
        sent = received()
    if sent is None:
        sent = [work(items[i]) for i in theirs]  # the child failed: do its half here
    results.update(zip(theirs, sent, strict=True))
    return [results[i] for i in range(len(items))]


def _fork(items: list[T], work: Callable[[T], R], handover: Handover | None = None
          ) -> Callable[[], list[R] | None]:
    """Start a child doing ``work`` on ``items``; a function that waits for its results (None
    when it failed), and gives what it left to ``handover``."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: work, send, and leave without running this process's exit handlers
        status = 1
        try:
            os.close(read_end)
            if handover is not None:
                handover.start()
            results = [work(item) for item in items]
            payload = pickle.dumps((results, handover.left() if handover is not None else None),
                                   protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    chunks: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(read_end, chunks), daemon=True)
    reader.start()

    def received() -> list[R] | None:
        reader.join()
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            return None
        payload = b"".join(chunks)
        chunks.clear()  # (held twice otherwise, while what it holds is made)
        try:
            sent, left = pickle.loads(payload)
        except Exception:  # whatever a damaged stream raises, the work is done here instead
            return None
        if not isinstance(sent, list) or len(sent) != len(items):
            return None
        if handover is not None:
            handover.take(left)
        return sent

    return received


def _drain(fd: int, chunks: list[bytes]) -> None:
    """Read ``fd`` to its end (the child blocks on a full pipe until someone reads)."""
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return
        chunks.append(chunk)
