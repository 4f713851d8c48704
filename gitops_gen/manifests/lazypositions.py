"""Positions of a document read by the fast path, found only when asked.

Composing a document with libyaml costs more than reading it the fast way, and most positions
asked for are a few shallow ones: where the document starts (every checked resource is listed
with its line), ``metadata.namespace`` and ``metadata.name`` (the namespace facts), ``spec.replicas``.
Those are read from the source lines when the document is laid out in plain block mappings,
and proven to be the mapping's keys: the lines at a mapping's indentation must be plain keys,
exactly the mapping's keys in order (no line of a multi-line quoted or flow scalar can pass for
one, it would add a key).  Anything else composes the document with libyaml once
(:func:`~gitops_gen.manifests.yamlread.compose_root`), as the slow path would.
"""

from __future__ import annotations

import re
from typing import Any

from gitops_gen.manifests.yamlread import NodePositions, compose_root
from gitops_gen.model import FieldPath

__all__ = ["LazyPositions", "starts_with_marker"]

#: A plain key at the start of a (dedented) line: its text is group 1, the colon ends the match.
_KEY = re.compile(rb"([A-Za-z_][A-Za-z0-9_.\-/]*)[ ]*:(?=[ \n]|$)")
#: Paths at most this deep are looked up in the lines; deeper ones compose the document.
MAX_DEPTH = 3


def starts_with_marker(part: bytes) -> bool:
    """True when a part of a stream starts with a ``---`` document marker (not a key such as
    ``---:``)."""
    return part.startswith(b"---") and part[3:4] in (b" ", b"\n", b"")


class _Mapping:
    """One block mapping in the source: where each key's line starts, its indentation, where
    the mapping ends (byte offsets in the part)."""

    __slots__ = ("end", "indent", "keys")

    def __init__(self, keys: dict[str, int], indent: int, end: int) -> None:
        self.keys = keys
        self.indent = indent
        self.end = end


def _lines_at_most(indent: int) -> re.Pattern[bytes]:
    """Lines indented ``indent`` spaces or fewer that hold something other than a comment."""
    pattern = _AT_MOST.get(indent)
    if pattern is None:
        pattern = _AT_MOST[indent] = re.compile(rb"\n( {0,%d})(?=[^ \n#])" % indent)
    return pattern


_AT_MOST: dict[int, re.Pattern[bytes]] = {}
_FIRST = re.compile(rb"\n( *)(?=[^ \n#])")


class LazyPositions:
    """The positions of one document, composed by libyaml the first time the lines cannot tell.

    ``part`` is the document's source from its ``---`` line; ``offset`` the lines before it;
    ``root`` where libyaml starts its root node; ``data`` its values (to prove keys by).
    """

    __slots__ = ("_inner", "_maps", "data", "offset", "part", "root")

    def __init__(self, part: bytes, offset: int, *, root: tuple[int, int], data: Any) -> None:
        self.part = part
        self.offset = offset
        self.root = root
        self.data = data
        self._inner: NodePositions | None = None
        self._maps: dict[FieldPath, _Mapping | None] = {}

    def _positions(self) -> NodePositions:
        if self._inner is None:  # no values built: only the nodes are needed
            self._inner = NodePositions(compose_root(self.part.decode("utf-8")))
        return self._inner

    def locate(self, path: FieldPath, *, key: bool = True) -> tuple[int, int]:
        if not path:
            return self.root
        if self._inner is None and len(path) <= MAX_DEPTH:
            found = self._from_lines(path, key)
            if found is not None:
                return found
        line, column = self._positions().locate(path, key=key)
        return line + self.offset, column

    def exists(self, path: FieldPath) -> bool:
        return self._positions().exists(path)

    # -- reading the lines --------------------------------------------------------------------

    def _from_lines(self, path: FieldPath, key: bool) -> tuple[int, int] | None:
        value = self.data
        mapping: _Mapping | None = None
        for depth, name in enumerate(path):
            if not isinstance(value, dict) or not isinstance(name, str) or name not in value:
                return None
            mapping = self._mapping(path[:depth], value)
            if mapping is None:
                return None
            value = value[name]
        assert mapping is not None
        start = mapping.keys[str(path[-1])]  # the offset of the key's line
        line = self.offset + self.part.count(b"\n", 0, start) + 1
        if key:
            return line, mapping.indent + 1
        end = self.part.find(b"\n", start)
        text = self.part[start:end if end >= 0 else len(self.part)]
        match = _KEY.match(text, mapping.indent)
        assert match is not None
        at = len(text) - len(text[match.end():].lstrip(b" "))
        if at == len(text) or text[at:at + 1] == b"#":
            return None  # the value starts on a later line
        return line, at + 1

    def _mapping(self, prefix: FieldPath, value: dict[str, Any]) -> _Mapping | None:
        if prefix not in self._maps:
            self._maps[prefix] = self._read_mapping(prefix, value)
        return self._maps[prefix]

    def _read_mapping(self, prefix: FieldPath, value: dict[str, Any]) -> _Mapping | None:
        """The mapping at ``prefix`` (its parent already read), when its lines prove its keys."""
        part = b"\n" + self.part  # every line, the first included, follows a newline (offsets + 1)
        if prefix:
            parent = self._maps.get(prefix[:-1])
            if parent is None:
                return None
            begin, end, outer = part.find(b"\n", parent.keys[str(prefix[-1])] + 1), parent.end + 1, parent.indent
        else:
            begin, end, outer = part.find(b"\n", 1) if starts_with_marker(self.part) else 0, len(part), -1
        if begin < 0:
            return None
        first = _FIRST.search(part, begin, end)
        if first is None or len(first.group(1)) <= outer:
            return None  # an empty block: the value is on the key's line
        indent = len(first.group(1))
        found: list[tuple[str, int]] = []
        for match in _lines_at_most(indent).finditer(part, begin, end):
            if len(match.group(1)) < indent:
                if len(match.group(1)) <= outer:
                    end = match.start()  # the mapping ends where its parent's next key starts
                    break
                return None
            key = _KEY.match(part, match.end())
            if key is None:
                return None
            found.append((key.group(1).decode("ascii"), match.start()))  # = the line's offset in self.part
        if [name for name, _ in found] != list(value):
            return None  # a line passing for a key, or a key written otherwise
        return _Mapping(dict(found), indent, end - 1)
