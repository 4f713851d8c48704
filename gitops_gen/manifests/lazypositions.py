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

__all__ = ["LazyPositions"]

#: A plain key at the start of a (dedented) line: its text is group 1, the colon ends the match.
_KEY = re.compile(rb"([A-Za-z_][A-Za-z0-9_.\-/]*)[ ]*:(?=[ ]|$)")
#: Paths at most this deep are looked up in the lines; deeper ones compose the document.
MAX_DEPTH = 3


class _Mapping:
    """The lines of one block mapping: its keys' line indexes and its indentation."""

    __slots__ = ("end", "indent", "keys")

    def __init__(self, keys: dict[str, int], indent: int, end: int) -> None:
        self.keys = keys
        self.indent = indent
        self.end = end


class LazyPositions:
    """The positions of one document, composed by libyaml the first time the lines cannot tell.

    ``part`` is the document's source from its ``---`` line; ``offset`` the lines before it;
    ``root`` where libyaml starts its root node; ``data`` its values (to prove keys by).
    """

    __slots__ = ("_inner", "_lines", "_maps", "data", "offset", "part", "root")

    def __init__(self, part: bytes, offset: int, *, root: tuple[int, int], data: Any) -> None:
        self.part = part
        self.offset = offset
        self.root = root
        self.data = data
        self._inner: NodePositions | None = None
        self._lines: list[bytes] | None = None
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
        index = mapping.keys[str(path[-1])]
        if key:
            return self.offset + index + 1, mapping.indent + 1
        line = self._text()[index]
        match = _KEY.match(line, mapping.indent)
        assert match is not None
        start = len(line) - len(line[match.end():].lstrip(b" "))
        if start == len(line) or line[start:start + 1] == b"#":
            return None  # the value starts on a later line
        return self.offset + index + 1, start + 1

    def _text(self) -> list[bytes]:
        if self._lines is None:
            self._lines = self.part.split(b"\n")
        return self._lines

    def _mapping(self, prefix: FieldPath, value: dict[str, Any]) -> _Mapping | None:
        if prefix not in self._maps:
            self._maps[prefix] = self._read_mapping(prefix, value)
        return self._maps[prefix]

    def _read_mapping(self, prefix: FieldPath, value: dict[str, Any]) -> _Mapping | None:
        lines = self._text()
        if prefix:
            parent = self._maps.get(prefix[:-1])
            if parent is None:
                return None
            start, end, outer = parent.keys[str(prefix[-1])] + 1, parent.end, parent.indent
        else:
            marked = self.part.startswith(b"---") and self.part[3:4] in (b" ", b"\n", b"")
            start, end, outer = (1 if marked else 0), len(lines), -1
        found: list[tuple[str, int]] = []
        indent = -1
        for index in range(start, end):
            line = lines[index]
            body = line.lstrip(b" ")
            if not body or body.startswith(b"#"):
                continue
            width = len(line) - len(body)
            if indent < 0:
                if width <= outer:
                    return None  # an empty block: the value is on the key's line
                indent = width
            if width < indent:
                if width <= outer:
                    end = index  # the mapping ends where its parent's next key starts
                    break
                return None
            if width > indent:
                continue
            match = _KEY.match(body)
            if match is None:
                return None
            found.append((match.group(1).decode("ascii"), index))
        if indent < 0 or [name for name, _ in found] != list(value):
            return None  # a line passing for a key, or a key written otherwise
        return _Mapping(dict(found), indent, end)
