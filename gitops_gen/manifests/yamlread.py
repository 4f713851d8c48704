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

What needs PyYAML is in :mod:`~gitops_gen.manifests.libyaml`, imported when a document first
needs it: the fast path (:mod:`~gitops_gen.manifests.fastread`) reads most documents without.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitops_gen.manifests.scalars import key_string, resolve_plain
from gitops_gen.model import FieldPath, Positions
from gitops_gen.records import record

if TYPE_CHECKING:  # (PyYAML itself is imported with :mod:`~gitops_gen.manifests.libyaml`, when needed)
    from yaml.nodes import Node

__all__ = ["PLAIN", "Document", "Limits", "NodePositions", "Problem", "compose_root", "key_string",
           "read_documents", "resolve_plain"]

#: Tag given to plain scalars with no explicit tag: they are resolved here, go-yaml's way.
PLAIN = "!gitops-gen/plain"


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


class NodePositions:
    """Field path -> (line, column), answered from the composed node tree of one document."""

    __slots__ = ("root",)

    def __init__(self, root: Node | None) -> None:
        self.root = root

    def locate(self, path: FieldPath, *, key: bool = True) -> tuple[int, int]:
        if self.root is None:
            return 1, 1
        from gitops_gen.manifests.libyaml import locate

        return locate(self.root, path, key)

    def exists(self, path: FieldPath) -> bool:
        if self.root is None:
            return False
        from gitops_gen.manifests.libyaml import exists

        return exists(self.root, path)


def read_documents(text: str, limits: Limits = Limits()) -> Iterator[Document]:
    """Parse a YAML stream into :class:`Document` values, with libyaml.

    A syntax error ends the stream (libyaml cannot resynchronise) and is yielded as a document
    with a ``yaml-syntax`` problem; the documents before it are kept.
    """
    from gitops_gen.manifests.libyaml import read_documents as read

    return read(text, limits)


def compose_root(text: str) -> Node | None:
    """The node tree of the first non-empty document of ``text``, for positions only (no values
    built); None when there is none or libyaml cannot read it."""
    from gitops_gen.manifests.libyaml import compose_root as compose

    return compose(text)
