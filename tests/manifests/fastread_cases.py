"""Differential oracle for the fast YAML path, and generated YAML that tries to make it differ.

:func:`difference` reads a text both ways (rapidyaml's fast path and libyaml's reference
reader) and says what differs: documents, values (types included), problems, lines, and the
position of every node.  :func:`generated_cases` writes YAML around the scalars and constructs
where go-yaml v2, libyaml and rapidyaml are known to disagree.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator
from typing import Any

from gitops_gen.manifests.fastread import BOUNDED_UP_TO, read_fast
from gitops_gen.manifests.lazypositions import MAX_DEPTH, LazyPositions
from gitops_gen.manifests.yamlread import Document, Limits, NodePositions, read_documents
from gitops_gen.schemas.apiserver import json_size

#: Plain scalars whose meaning differs between YAML 1.1, YAML 1.2, JSON and Go.
TOKENS = (
    'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False',
    'FALSE', 'on', 'On', 'ON', 'off', 'Off', 'OFF', '~', 'null', 'Null', 'NULL', '.nan', '.NaN', '.NAN',
    'nan', 'NaN', '.inf', '.Inf', '.INF', '+.inf', '-.inf', '-.Inf', 'inf', 'Infinity', '-Infinity', '0',
    '00', '01', '0644', '-0644', '+0644', '0x1F', '-0x1F', '0X1f', '0o17', '0O17', '0b101', '0B101', '1_000',
    '1__0', '_1', '1_', '12:30', '1:2:3', '123', '-123', '+123', '-0', '+0', '1.0', '1.', '.5', '-.5', '+.5',
    '1e3', '1E3', '1e+3', '1e-3', '1.5e3', '-1e3', '+1e3', '1e400', '-1e400', '1e', '1.e3', '0.0', '00.5',
    '0e0', '9223372036854775807', '9223372036854775808', '18446744073709551615', '18446744073709551616',
    '-9223372036854775809', '123456789012345678901234567890', '0x', '0b', '0x_1', '1.2.3', '1,000', '+-1',
    '08', '09', '0_8', '12_3.5', '.1_0', '2001-12-14', '2001-12-14T21:59:43.10-05:00', 'true1', 'yes2', '~~',
    '100m', '128Mi', '1.19', 'v1', '*x', '@x', '`x', '!x', '&x', '%x', '-', '--', '---', '...', '=', '<<', '',
    'a#b', 'a:b', "'q'", '"d"', 'é', '日本', '\\x41', '1e15', '1e20', '3.14', '1.50', '10', '<a>', 'a&b', '&&',
)

DEFAULT = Limits()

#: Positions compared per document, spread over it (libyaml composes the document both ways:
#: what may differ is where its lines start).
PATHS_PER_DOCUMENT = 48

#: Where a scalar can stand.
CONTEXTS = (
    "k: {t}\n", "{t}: v\n", "- {t}\n", "k: [{t}, x]\n", "k: {{{t}: 1}}\n", "k: {{a: {t}}}\n",
    "k: '{t}'\n", 'k: "{t}"\n', "k: |\n  {t}\n", "k: >-\n  {t}\n", "k:\n  {t}\n", "? {t}\n: v\n",
    "k: {t} # c\n", "k: x {t}\n", "- - {t}\n", "k: [\n  {t}\n]\n", '{{"k":{t}}}\n', "k: {t}\n  more\n",
)

#: Whole documents around constructs the fast path must send to libyaml, or read exactly.
STREAMS = (
    "a: &x 1\nb: *x\n", "a: *x\n", "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n", "d:\n  <<: [{a: 1}, {a: 2}]\n",
    "a: !!str 12\n", "a: !!int '7'\n", "a: !custom x\n", "a: 1\na: 2\n", "a: {b: 1, b: 2}\n",
    "%YAML 1.1\n---\na: 1\n", "a: 1\n...\n", "a: 1\n...\n---\nb: 2\n", "---\n---\na: 1\n---\n",
    "# only a comment\n", "", "---\n", "--- \n# c\na: 1\n", "--- {a: 1}\n", "--- |\n  text\n", "--- 5\n",
    "a: |  # a-b\n  x\n", "a: |+ # c\n  x\n\n", "a: >2 # c\n    x\n", "a: |\n  x", "a: b", "a: |\n  x\n---\nb: |\n  y",
    "a:\tb\n", "a: b\t\n", "a:\n\t- b\n", "\t\n---\na: 1\n", "a: 1\n---\n\t\n---\nb: 2\n", "a:\n  \t\n  b: 1\n",
    "a: |\n  x\n\ty\n", "a: b\r\nc: d\r\n", "a: b\x85c\n", "a: \x01\n", "\ufeffa: 1\n",
    "a: 'x\u2028y'\n", "a: \"\\x21x\"\n", "a: \"\\u0026x\"\n", "a: b\n  # comment ! & *\nc: d\n",
    "a: [1, 2\n", "a: b: c\n", "- a\nb: c\n", "a:\n  - b\n  c: d\n", "key: 'unterminated\n",
    "a: 1\n---\nb: [\n---\nc: 3\n", "a: \"multi\n  line\"\n", "a: 'it''s'\n", "a: plain\n  folded\n\n  para\n",
    "a: \"esc \\t \\n \\\\ \\\" \\/ \\N \\_ \\L \\P \\e \\0\"\n", "a: >\n  folded\n   more\n  back\n",
    "a: |2\n   indented\n", "- - - x\n", "[a, [b, [c]]]\n", "{a: {b: {c: d}}}\n", "? complex\n: v\n",
    "? [a, b]\n: v\n", "a: {b: c, d: [e, f]}\n", "a: -\n", "a: - b\n", "a:\n- b\n- c\n", "a: 'q' # c\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  yes: on\n  '0644': 0644\n",
    "spec:\n  privileged: yes\n  hostNetwork: On\n  runAsUser: 0o0\n  fsGroup: 0x0\n",
    # text in a description that looks like a plain scalar go-yaml reads otherwise, beside one that is
    "d: |\n  `code` and *x\n  @at %p\n", "d: |\n  `code`\ne: `plain\n", "d: '`q'\ne: @plain\n",
    "d: |\n  *x\na: &x v\nb: *x\n", "a: &x v\nb: *x\nc: \"\\u0026\"\n", "? *x\n: v\n", "? |\n  *x\n: v\n",
    "d: 'max 12345678901234567890'\n", "d: x 1e400\n", "d: '1e400'\ne: 1e400\n", "d: [1, 12345678901234567890]\n",
    "d: |\n  9223372036854775808\ne: 9223372036854775808\n", "d: '0.1e-400'\ne: [0.1e-400]\n",
    "d: 'a, 1e400'\n", "d: \"x: 12345678901234567890\"\ne: 1\n",
)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


def difference(text: str, *, positions: bool = True, limits: Limits = DEFAULT) -> str | None:
    """What the fast path reads differently from libyaml in ``text`` (None: nothing)."""
    fast = read_fast(text, limits)
    if fast is None:
        return None  # libyaml reads it: identical by construction
    slow = list(read_documents(text, limits))
    if len(fast) != len(slow):
        return f"{len(fast)} documents, libyaml {len(slow)}"
    for f, s in zip(fast, slow, strict=True):
        found = _document_difference(f, s, positions)
        if found:
            return f"document {s.index}: {found}"
    return None


def _words(value: Any) -> Iterator[str]:
    """The words (letters and digits) of every key and string of ``value``."""
    if isinstance(value, str):
        yield from _WORD.findall(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _words(key)
            yield from _words(item)
    elif isinstance(value, list):
        for item in value:
            yield from _words(item)


_WORD = re.compile(r"[A-Za-z0-9]+")


def _document_difference(f: Document, s: Document, positions: bool) -> str | None:
    if (f.index, f.problems, f.built, f.start_line) != (s.index, s.problems, s.built, s.start_line):
        return f"{(f.index, f.problems, f.built, f.start_line)} != {(s.index, s.problems, s.built, s.start_line)}"
    if not s.built:
        return None
    if not _same(f.data, s.data):
        return f"data {f.data!r} != {s.data!r}"
    if f.json_bound and f.json_bound < json_size(f.data):
        return f"JSON size bound {f.json_bound} below the size {json_size(f.data)}"
    if not f.json_bound and f.text is not None and len(f.text.encode()) + 64 <= BOUNDED_UP_TO:
        return f"no JSON size bound for a document of {len(f.text)} characters of JSON"
    if f.text is not None:  # rules test it for a word before walking the object: none may be missing
        tokens = set(_WORD.findall(f.text))  # (a word after an escape, n of \\nword, is found as a substring)
        missing = next((w for w in _words(s.data) if w not in tokens and w not in f.text), None)
        if missing is not None:
            return f"the word {missing!r} of the data is not in the document's text"
    if positions:
        mine, theirs = f.positions(), NodePositions(s.root)
        paths = list(_paths(s.data))
        shallow = [p for p in paths if 0 < len(p) <= 3 and all(isinstance(k, str) for k in p)]
        sample = paths[::max(1, len(paths) // PATHS_PER_DOCUMENT)]  # the offset is what may differ
        if isinstance(mine, LazyPositions):  # what the lines answer, without composing (one fresh reader)
            fresh = LazyPositions(mine.part, mine.offset, root=mine.root, data=mine.data, tree=mine.tree)
            deep_enough = [p for p in sample if 0 < len(p) <= MAX_DEPTH]  # deeper ones are always composed
            for path in itertools.chain(shallow, deep_enough, _missing(f.data, [(), *shallow, *deep_enough])):
                for key in (True, False):
                    found = fresh._from_lines(path, key)
                    if found is not None and found != theirs.locate(path, key=key):
                        return f"position of {path} from the lines: {found} != {theirs.locate(path, key=key)}"
            if mine.tree is not None:  # what rapidyaml's tree answers: every path, and one past each
                for path in itertools.chain(sample, _missing(f.data, sample)):
                    for key in (True, False):
                        found = fresh._from_tree(path, key)
                        if found is not None and found != theirs.locate(path, key=key):
                            return f"position of {path} from the tree: {found} != {theirs.locate(path, key=key)}"
        # the root and shallow keys first: read from the lines until the document is composed
        for path in itertools.chain([()], shallow, [("absent",)], sample, [("metadata", "absent", 0)]):
            for key in (True, False):
                if mine.locate(path, key=key) != theirs.locate(path, key=key):
                    return f"position of {path}: {mine.locate(path, key=key)} != {theirs.locate(path, key=key)}"
            if mine.exists(path) != theirs.exists(path):
                return f"exists {path}"
    return None


def _missing(data: Any, paths: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Paths one step past ``paths`` that are not in ``data``: a key no mapping has, an index past
    a list's end (a policy's missing field is placed at the deepest node its path reaches)."""
    for path in paths:
        value = data
        for step in path:
            value = value[step]
        if isinstance(value, dict):
            yield (*path, "absent")
            yield (*path, "absent", 0)
        elif isinstance(value, list):
            yield (*path, len(value))
            yield (*path, -len(value) - 1)
            if value:
                yield (*path, -1)  # not missing: counted from the end (libyaml's nodes answer)


def generated_cases() -> Iterator[str]:
    """Every token in every context, alone, in a multi-document stream and after other content;
    then every stream, alone and between ordinary documents."""
    for token, context in itertools.product(TOKENS, CONTEXTS):
        body = context.format(t=token)
        yield body
        yield f"a: 1\n---\n{body}---\nb: 2\n"
    for stream in STREAMS:
        yield stream
        yield f"first: 1\n---\n{stream}"
        yield f"{stream}\n---\nlast: 2\n"
