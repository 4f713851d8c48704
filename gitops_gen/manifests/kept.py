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
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from gitops_gen.forked import Handover
from gitops_gen.manifests.yamlread import Document

__all__ = ["HANDOVER", "KEEP_AT_LEAST", "KEEP_TEXT_TOTAL", "KEEP_TOTAL", "Text", "keep", "keeping", "take"]

#: The most source bytes kept parsed in one run (their documents take four to five times as much).
KEEP_TOTAL = 64 * 1024 * 1024
#: The most source bytes kept as JSON in one run, beyond those kept parsed.
KEEP_TEXT_TOTAL = 160 * 1024 * 1024
#: Documents smaller than this are parsed again rather than kept.
KEEP_AT_LEAST = 8 * 1024


class Text(NamedTuple):
    """A document kept as the JSON rapidyaml wrote for it (``Document.text``), with its size bound."""

    text: str
    json_bound: int


_Key = tuple[int, int, bytes]  # (lines before the document, its size, a digest of its bytes)

_KEPT: dict[tuple[bytes, int], Document] = {}
_TEXTS: dict[_Key, Text] = {}
_room = [0, 0]  # source bytes that may still be kept parsed, and as JSON: 0 outside keeping()


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
def keeping(total: int | None = None, text_total: int | None = None) -> Iterator[None]:
    """Keep documents for the duration of one run, ``total`` source bytes parsed at most
    (default :data:`KEEP_TOTAL`) and ``text_total`` more as JSON (default
    :data:`KEEP_TEXT_TOTAL`); nothing is kept outside one."""
    _KEPT.clear()
    _TEXTS.clear()
    _room[:] = [KEEP_TOTAL if total is None else total, KEEP_TEXT_TOTAL if text_total is None else text_total]
    try:
        yield
    finally:
        _KEPT.clear()
        _TEXTS.clear()
        _room[:] = [0, 0]
