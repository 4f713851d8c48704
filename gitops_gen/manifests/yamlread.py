"""Read YAML exactly as Kubernetes does, fast, keeping the position of every node.

Kubernetes decodes manifests with sigs.k8s.io/yaml, which is go-yaml v2 underneath.  That
differs from PyYAML's defaults in ways that matter for security, so the nodes are parsed by
libyaml (PyYAML's C parser and composer) and turned into Python values here, with go-yaml v2's
rules:

* YAML 1.1 booleans, including ``y/n/yes/no/on/off`` (``privileged: yes`` is ``True``);
* integers as Go's ``strconv.ParseInt(s, 0, 64)`` reads them after dropping ``_``: ``0644``
  is octal (420), ``0x1F``, ``0o17`` and ``0b101`` work; sexagesimal ``1:30`` stays a string;
* floats by go-yaml's ``^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$`` (so ``1e3``
  is a float, which PyYAML reads as a string);
* timestamps stay strings (go-yaml v2 does that for untyped targets);
* merge keys ``<<`` are applied in document order, as go-yaml v2's decoder does: a key written
  after ``<<`` overrides the merged value, a key written before it is overridden; a list of
  maps merges with the earlier maps winning;
* mapping keys become strings as sigs.k8s.io/yaml makes them (``true``, ``1``, ``null``);
* duplicate keys keep the last value (as Kubernetes' decoder does) but are reported, because a
  second ``privileged:`` hiding the first is how a bad value slips through review.

Aliases are shared, not copied, but their expanded size counts against a node budget, so an
alias bomb ("billion laughs") is refused in microseconds instead of exhausting memory later.  An
anchor may be defined twice, as go-yaml allows: an alias refers to the latest definition.
Syntax errors are reported on the line of the broken construct (see
:mod:`gitops_gen.manifests.syntax`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_gen.manifests.scalars import key_string, resolve_plain
from gitops_gen.manifests.syntax import syntax_error
from gitops_gen.model import FieldPath, Positions
from gitops_gen.records import record

__all__ = ["PLAIN", "Document", "DocumentTooLarge", "Limits", "MergeError", "NodePositions", "Problem",
           "compose_root", "key_string", "read_documents", "resolve_plain"]

try:  # libyaml is part of every PyYAML wheel; the pure-Python loader is only a fallback
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

_MERGE = "<<"
#: Tag given to plain scalars with no explicit tag: they are resolved here, go-yaml's way.
PLAIN = "!gitops-gen/plain"
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


@record
class Limits:
    """Budgets that keep hostile input cheap to refuse."""

    max_file_bytes: int = 16 * 1024 * 1024
    #: Nodes per document, counting every alias expansion (billion laughs expands to 10^9).
    max_nodes: int = 500_000
    max_depth: int = 200


@dataclass(slots=True)
class Problem:
    """Something wrong in the YAML itself, on a 1-based line and column."""

    rule: str
    message: str
    line: int
    column: int


class DocumentTooLarge(Exception):
    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass(slots=True)
class Document:
    """One YAML document: its value, its node tree for positions, and its problems."""

    index: int
    data: Any
    root: Node | None
    start_line: int
    problems: list[Problem] = field(default_factory=list)
    #: An upper bound of the bytes of ``data`` as JSON (aliases expanded), so that a size limit
    #: can be checked without encoding every document (0: none, measured when asked).
    json_bound: int = 0
    #: Positions found on demand, for a document read without a node tree (the fast path).
    lazy: Positions | None = None
    #: The document as rapidyaml wrote it in JSON (the fast path): every key and string of
    #: ``data`` in one text, for rules that test for a word before walking the object.
    text: str | None = None

    @property
    def built(self) -> bool:
        """True when the document has a value (it was not refused for a problem)."""
        return self.root is not None or self.lazy is not None

    def positions(self) -> Positions:
        return self.lazy if self.lazy is not None else NodePositions(self.root)


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


class NodePositions:
    """Field path -> (line, column), answered from the composed node tree of one document."""

    __slots__ = ("root",)

    def __init__(self, root: Node | None) -> None:
        self.root = root

    def _walk(self, path: FieldPath) -> tuple[list[Node], Node | None, Node | None]:
        """Follow ``path``: the nodes visited, the key node of the last step (if a mapping
        entry) and the final node (None when the path leaves the tree)."""
        visited: list[Node] = []
        node = self.root
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

    def locate(self, path: FieldPath, *, key: bool = True) -> tuple[int, int]:
        if self.root is None:
            return 1, 1
        visited, key_node, node = self._walk(path)
        if node is not None:
            if key and key_node is not None:
                return _mark(key_node)
            return _mark(node)
        return _mark(visited[-1]) if visited else _mark(self.root)

    def exists(self, path: FieldPath) -> bool:
        return self.root is not None and self._walk(path)[2] is not None


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


def read_documents(text: str, limits: Limits = Limits()) -> Iterator[Document]:
    """Parse a YAML stream into :class:`Document` values.

    A syntax error ends the stream (libyaml cannot resynchronise) and is yielded as a document
    with a ``yaml-syntax`` problem; the documents before it are kept.
    """
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
    """The node tree of the first non-empty document of ``text``, for positions only (no values
    built); None when there is none or libyaml cannot read it."""
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
