"""Checking a folder shown under another name (the gate's exported base tree is shown as the
repository's own paths): :class:`Redisplay` renames files and findings, :class:`ShownGraph` answers
the app-of-apps graph's questions about the shown files from the files on disk."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from typing import Any

from gitops_gen.manifests.loader import SourceFile
from gitops_gen.model import Finding


class Redisplay:
    """Shows the files below ``folder`` as if ``name`` had been given (as :func:`iter_files` would)."""

    def __init__(self, folder: str, name: str) -> None:
        self.folder = os.path.normpath(folder)
        self.name = os.path.normpath(name)

    def path(self, display: str) -> str:
        if display == self.folder:
            return self.name
        if display.startswith(self.folder.rstrip(os.sep) + os.sep):
            return os.path.normpath(os.path.join(self.name, display[len(self.folder.rstrip(os.sep)) + 1:]))
        return display

    def on_disk(self, file: str) -> str:
        """The absolute path on disk of an absolute path below the shown name (others as they are)."""
        rel = os.path.relpath(file, os.path.abspath(self.name))
        if rel == os.curdir:
            return os.path.abspath(self.folder)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return file
        return os.path.join(os.path.abspath(self.folder), rel)

    def __call__(self, item: SourceFile | Finding) -> SourceFile | Finding:
        if isinstance(item, SourceFile):
            return replace(item, display=self.path(item.display))
        inside = self.folder.rstrip(os.sep) + os.sep
        message = item.message.replace(inside, "" if self.name == os.curdir else self.name.rstrip(os.sep) + os.sep)
        message = re.sub(re.escape(self.folder) + r"(?=$|[\s:;,)'\"])", lambda _: self.name, message)
        return replace(item, file=self.path(item.file), message=message)


class ShownGraph:
    """The app-of-apps graph of a tree shown under another name: :meth:`deployer` is asked about
    a finding's shown file, the graph knows the files on disk."""

    def __init__(self, graph: Any, shown: Redisplay) -> None:
        self._graph = graph
        self._shown = shown

    def __getattr__(self, name: str) -> Any:
        return getattr(self._graph, name)

    def __fingerprint__(self) -> Any:
        return self._graph

    def deployer(self, file: str, kind: str, name: str | None) -> str | None:
        return self._graph.deployer(self._shown.on_disk(file), kind, name)  # type: ignore[no-any-return]
