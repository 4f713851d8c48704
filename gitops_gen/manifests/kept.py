"""Documents parsed once: what the index phase read the fast way, kept for the check phase.

The index phase parses the documents that say something about the whole tree (in-tree CRDs,
mostly: megabytes each) before any file is checked, and the check phase used to parse them
again.  Within :func:`keeping` (one run), the index phase keeps each large document it read
through the fast path under its source bytes and its place in the file (the line it starts
after); :func:`~gitops_gen.manifests.fastread.read_fast` takes a kept document instead of
parsing the same bytes at the same place again.  The workers are forked after the index phase,
so they find what the main process kept.

A document is kept in one of two forms:

* **parsed** (the :class:`~gitops_gen.manifests.yamlread.Document` itself), while
  :data:`KEEP_TOTAL` bytes of source allow: its values take several times its source;
* **as its JSON** (:class:`Text`, the text rapidyaml wrote, which the fast path proved to mean
  what the source means), up to :data:`KEEP_TEXT_TOTAL` more: about the size of its source, and
  read back by ``json.loads`` for a fraction of what parsing it again costs.  A forked child of
  the index phase keeps its half in this form only, and hands it to this process as it ends
  (:data:`HANDOVER`): parsed values would end with it, and are slow to send.

A kept document is exactly what parsing its bytes again would give (the same function made it
from the same bytes and offset), and is taken once: each file is checked by one process.
Documents smaller than :data:`KEEP_AT_LEAST` bytes cost little to parse again and are not
kept; nothing is kept outside a run.

Large documents are also found again by their **content**, wherever they sit: real trees vendor
the same CRD in several bundles (an install, its HA and namespaced variants, a chart), a quarter
of the bytes of the upstream corpus.  Within a run, the JSON of each document of at least
:data:`SAME_AT_LEAST` bytes that the fast path read is remembered under its bytes (compared
whole: no digest to collide), up to :data:`SAME_TOTAL`; the same bytes anywhere else are read
back from it (:func:`same`), with their own place and lines, as a document kept as JSON is, and
only under the limits it was read under.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from gitops_gen.forked import Handover
from gitops_gen.manifests.yamlread import Document, Limits

__all__ = ["HANDOVER", "KEEP_AT_LEAST", "KEEP_TEXT_TOTAL", "KEEP_TOTAL", "SAME_AT_LEAST", "SAME_TOTAL", "Text",
           "content_key", "keep", "keeping", "remember", "same", "take"]

#: The most source bytes kept parsed in one run (their documents take four to five times as much).
KEEP_TOTAL = 64 * 1024 * 1024
#: The most source bytes kept as JSON in one run, beyond those kept parsed.
KEEP_TEXT_TOTAL = 160 * 1024 * 1024
#: Documents smaller than this are parsed again rather than kept.
KEEP_AT_LEAST = 8 * 1024
#: Documents at least this large are also found again by their content (:func:`same`).
SAME_AT_LEAST = 64 * 1024
#: The most source bytes remembered by content in one run (their JSON takes about as much).
SAME_TOTAL = 64 * 1024 * 1024


class Text(NamedTuple):
    """A document kept as the JSON rapidyaml wrote for it (``Document.text``), with its size bound."""

    text: str
    json_bound: int


_Key = tuple[int, int, bytes]  # (lines before the document, its size, a digest of its bytes)
#: A document's bytes after a bare ``---`` line.
ContentKey = bytes

_KEPT: dict[tuple[bytes, int], Document] = {}
_TEXTS: dict[_Key, Text] = {}
_SAME: dict[ContentKey, tuple[Limits, Text]] = {}
#: source bytes that may still be kept parsed, as JSON, and remembered by content: 0 outside keeping()
_room = [0, 0, 0]


def _key(part: bytes, offset: int) -> _Key:
    """Where a document kept as JSON is found again, in this process or the one it is handed to
    (a digest rather than the bytes: they are not sent along)."""
    return offset, len(part), hashlib.blake2b(part, digest_size=16).digest()


def keep(part: bytes, offset: int, document: Document) -> None:
    """Keep ``document``, read from ``part`` (a document of a file, after ``offset`` lines),
    when a run is keeping and there is room: parsed, else as its JSON."""
    size = len(part)
    if size < KEEP_AT_LEAST:
        return
    if size <= _room[0]:
        _KEPT[(part, offset)] = document
        _room[0] -= size
    elif size <= _room[1] and document.text is not None:
        _TEXTS[_key(part, offset)] = Text(document.text, document.json_bound)
        _room[1] -= size


def take(part: bytes, offset: int, index: int) -> Document | Text | None:
    """The document kept from these bytes at this place, numbered ``index``, or its JSON (None
    when none is kept); it is kept no longer."""
    if _KEPT:
        document = _KEPT.pop((part, offset), None)
        if document is not None:
            document.index = index
            return document
    if _TEXTS and len(part) >= KEEP_AT_LEAST:
        return _TEXTS.pop(_key(part, offset), None)
    return None


def content_key(part: bytes) -> ContentKey | None:
    """The key under which a document of these bytes (after a bare ``---`` line, if it starts
    with one) is remembered wherever it sits; None when it is smaller than :data:`SAME_AT_LEAST`,
    or nothing is remembered nor may be (outside a run)."""
    if len(part) < SAME_AT_LEAST or (not _SAME and len(part) > _room[2]):
        return None
    # (a copy: a view of the bytes would be hashed and compared byte by byte, ten times slower)
    return part[4:] if part.startswith(b"---\n") else part  # (a file's first document has no marker)


def same(key: ContentKey, limits: Limits) -> Text | None:
    """The JSON of a document with the bytes of ``key`` read under ``limits`` in this run, if
    remembered (it stays remembered: the same bytes may come again)."""
    found = _SAME.get(key)
    return found[1] if found is not None and found[0] == limits else None


def remember(key: ContentKey, limits: Limits, text: Text) -> None:
    """Remember the JSON of a document read the fast way under ``limits`` (:func:`same`), while
    there is room."""
    if len(key) <= _room[2] and key not in _SAME:
        _SAME[key] = (limits, text)
        _room[2] -= len(key)


def _in_child() -> None:
    """In a forked child of the index phase: keep only JSON (what is handed over)."""
    _KEPT.clear()
    _room[0] = 0


def _handed() -> list[tuple[_Key, Text]]:
    """What a forked child kept, to hand over."""
    return list(_TEXTS.items())


def _receive(texts: list[tuple[_Key, Text]]) -> None:
    """Keep what a forked child kept, while there is room."""
    for key, text in texts:
        if key[1] <= _room[1] and key not in _TEXTS:
            _TEXTS[key] = text
            _room[1] -= key[1]


#: What a forked child of the index phase keeps, handed to the process that forked it.
HANDOVER = Handover(_in_child, _handed, _receive)


@contextmanager
def keeping(total: int | None = None, text_total: int | None = None, same_total: int | None = None
            ) -> Iterator[None]:
    """Keep documents for the duration of one run, ``total`` source bytes parsed at most
    (default :data:`KEEP_TOTAL`) and ``text_total`` more as JSON (default
    :data:`KEEP_TEXT_TOTAL`), and remember ``same_total`` by content (default
    :data:`SAME_TOTAL`); nothing is kept outside one."""
    _clear()
    _room[:] = [KEEP_TOTAL if total is None else total, KEEP_TEXT_TOTAL if text_total is None else text_total,
                SAME_TOTAL if same_total is None else same_total]
    try:
        yield
    finally:
        _clear()
        _room[:] = [0, 0, 0]


def _clear() -> None:
    _KEPT.clear()
    _TEXTS.clear()
    _SAME.clear()
