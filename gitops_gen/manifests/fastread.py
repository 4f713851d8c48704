"""A fast path for reading YAML, proven to give what :mod:`~gitops_gen.manifests.yamlread` gives.

Composing a multi-megabyte file with libyaml (a Python object per node, positions for every
node) is most of the cost of checking real trees, which carry in-tree CRDs.  Here each document
(cut at its ``---`` line) is parsed in place by rapidyaml (C++), which writes it as JSON for
``json.loads``; positions are not computed until something asks for one, and then only for that
document (:mod:`~gitops_gen.manifests.lazypositions`).

The fast path is taken only where it is exact.  A document whose meaning under go-yaml v2 could
differ from what rapidyaml's JSON says is read by libyaml instead: plain scalars that go-yaml
reads as booleans, nulls or numbers (``yes``, ``~``, ``0644``, ``1_000``, ``+1``, ``.inf``, large
integers, numeric keys), anchors, aliases, tags, merge keys, duplicate keys (to be reported),
empty keys, scalars starting with a character libyaml refuses (``@``, a backtick, ``%``), a
block scalar header followed by a comment, a last line without a newline, and anything
rapidyaml cannot parse or write (nesting deeper than it goes).  A whole file is libyaml's when
it holds directives, ``...`` markers, control characters, carriage returns, Unicode line breaks
or byte order marks (found in its bytes first: :mod:`~gitops_gen.manifests.sourcebytes`), or a
syntax error (libyaml stops reading there: :func:`read_fast` returns None).
``tests/manifests/test_fastread.py`` compares both paths (values, problems, lines, positions) on
generated cases, every YAML file of the repository and ``../shared``, and the real-world corpus.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from gitops_gen.manifests import kept, treepositions
from gitops_gen.manifests.lazypositions import LazyPositions, starts_with_marker
from gitops_gen.manifests.plainscalars import DIGITS, plain_safe
from gitops_gen.manifests.sourcebytes import plain_source
from gitops_gen.manifests.treepositions import RymlTree
from gitops_gen.manifests.yamlread import Document, Limits, read_documents

try:
    import ryml
except ImportError:  # pragma: no cover - rapidyaml is a dependency; without it libyaml reads everything
    ryml = None

__all__ = ["AVAILABLE", "BOUNDED_UP_TO", "LazyPositions", "document_parts", "document_starts", "holds_document",
           "read_fast", "read_part", "read_stream"]

#: False when rapidyaml is not installed: every file is then read by libyaml.
AVAILABLE = ryml is not None
#: ``GITOPS_GEN_YAML=libyaml`` reads every file with libyaml (to compare, or to rule the fast
#: path out when something looks wrong).
ENABLED = AVAILABLE and os.environ.get("GITOPS_GEN_YAML", "").lower() != "libyaml"

#: Tags and anchors do not reach rapidyaml's JSON: a document whose JSON holds fewer of these
#: characters than its source had a tag, an anchor, or a comment using them (libyaml's then).
_COUNTED = (b"!", b"&")
_CONTENT = re.compile(rb"^[ ]*[^ #\n]", re.M)
#: Where each thread's rapidyaml writes its JSON (:func:`_emit_json`).
_OUTPUT = threading.local()

_LIMITS = Limits()
#: rapidyaml refuses to write JSON nested deeper than this (the document is then libyaml's), so
#: a depth limit at least this large needs no check of its own (a test holds rapidyaml to it).
EMITTED_DEPTH = 70


def _counts_differ(part: bytes, encoded: bytes) -> bool:
    """Whether the source and the JSON hold different numbers of any of :data:`_COUNTED`
    (spelt out for the two: a generator per document costs more than the tests)."""
    bang, amp = _COUNTED
    return ((bang in part or bang in encoded) and part.count(bang) != encoded.count(bang)) or \
        ((amp in part or amp in encoded) and part.count(amp) != encoded.count(amp))


class _Fallback(Exception):
    """This document must be read by libyaml."""


class _WholeFile(Exception):
    """This file must be read by libyaml."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Fallback  # duplicate keys: libyaml reports them where they are
    return out


#: Every byte but ``<``, ``>`` and ``&`` (deleted by ``translate``, which leaves those to count).
_BUT_ESCAPED = bytes(sorted(set(range(256)) - set(b"<>&")))


#: The size a bound is compared with: etcd's request limit (``apiserver.MAX_OBJECT_BYTES``, which
#: a test holds this to).  Past it, a bound spares no check, and none is computed.
BOUNDED_UP_TO = 1024 * 1024 * 3 // 2


def _json_bound(encoded: bytes, digits: bytes) -> int:
    """An upper bound of the document's size as compact JSON (``apiserver.json_size``): the
    emitted JSON has spaces to spare, ``<``, ``>`` and ``&`` take six bytes, and a number with an
    exponent may be written out longer (``1e15``).  0 (no bound: the size is measured when asked)
    for JSON that is longer than :data:`BOUNDED_UP_TO` as it is."""
    if len(encoded) + 64 > BOUNDED_UP_TO:
        return 0
    escaped = len(encoded.translate(None, _BUT_ESCAPED))
    exponents = digits.count(b"0e") if b"0e" in digits else 0
    return len(encoded) + 5 * escaped + 24 * exponents + 64


#: One decoder for every document (``json.loads`` with a hook builds one per call).
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs)


def _values(data: Any) -> int:
    """How many values ``data`` holds, itself included.

    rapidyaml's tree holds a node for each value of the document (a key and its value share
    one), and its JSON writes each of them, a key written twice too, which plain ``json.loads``
    keeps once, silently.  So when the decoded values are as many as the tree's nodes, no key
    was written twice; otherwise the document is decoded again with :func:`_pairs`, which tells.
    """
    count = 1
    stack = [data]
    pop, push = stack.pop, stack.extend
    while stack:  # (scalars are pushed too: cheaper than filtering them in a generator)
        value = pop()
        if type(value) is dict:
            count += len(value)
            push(value.values())
        elif type(value) is list:
            count += len(value)
            push(value)
    return count


def _deeper(data: Any, encoded: bytes, limit: int) -> bool:
    """True when ``data`` is nested more than ``limit`` levels.

    Seen from rapidyaml's JSON first: a block container opens a line of its own and indents its
    content two spaces more; a flow container stays on its line (brackets that open no line
    bound them).  Only when that cannot rule it out are the values walked.
    """
    brackets = encoded.count(b"[") + encoded.count(b"{")
    if brackets <= limit:
        return False
    room = limit - (brackets - encoded.count(b"[\n") - encoded.count(b"{\n")) - 1
    if room > 0 and b"\n" + b" " * (2 * room) not in encoded:
        return False
    level = [data]
    for _ in range(limit):
        deeper = []
        for value in level:
            for child in value.values() if type(value) is dict else value:
                if type(child) is dict or type(child) is list:
                    deeper.append(child)
        if not deeper:
            return False
        level = deeper
    return True


_NULL: list[int] = []


def _devnull() -> int:
    """A descriptor of the null device, opened once per process."""
    if not _NULL:
        _NULL.append(os.open(os.devnull, os.O_WRONLY))
    return _NULL[0]


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """rapidyaml prints its parse errors to the process's standard error before raising."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable stderr: nothing to silence
        yield
        return
    try:
        os.dup2(_devnull(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def read_fast(text: str, limits: Limits = _LIMITS, encoded: bytes | None = None) -> list[Document] | None:
    """The documents of ``text`` read through rapidyaml, or None when libyaml must read it;
    ``encoded``: its UTF-8 bytes, when the caller has them (a file just decoded)."""
    if not ENABLED:
        return None
    raw = encoded if encoded is not None else text.encode("utf-8")
    if not plain_source(raw):
        return None
    documents: list[Document] = []
    try:
        with _quiet_stderr():  # (once per file: silencing costs five system calls)
            for index, (begin, end, offset) in enumerate(document_parts(raw)):
                part = raw[begin:end]
                if _marker_only(part):
                    continue  # an empty document
                document = _kept(part, offset, index)  # read by the index phase
                if document is None:
                    try:
                        document = _document(part, index, offset, limits)
                    except _Fallback:
                        document = _slow(part, index, offset, limits)
                if document is not None:
                    documents.append(document)
    except _WholeFile:
        return None
    return documents


def read_stream(text: str, limits: Limits = _LIMITS, encoded: bytes | None = None) -> Iterable[Document]:
    """The documents of ``text``: read the fast way (:func:`read_fast`) where that is exact, else
    by libyaml (:func:`~gitops_gen.manifests.yamlread.read_documents`)."""
    documents = read_fast(text, limits, encoded)
    return read_documents(text, limits) if documents is None else documents


def _kept(part: bytes, offset: int, index: int) -> Document | None:
    """The document the index phase read from these bytes at this place, if it kept it: as it
    was, or read back from its JSON (:mod:`~gitops_gen.manifests.kept`), as :func:`_document`
    reads it but for rapidyaml's tree, which lines stand in for (as for a document kept parsed)."""
    found = kept.take(part, offset, index)
    if not isinstance(found, kept.Text):
        return found
    return _from_text(part, index, offset, found)


def _from_text(part: bytes, index: int, offset: int, found: kept.Text) -> Document:
    """The document of ``part`` read back from the JSON the fast path wrote for the same bytes
    (kept at this place, or remembered by content), its positions found from its lines."""
    data = json.loads(found.text)  # (a document with a key written twice was never kept)
    return _as_document(part, index, offset, data, found.text, found.json_bound)


def _as_document(part: bytes, index: int, offset: int, data: Any, text: str, json_bound: int,
                 tree: RymlTree | None = None) -> Document:
    """The document read the fast way from ``part``: its values, the JSON they were read from,
    its size bound, and its positions (found when asked: from rapidyaml's ``tree``, or lines)."""
    root = _root_mark(part, offset)
    positions = LazyPositions(part, offset, root=root, data=data, tree=tree)
    return Document(index, data, None, root[0], [], json_bound, lazy=positions, text=text)


def read_part(part: bytes, offset: int, limits: Limits = _LIMITS, *, keep: bool = True) -> tuple[bool, Document | None]:
    """One part of a file (:func:`document_starts`; after ``offset`` lines) read the fast way, as
    :func:`read_fast` reads it within its file: (True, the document or None when empty), or
    (False, None) when libyaml must read it.  A large document is kept for the check phase
    (:mod:`~gitops_gen.manifests.kept`) unless ``keep`` is false."""
    if not ENABLED or not plain_source(part):
        return False, None
    if _marker_only(part):
        return True, None
    try:
        with _quiet_stderr():
            document = _document(part, 0, offset, limits)
    except (_Fallback, _WholeFile):
        return False, None
    if document is not None and keep:
        kept.keep(part, offset, document)
    return True, document


def _marker_only(part: bytes) -> bool:
    """True for a part that is a ``---`` line and nothing else: an empty document."""
    return starts_with_marker(part) and not part[3:].strip()


def document_starts(raw: bytes) -> list[int]:
    """Where each part of ``raw`` starts (a ``---`` line, or the start), and where it ends."""
    starts = [0]
    at = raw.find(b"\n---")
    while at >= 0:
        after = at + 4
        if after == len(raw) or raw[after] in b" \n":
            starts.append(at + 1)
        at = raw.find(b"\n---", after)
    starts.append(len(raw))
    return starts


def document_parts(raw: bytes) -> list[tuple[int, int, int]]:
    """(start, end, lines before it) of each document of ``raw``, in the order libyaml numbers
    them (an empty one too; not the comments before a first ``---`` line): its parts
    (:func:`document_starts`) that :func:`holds_document`."""
    found: list[tuple[int, int, int]] = []
    line = 0
    starts = document_starts(raw)
    for begin, end in itertools.pairwise(starts):
        if holds_document(raw, begin, end):
            found.append((begin, end, line))
        if end < starts[-1]:  # (the lines of the last part are nobody's offset: a whole file's, mostly)
            line += raw.count(b"\n", begin, end)
    return found


def _slow(part: bytes, index: int, offset: int, limits: Limits) -> Document | None:
    """One document read by libyaml, its lines those of the file (None when empty).

    A syntax error ends a stream for libyaml (the documents after it are not read): then the
    whole file is libyaml's (:class:`_WholeFile`).
    """
    docs = list(read_documents("\n" * offset + part.decode("utf-8"), limits))  # lines as in the file
    if len(docs) > 1 or any(p.rule == "yaml-syntax" for d in docs for p in d.problems):
        raise _WholeFile
    if not docs:
        return None
    doc = docs[0]
    doc.index = index
    return doc


def _document(part: bytes, index: int, offset: int, limits: Limits) -> Document | None:
    """One document (None when empty), or :class:`_Fallback`; read back from its JSON when the
    same bytes were read before in this run (:func:`~gitops_gen.manifests.kept.same`)."""
    key = kept.content_key(part)
    if key is not None:
        found = kept.same(key, limits)
        if found is not None:
            return _from_text(part, index, offset, found)
    if not part.endswith(b"\n"):
        raise _Fallback  # rapidyaml would end a final block scalar with a newline
    buffer = bytearray(part)
    try:  # (standard error silenced by read_fast: rapidyaml prints its parse errors there)
        tree = ryml.parse_in_place(buffer)
    except Exception as exc:  # rapidyaml's parse errors: libyaml will say where
        raise _Fallback from exc
    size = tree.size()
    if size > limits.max_nodes:
        raise _Fallback
    node = tree.root_id()
    if tree.is_stream(node):
        size -= 1  # (the stream's own node holds no value)
        if tree.num_children(node) != 1:
            raise _Fallback
        node = tree.first_child(node)
    if not (tree.is_map(node) or tree.is_seq(node)):
        if tree.is_val(node) and tree.val_is_null(node) and not tree.is_val_quoted(node):
            return None  # an empty document
        raise _Fallback  # a scalar document: rare, and libyaml's business
    try:
        encoded = _emit_json(tree, node)
        emitted = encoded.decode("utf-8")
    except Exception as exc:  # deeper than rapidyaml's emitter goes (64 levels): libyaml's
        raise _Fallback from exc
    digits = encoded.translate(DIGITS)
    nodes = RymlTree(tree, node, buffer, part)
    if _counts_differ(part, encoded) or \
            not plain_safe(emitted, encoded, digits, part, nodes):
        raise _Fallback
    try:
        data = json.loads(emitted)
        if _values(data) != size:  # a key read twice
            data = _DECODER.decode(emitted)
    except (ValueError, RecursionError) as exc:
        raise _Fallback from exc
    if limits.max_depth < EMITTED_DEPTH and _deeper(data, encoded, limits.max_depth):
        raise _Fallback
    bound = _json_bound(encoded, digits)
    if key is not None:
        kept.remember(key, limits, kept.Text(emitted, bound))
    return _as_document(part, index, offset, data, emitted, bound, nodes if treepositions.AVAILABLE else None)


def _emit_json(tree: Any, node: int) -> bytes:
    """rapidyaml's JSON of ``node``, written into a buffer the thread keeps (``emit_json_malloc``
    writes everything twice: once to measure)."""
    buffer: bytearray | None = getattr(_OUTPUT, "buffer", None)
    if buffer is None:
        buffer = _OUTPUT.buffer = bytearray(1 << 16)
    failed, size = ryml.emit_json_to_substr(tree, node, buffer)
    if failed:
        buffer = _OUTPUT.buffer = bytearray(size + size // 4)
        failed, size = ryml.emit_json_to_substr(tree, node, buffer)
        if failed:
            raise _Fallback
    return bytes(memoryview(buffer)[:size])


def holds_document(raw: bytes, begin: int, end: int) -> bool:
    """Whether the part ``raw[begin:end]`` of a stream (:func:`document_starts`) is a document,
    empty or not, for libyaml: every part from a ``---`` line is; the text before the first one
    when it holds more than comments and blank lines (read in place: it is the whole file, mostly)."""
    return begin > 0 or starts_with_marker(raw[:min(end, 4)]) or _CONTENT.search(raw, 0, end) is not None


def _root_mark(part: bytes, offset: int) -> tuple[int, int]:
    """Where libyaml starts the document's root node: its first character of content."""
    begin = 0
    if starts_with_marker(part):
        begin = part.find(b"\n") + 1
        rest = part[3:begin]
        stripped = rest.lstrip(b" ")
        if stripped.strip() and not stripped.startswith(b"#"):
            return offset + 1, 4 + len(rest) - len(stripped)
    match = _CONTENT.search(part, begin)
    if match is None:
        return offset + 1, 1
    return offset + 1 + part.count(b"\n", 0, match.start()), match.end() - match.start()
