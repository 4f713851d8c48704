"""Positions of a document read by the fast path, found only when asked.

Composing a document with libyaml costs more than reading it the fast way, and most positions
asked for are a few shallow ones: where the document starts (every checked resource is listed
with its line), ``metadata.namespace`` and ``metadata.name`` (the namespace facts), ``spec.replicas``.
Those are read from the source lines when the document is laid out in plain block mappings,
and proven to be the mapping's keys: the lines at a mapping's indentation must be plain keys,
exactly the mapping's keys in order (no line of a multi-line quoted or flow scalar can pass for
one, it would add a key).  A field that is missing (a policy asking for a ``securityContext``
nobody wrote) is placed where libyaml places it, at the start of the deepest node the path
reaches: that node's first key or dash.  Anything else composes the document with libyaml once
(:func:`~gitops_gen.manifests.yamlread.compose_root`), as the slow path would.
"""

from __future__ import annotations

import re
from typing import Any

from gitops_gen.manifests.treepositions import RymlTree
from gitops_gen.manifests.yamlread import NodePositions, compose_root
from gitops_gen.model import FieldPath

__all__ = ["LazyPositions", "starts_with_marker"]

#: A plain key at the start of a (dedented) line: its text is group 1, the colon ends the match.
_KEY = re.compile(rb"([A-Za-z_][A-Za-z0-9_.\-/]*)[ ]*:(?=[ \n]|$)")
#: Paths at most this deep are looked up in the lines; deeper ones compose the document.
MAX_DEPTH = 12
#: What an item may start with that the lines do not place as libyaml does (a comment: the item
#: is on later lines; block scalars, anchors, tags, aliases, complex keys).
_NOT_AT_DASH = (b"#", b"|", b">", b"&", b"!", b"*", b"?")
#: A dash starting a block sequence item, after a line's indentation.
_DASH = re.compile(rb"-(?:[ ]+|(?=\n)|$)")


def starts_with_marker(part: bytes) -> bool:
    """True when a part of a stream starts with a ``---`` document marker (not a key such as
    ``---:``)."""
    return part.startswith(b"---") and part[3:4] in (b" ", b"\n", b"")


class _Mapping:
    """One block mapping in the source: where each key's line starts, the column of its keys,
    where the mapping ends (byte offsets in the part)."""

    __slots__ = ("end", "indent", "keys")

    def __init__(self, keys: dict[str, int], indent: int, end: int) -> None:
        self.keys = keys
        self.indent = indent
        self.end = end

    def region(self, name: str) -> tuple[int, int]:
        """Where the value of key ``name`` lies: from its key's line to the next key's line."""
        start = self.keys[name]
        later = [offset for offset in self.keys.values() if offset > start]
        return start, min(later) if later else self.end


class _Sequence:
    """One block sequence in the source: where each item's ``-`` line starts, the column of its
    dashes, where the sequence ends."""

    __slots__ = ("end", "indent", "items")

    def __init__(self, items: list[int], indent: int, end: int) -> None:
        self.items = items
        self.indent = indent
        self.end = end

    def region(self, index: int) -> tuple[int, int]:
        """Where item ``index`` lies: from its dash's line to the next dash's line."""
        return self.items[index], self.items[index + 1] if index + 1 < len(self.items) else self.end


def _lines_at_most(indent: int) -> re.Pattern[bytes]:
    """Lines indented ``indent`` spaces or fewer that hold something other than a comment (group
    1: the indentation), with what follows the indentation: a plain key (group 2, as :data:`_KEY`
    reads it) or else a dash (group 3, as :data:`_DASH`), so that one match says what a line is."""
    pattern = _AT_MOST.get(indent)
    if pattern is None:
        pattern = _AT_MOST[indent] = re.compile(
            rb"\n( {0,%d}+)(?=[^ \n#])(?:%s|(%s))?" % (indent, _KEY.pattern, _DASH.pattern))
    return pattern


_AT_MOST: dict[int, re.Pattern[bytes]] = {}
_FIRST = re.compile(rb"\n( *+)(?=[^ \n#])")
#: Not read yet (a prefix whose node is None was read, and is not a block the lines prove).
_UNREAD: Any = object()


class LazyPositions:
    """The positions of one document, composed by libyaml the first time the lines cannot tell.

    ``part`` is the document's source from its ``---`` line; ``offset`` the lines before it;
    ``root`` where libyaml starts its root node; ``data`` its values (to prove keys by); ``tree``
    rapidyaml's tree of it, which answers first (:mod:`~gitops_gen.manifests.treepositions`).
    """

    __slots__ = ("_found", "_inner", "_lines", "_maps", "data", "offset", "part", "root", "tree")

    def __init__(self, part: bytes, offset: int, *, root: tuple[int, int], data: Any,
                 tree: RymlTree | None = None) -> None:
        self.part = part
        self.offset = offset
        self.root = root
        self.data = data
        self.tree = tree
        self._inner: NodePositions | None = None
        self._maps: dict[FieldPath, _Mapping | _Sequence | None] = {}
        self._found: dict[tuple[FieldPath, bool], tuple[int, int]] = {}  # what was asked, answered
        self._lines = b""  # the part after a newline, once a mapping is read from it (offsets + 1)

    def _positions(self) -> NodePositions:
        if self._inner is None:  # no values built: only the nodes are needed
            self._inner = NodePositions(compose_root(self.part.decode("utf-8")))
        return self._inner

    def locate(self, path: FieldPath, *, key: bool = True) -> tuple[int, int]:
        if not path:
            return self.root
        found = self._found.get((path, key))
        if found is not None:  # several rules report on the same places (an image, a container)
            return found
        if self.tree is not None:
            found = self._from_tree(path, key)
        if found is None and self._inner is None and len(path) <= MAX_DEPTH:
            found = self._from_lines(path, key)
        if found is None:
            line, column = self._positions().locate(path, key=key)
            found = line + self.offset, column
        self._found[(path, key)] = found
        return found

    def forget_tree(self) -> None:
        """Drop rapidyaml's tree (several times the size of the source), for a document kept
        beyond its file's check: its lines answer from now on."""
        self.tree = None

    def exists(self, path: FieldPath) -> bool:
        return self._positions().exists(path)

    def _from_tree(self, path: FieldPath, key: bool) -> tuple[int, int] | None:
        """The position rapidyaml's tree gives, as libyaml's: lines and columns (characters)
        counted in the source."""
        assert self.tree is not None
        at = self.tree.offset(path, key, self.data)
        if at is None:
            return None
        start = self.part.rfind(b"\n", 0, at) + 1
        before = self.part[start:at]
        column = len(before) if before.isascii() else len(before.decode("utf-8"))
        return self._line_number(start), column + 1

    # -- reading the lines --------------------------------------------------------------------

    def _from_lines(self, path: FieldPath, key: bool) -> tuple[int, int] | None:
        value = self.data
        node: _Mapping | _Sequence | None = None
        maps = self._maps
        for depth, step in enumerate(path):
            prefix = path[:depth]
            node = maps.get(prefix, _UNREAD)
            if node is _UNREAD:
                node = maps[prefix] = self._read(prefix, value)
            # exact types (what the fast path builds): anything else is left to libyaml's nodes
            if type(step) is str:
                if type(value) is not dict:
                    return None
                if step not in value:  # a missing field
                    return self._missing(node, prefix, b"{")
                if type(node) is not _Mapping:
                    return None
            elif type(step) is not int or type(value) is not list:
                return None
            elif not 0 <= step < len(value):  # (a negative index counts from the end: libyaml's nodes)
                return None if step < 0 else self._missing(node, prefix, b"[")
            elif type(node) is not _Sequence:
                return None
            value = value[step]
        last = path[-1]
        if isinstance(node, _Sequence):  # an item: where its node starts, on its dash's line
            assert isinstance(last, int)
            start = node.items[last]
            text = self._line(start)
            column = _DASH.match(text, node.indent)
            assert column is not None
            at = column.end()
            if isinstance(value, list) or at == len(text) or text[at:at + 1] in _NOT_AT_DASH:
                return None  # a nested sequence, an item on later lines, a block scalar, a tag or anchor
            return self._line_number(start), at + 1
        assert isinstance(node, _Mapping) and isinstance(last, str)
        start = node.keys[last]  # the offset of the key's line
        line = self._line_number(start)
        if key:
            return line, node.indent + 1
        text = self._line(start)
        match = _KEY.match(text, node.indent)
        assert match is not None
        at = len(text) - len(text[match.end():].lstrip(b" "))
        if at == len(text) or text[at:at + 1] == b"#":
            return None  # the value starts on a later line
        return line, at + 1

    def _missing(self, node: _Mapping | _Sequence | None, prefix: FieldPath, opening: bytes) -> tuple[int, int] | None:
        """Where a field missing below ``prefix`` is placed, as libyaml places it: at the start of
        the deepest node the path reaches, the one at ``prefix`` (a block the lines proved, or a
        flow collection opening with ``opening`` on its key's line)."""
        if not prefix:
            return self.root
        return self._start(node) if node is not None else self._flow_start(prefix, opening)

    def _flow_start(self, prefix: FieldPath, opening: bytes) -> tuple[int, int] | None:
        """Where the flow mapping or sequence at ``prefix`` starts (its ``{`` or ``[``, as libyaml
        marks its node), when it is the value of a key or item the lines proved and starts on that
        key's or dash's line (``labels: {app: web}``, ``- {name: http}``)."""
        parent, step = self._maps.get(prefix[:-1]), prefix[-1]
        if isinstance(parent, _Mapping) and isinstance(step, str):
            start = parent.keys[step]
        elif isinstance(parent, _Sequence) and isinstance(step, int):
            start = parent.items[step]
        else:
            return None
        found = self._from_lines(prefix, False)  # the parent is read: only its lines are looked at
        if found is None or self._line(start)[found[1] - 1:found[1]] != opening:
            return None
        return found

    def _start(self, node: _Mapping | _Sequence) -> tuple[int, int] | None:
        """Where a block mapping or sequence the lines proved starts, as libyaml marks its node:
        its first key, or its first dash."""
        first = next(iter(node.keys.values()), None) if isinstance(node, _Mapping) else \
            (node.items[0] if node.items else None)
        return None if first is None else (self._line_number(first), node.indent + 1)

    def _line(self, start: int) -> bytes:
        end = self.part.find(b"\n", start)
        return self.part[start:end if end >= 0 else len(self.part)]

    def _line_number(self, start: int) -> int:
        return self.offset + self.part.count(b"\n", 0, start) + 1

    def _read(self, prefix: FieldPath, value: Any) -> _Mapping | _Sequence | None:
        """The block mapping or sequence at ``prefix`` (its parent already read), when its lines
        prove its keys or items."""
        part = self._lines
        if not part:  # every line, the first included, follows a newline (offsets + 1)
            part = self._lines = b"\n" + self.part
        if not prefix:
            begin = part.find(b"\n", 1) if starts_with_marker(self.part) else 0
            return self._mapping(part, begin, len(part), -1, value) if isinstance(value, dict) else None
        parent = self._maps.get(prefix[:-1])
        if isinstance(parent, _Mapping) and isinstance(prefix[-1], str):
            start, end = parent.region(prefix[-1])
            begin = part.find(b"\n", start + 1)  # the line after the key's
            if begin < 0 or begin >= end + 1:
                return None
            if isinstance(value, dict):
                return self._mapping(part, begin, end + 1, parent.indent, value)
            if isinstance(value, list):  # a block sequence may stand at its key's indentation
                return self._sequence(part, begin, end + 1, parent.indent - 1, value)
            return None
        if isinstance(parent, _Sequence) and isinstance(prefix[-1], int) and isinstance(value, dict):
            start, end = parent.region(prefix[-1])
            return self._item_mapping(part, start, end + 1, parent.indent, value)
        return None

    def _mapping(self, part: bytes, begin: int, end: int, outer: int, value: dict[str, Any]) -> _Mapping | None:
        """The mapping whose lines lie in ``part[begin:end]``, indented more than ``outer``."""
        first = _FIRST.search(part, begin, end)
        if first is None or len(first.group(1)) <= outer:
            return None  # an empty block: the value is on the key's line
        return self._keys(part, begin, end, len(first.group(1)), [], value)

    def _item_mapping(self, part: bytes, begin: int, end: int, dash: int, value: dict[str, Any]) -> _Mapping | None:
        """The mapping of a sequence item whose dash's line starts at ``part[begin]`` (offsets in
        ``part``, whose first byte is an added newline): its first key follows the dash."""
        line_end = part.find(b"\n", begin + 1)
        line_end = end if line_end < 0 else line_end
        after = _DASH.match(part, begin + 1 + dash)
        if after is None:
            return None
        column = after.end() - begin - 1
        first = _KEY.match(part, after.end(), line_end)
        if first is None:
            return None
        return self._keys(part, line_end, end, column, [(first.group(1).decode("ascii"), begin)], value)

    def _keys(self, part: bytes, begin: int, end: int, indent: int, found: list[tuple[str, int]],
              value: dict[str, Any]) -> _Mapping | None:
        """The mapping whose keys stand at column ``indent`` on the lines of ``part[begin:end]``
        (after those ``found`` already); a dash at that column continues the previous key's
        value (a sequence at its key's indentation)."""
        for match in _lines_at_most(indent).finditer(part, begin, end):
            spaces, key, dash = match.groups()
            if len(spaces) < indent:
                return None
            if key is None:
                if found and dash is not None:
                    continue
                return None
            found.append((key.decode("ascii"), match.start()))  # = the line's offset in self.part
        if [name for name, _ in found] != list(value):
            return None  # a line passing for a key, or a key written otherwise
        return _Mapping(dict(found), indent, end - 1)

    def _sequence(self, part: bytes, begin: int, end: int, outer: int, value: list[Any]) -> _Sequence | None:
        """The sequence whose lines lie in ``part[begin:end]``, its dashes indented more than ``outer``."""
        first = _FIRST.search(part, begin, end)
        if first is None or len(first.group(1)) <= outer:
            return None
        indent = len(first.group(1))
        items: list[int] = []
        for match in _lines_at_most(indent).finditer(part, begin, end):
            if len(match.group(1)) < indent or match.group(3) is None:
                return None
            items.append(match.start())
        if len(items) != len(value):
            return None
        return _Sequence(items, indent, end - 1)
