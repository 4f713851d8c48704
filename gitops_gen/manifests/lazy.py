"""Positions that are found again only when asked for.

Resources kept for tree-level rules (and those sent back from worker processes) drop their node
tree to keep memory flat; the few that end up with a finding re-read their file to locate it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from yaml.nodes import Node

from gitops_gen.manifests.loader import decode
from gitops_gen.manifests.yamlread import Limits, NodePositions, read_documents
from gitops_gen.model import FieldPath


@lru_cache(maxsize=16)
def _roots(abspath: str, mtime_ns: int, limits: Limits) -> dict[int, Node]:
    text = decode(Path(abspath).read_bytes(), abspath, limits)
    if not isinstance(text, str):
        return {}
    return {doc.index: doc.root for doc in read_documents(text, limits) if doc.root is not None}


class LazyPositions:
    __slots__ = ("_resolved", "abspath", "doc_index", "limits")

    def __init__(self, abspath: str, doc_index: int, limits: Limits) -> None:
        self.abspath = abspath
        self.doc_index = doc_index
        self.limits = limits
        self._resolved: NodePositions | None = None

    def _positions(self) -> NodePositions:
        if self._resolved is None:
            try:
                roots = _roots(self.abspath, Path(self.abspath).stat().st_mtime_ns, self.limits)
            except OSError:
                roots = {}
            self._resolved = NodePositions(roots.get(self.doc_index))
        return self._resolved

    def locate(self, path: FieldPath, *, key: bool = True) -> tuple[int, int]:
        return self._positions().locate(path, key=key)

    def exists(self, path: FieldPath) -> bool:
        return self._positions().exists(path)

    def __getstate__(self) -> tuple[str, int, Limits]:
        return (self.abspath, self.doc_index, self.limits)

    def __setstate__(self, state: tuple[str, int, Limits]) -> None:
        self.abspath, self.doc_index, self.limits = state
        self._resolved = None
