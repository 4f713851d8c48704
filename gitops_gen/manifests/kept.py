"""Documents parsed once: what the index phase read the fast way, kept for the check phase.

The index phase parses the documents that say something about the whole tree (in-tree CRDs,
mostly: megabytes each) before any file is checked, and the check phase used to parse them
again.  Within :func:`keeping` (one run), the index phase keeps each large document it read
through the fast path under its source bytes and its place in the file (the line it starts
after); :func:`~gitops_gen.manifests.fastread.read_fast` takes a kept document instead of
parsing the same bytes at the same place again.  The workers are forked after the index phase,
so they find what the main process kept (a forked child of the index phase keeps its own half,
which ends with it).

A kept document is exactly what parsing its bytes again would give (the same function made it
from the same bytes and offset), and is taken once: each file is checked by one process.  What
is kept is bounded (:data:`KEEP_TOTAL` bytes of source, documents of :data:`KEEP_AT_LEAST` bytes
or more: small ones cost little to parse again) and dropped when the run ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gitops_gen.manifests.yamlread import Document

__all__ = ["KEEP_AT_LEAST", "KEEP_TOTAL", "keep", "keeping", "take"]

#: The most source bytes kept in one run (their documents take four to five times as much).
KEEP_TOTAL = 64 * 1024 * 1024
#: Documents smaller than this are parsed again rather than kept.
KEEP_AT_LEAST = 8 * 1024

_KEPT: dict[tuple[bytes, int], Document] = {}
_room = [0]  # source bytes that may still be kept: 0 outside keeping()


def keep(part: bytes, offset: int, document: Document) -> None:
    """Keep ``document``, read from ``part`` (a document of a file, after ``offset`` lines),
    when a run is keeping and there is room."""
    size = len(part)
    if KEEP_AT_LEAST <= size <= _room[0]:
        _KEPT[(part, offset)] = document
        _room[0] -= size


def take(part: bytes, offset: int, index: int) -> Document | None:
    """The kept document read from these bytes at this place, numbered ``index`` (None when
    none is kept); it is kept no longer."""
    if not _KEPT:
        return None
    document = _KEPT.pop((part, offset), None)
    if document is not None:
        document.index = index
    return document


@contextmanager
def keeping(total: int | None = None) -> Iterator[None]:
    """Keep documents for the duration of one run, ``total`` source bytes at most (default
    :data:`KEEP_TOTAL`); nothing is kept outside one."""
    _KEPT.clear()
    _room[0] = KEEP_TOTAL if total is None else total
    try:
        yield
    finally:
        _KEPT.clear()
        _room[0] = 0
