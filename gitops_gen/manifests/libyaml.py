"""libyaml's side of :mod:`~gitops_gen.manifests.yamlread`: PyYAML's loaders, the values built
from their nodes with go-yaml v2's rules, and positions read from the nodes.

Imported the first time a document needs libyaml (the fast path reads most without it): PyYAML
alone costs a process about 90 million instructions to import, a tenth of starting a check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_gen.manifests.scalars import key_string, resolve_plain
from gitops_gen.manifests.syntax import syntax_error
from gitops_gen.manifests.yamlread import PLAIN, Document, Limits, Problem
from gitops_gen.model import FieldPath

try:  # libyaml is part of every PyYAML wheel; the pure-Python loader is only a fallback
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

_MERGE = "<<"
_STR = "tag:yaml.org,2002:str"
#: Explicit standard tags whose value is still resolved (``!!int 0644`` is 420; ``!!str yes`` stays "yes").
_RESOLVED_TAGS = frozenset("tag:yaml.org,2002:" + t for t in ("int", "float", "bool", "null", "merge"))


class _Loader(_BaseLoader):
    """libyaml's parser and composer with PyYAML's per-scalar regex resolver switched off.

    Resolution happens once, in :func:`resolve_plain`; PyYAML's YAML 1.1 guess (a Python call
    with several regexes per scalar) would be thrown away anyway.
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path-based resolvers are registered: skip the bookkeeping for every node."""

    def ascend_resolver(self) -> None:
        """See :meth:`descend_resolver`."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return PLAIN if implicit[0] else _STR
        return "tag:yaml.org,2002:seq" if kind is SequenceNode else "tag:yaml.org,2002:map"


class _RedefinableAnchorsLoader(Composer, _Loader):
    """libyaml's parser with PyYAML's Python composer, where an anchor may be defined again.

    libyaml's C composer refuses a second ``&name``; go-yaml accepts it and lets later aliases
    refer to the latest definition.  Used only for a stream that has such an anchor.
    """

    def __init__(self, stream: str) -> None:
        _Loader.__init__(self, stream)
        Composer.__init__(self)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not isinstance(event, AliasEvent):
            self.anchors.pop(anchor, None)  # the new definition replaces the old one
        node: Node | None = super().compose_node(parent, index)
        return node


class DocumentTooLarge(Exception):
    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


class _Builder:
    """Turns one composed node tree into Python values (one instance per document)."""

    __slots__ = ("chars", "count", "depth", "done", "limits", "problems", "stack")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.count = 0
        self.chars = 0  # scalar characters, aliases expanded: with count, bounds the JSON size
        self.depth = 0
        self.done: dict[int, tuple[Any, int, int]] = {}
        self.stack: set[int] = set()
        self.problems: list[Problem] = []

    def build(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            self.count += 1
            if self.count > self.limits.max_nodes:
                raise DocumentTooLarge(f"document has more than {self.limits.max_nodes} nodes", node)
            self.chars += len(node.value)
            return self._scalar(node)
        key = id(node)
        seen = self.done.get(key)
        if seen is not None:  # an alias: share the value, but pay for its expanded size
            self.count += seen[1]
            self.chars += seen[2]
            if self.count > self.limits.max_nodes:
                raise DocumentTooLarge(
                    f"document expands to more than {self.limits.max_nodes} nodes through aliases "
                    "(an alias bomb?)", node)
            return seen[0]
        if key in self.stack:
            raise DocumentTooLarge("recursive alias: a node contains itself", node)
        before, before_chars = self.count, self.chars
        self.count += 1
        if self.count > self.limits.max_nodes:
            raise DocumentTooLarge(f"document has more than {self.limits.max_nodes} nodes", node)
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise DocumentTooLarge(f"document is nested more than {self.limits.max_depth} levels deep", node)
        self.stack.add(key)
        if isinstance(node, MappingNode):
            value: Any = self._mapping(node)
        elif isinstance(node, SequenceNode):
            value = self._sequence(node)
        else:
            raise DocumentTooLarge(f"unexpected node {type(node).__name__}", node)
        self.stack.discard(key)
        self.depth -= 1
        # Containers are remembered by identity: libyaml hands back the same node for an alias.
        self.done[key] = (value, self.count - before, self.chars - before_chars)
        return value

    def json_bound(self) -> int:
        """No character of a scalar takes more than 6 bytes in JSON (``<`` is ``\\u003c``), and no
        node more than 28 bytes beyond its characters (quotes, separators, ``1e3`` as a float)."""
        return 6 * self.chars + 28 * self.count + 64

    @staticmethod
    def _scalar(node: ScalarNode) -> Any:
        if node.tag == PLAIN or (not node.style and node.tag in _RESOLVED_TAGS):
            return resolve_plain(node.value)
        return node.value

    def _sequence(self, node: SequenceNode) -> list[Any]:
        out = []
        for item in node.value:
            out.append(self.build(item))
        return out

    def _mapping(self, node: MappingNode) -> dict[str, Any]:
        out: dict[str, Any] = {}
        explicit: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == _MERGE and key_node.tag == PLAIN:
                self._merge(out, value_node)
                continue
            if isinstance(key_node, ScalarNode):
                name = key_string(self._scalar(key_node))
                self.count += 1
                self.chars += len(key_node.value)
            else:  # a complex key: Kubernetes rejects these, keep a readable stand-in
                name = key_string(self.build(key_node))
            first = explicit.get(name)
            if first is not None:
                self.problems.append(Problem(
                    "duplicate-key",
                    f'duplicate key "{name}" (first defined on line {first.start_mark.line + 1}); '
                    "Kubernetes keeps the last value",
                    key_node.start_mark.line + 1, key_node.start_mark.column + 1))
            explicit[name] = key_node
            out[name] = self.build(value_node)
        return out

    def _merge(self, out: dict[str, Any], value_node: Node) -> None:
        if isinstance(value_node, MappingNode):
            sources = [value_node]
        elif isinstance(value_node, SequenceNode) and all(isinstance(n, MappingNode) for n in value_node.value):
            sources = list(reversed(value_node.value))
        else:
            raise MergeError(value_node)
        for source in sources:
            merged = self.build(source)
            out.update(merged)


class MergeError(Exception):
    def __init__(self, node: Node) -> None:
        super().__init__("map merge requires a mapping or a list of mappings")
        self.node = node


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(root: Node, path: FieldPath) -> tuple[list[Node], Node | None, Node | None]:
    """Follow ``path``: the nodes visited, the key node of the last step (if a mapping
    entry) and the final node (None when the path leaves the tree)."""
    visited: list[Node] = []
    node: Node | None = root
    key_node: Node | None = None
    for part in path:
        if node is None:
            break
        visited.append(node)
        key_node = None
        if isinstance(part, int) and isinstance(node, SequenceNode):
            node = node.value[part] if -len(node.value) <= part < len(node.value) else None
        elif isinstance(part, str) and isinstance(node, MappingNode):
            key_node, node = _find_key(node, part)
        else:
            node = None
    return visited, key_node, node


def locate(root: Node, path: FieldPath, key: bool) -> tuple[int, int]:
    """Where ``path`` is in the tree of ``root`` (see :class:`~gitops_gen.manifests.yamlread.NodePositions`)."""
    visited, key_node, node = _walk(root, path)
    if node is not None:
        if key and key_node is not None:
            return _mark(key_node)
        return _mark(node)
    return _mark(visited[-1]) if visited else _mark(root)


def exists(root: Node, path: FieldPath) -> bool:
    return _walk(root, path)[2] is not None


def _find_key(node: MappingNode, name: str) -> tuple[Node | None, Node | None]:
    """The (key, value) nodes that give ``name`` its value, following go-yaml v2's merge order."""
    found: tuple[Node | None, Node | None] = (None, None)
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.tag == PLAIN and key_node.value == _MERGE:
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:  # earlier maps in a merge list win
                if isinstance(source, MappingNode):
                    hit = _find_key(source, name)
                    if hit[1] is not None:
                        found = hit
                        break
            continue
        if isinstance(key_node, ScalarNode):
            text = key_string(_Builder._scalar(key_node))
            if text == name:
                found = (key_node, value_node)
    return found


def read_documents(text: str, limits: Limits) -> Iterator[Document]:
    """:func:`gitops_gen.manifests.yamlread.read_documents`."""
    index = 0
    composed = 0  # nodes taken from the stream, empty documents included
    stream: Iterator[Node | None] = yaml.compose_all(text, Loader=_Loader)
    redefinable = False
    while True:
        try:
            root = next(stream)
        except StopIteration:
            return
        except yaml.composer.ComposerError as exc:
            if redefinable or "duplicate anchor" not in (exc.context or ""):
                yield _syntax_document(index, exc, text)
                return
            redefinable = True  # compose again, anchors redefinable, from the document that failed
            stream = _skip(yaml.compose_all(text, Loader=_RedefinableAnchorsLoader), composed)
            continue
        except yaml.YAMLError as exc:
            yield _syntax_document(index, exc, text)
            return
        composed += 1
        if root is None or (isinstance(root, ScalarNode) and root.tag == PLAIN and not root.value):
            index += 1  # an empty document
            continue
        builder = _Builder(limits)
        start = root.start_mark.line + 1
        try:
            data = builder.build(root)
        except DocumentTooLarge as exc:
            line, column = _mark(exc.node)
            yield Document(index, None, None, start, [Problem("yaml-too-large", exc.message, line, column)])
        except RecursionError:
            yield Document(index, None, None, start,
                           [Problem("yaml-too-large", "document is nested too deeply", start, 1)])
        except MergeError as exc:
            line, column = _mark(exc.node)
            yield Document(index, None, None, start, [Problem("yaml-syntax", str(exc), line, column)])
        else:
            yield Document(index, data, root, start, builder.problems, builder.json_bound())
        index += 1


def compose_root(text: str) -> Node | None:
    """:func:`gitops_gen.manifests.yamlread.compose_root`."""
    try:
        for root in yaml.compose_all(text, Loader=_Loader):
            if root is not None and not (isinstance(root, ScalarNode) and root.tag == PLAIN and not root.value):
                return root
    except yaml.YAMLError:
        return None
    return None


def _skip(stream: Iterator[Node | None], count: int) -> Iterator[Node | None]:
    for _ in range(count):
        next(stream)
    yield from stream


def _syntax_document(index: int, exc: yaml.YAMLError, text: str) -> Document:
    message, line, column = syntax_error(exc, text)
    return Document(index, None, None, line, [Problem("yaml-syntax", message, line, column)])
