"""Where a kustomization's inline patches set a field.

A kustomization may carry its patches as text (``patches: [{patch: "..."}]``, ``patchesJson6902``,
inline ``patchesStrategicMerge`` entries), a strategic-merge object or a JSON 6902 operation list:
a finding that only the build has (a patch made a container privileged) is located on the line
of that text that sets the field, in the kustomization file, rather than on its first line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.manifests.loader import SourceFile, read_limited
from gitops_gen.manifests.yamlread import Limits, read_documents
from gitops_gen.model import FieldPath, PathPart, Positions

#: A target name kustomize reads as a plain name (it reads anything else as a regular expression).
_PLAIN_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")


def locate_inline(kustomization: str, kind: str, name: str, path: FieldPath, limits: Limits) -> tuple[int, int] | None:
    """(line, column) in the file ``kustomization`` of the inline patch value that sets ``path`` of
    the built object ``kind``/``name``, or None when no inline patch of it does."""
    raw = read_limited(SourceFile(kustomization, kustomization), limits)
    try:
        text = raw.decode("utf-8-sig") if raw is not None else ""
    except UnicodeDecodeError:
        return None
    for doc in read_documents(text, limits):
        if not isinstance(doc.data, dict):
            continue
        for at, patch, target in _inline(doc.data):
            if not _targets(target, kind, name):
                continue
            inner = _in_text(patch, kind, path, limits)
            if inner is not None:
                return _in_file(text, doc.positions(), at, inner)
    return None


def _inline(data: Mapping[str, Any]) -> Iterator[tuple[FieldPath, str, Any]]:
    """(where, text, target) of each inline patch of a kustomization."""
    for key in ("patches", "patchesJson6902"):
        entries = data.get(key)
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict) and isinstance(entry.get("patch"), str):
                yield (key, i, "patch"), entry["patch"], entry.get("target")
    entries = data.get("patchesStrategicMerge")
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, str) and "\n" in entry:  # (a single line names a file)
            yield ("patchesStrategicMerge", i), entry, None


def _targets(target: Any, kind: str, name: str) -> bool:
    """Whether a patch's ``target`` may select the object (no target: the patch names it)."""
    if not isinstance(target, dict):
        return True
    wanted = target.get("kind")
    if isinstance(wanted, str) and wanted and wanted != kind:
        return False
    named = target.get("name")
    # a built name carries the overlays' prefixes and suffixes; a pattern is not judged
    return not (isinstance(named, str) and _PLAIN_NAME.fullmatch(named) and named not in name)


def _pointer(text: str) -> tuple[PathPart, ...] | None:
    """A JSON pointer as a field path (list indexes as numbers); None for an append (``-``)."""
    if not text.startswith("/"):
        return None
    parts: list[PathPart] = []
    for part in text[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if part == "-":
            return None
        parts.append(int(part) if part.isdigit() else part)
    return tuple(parts)


def _in_text(patch: str, kind: str, path: FieldPath, limits: Limits) -> tuple[int, int] | None:
    """(line, column) in the patch text of what sets ``path``: the field in a strategic-merge
    object of that kind, or the value of an ``add``/``replace`` operation at it or above it (its
    ``path`` when it sets something below it)."""
    for doc in read_documents(patch, limits):
        positions = doc.positions()
        if isinstance(doc.data, dict):
            if doc.data.get("kind") in (None, kind) and positions.exists(path):
                return positions.locate(path, key=False)
            continue
        for i, op in enumerate(doc.data if isinstance(doc.data, list) else []):
            if not isinstance(op, dict) or op.get("op") not in ("add", "replace") or "value" not in op:
                continue
            pointer = _pointer(op["path"]) if isinstance(op.get("path"), str) else None
            if pointer is None:
                continue
            if path[:len(pointer)] == pointer:
                inside = (i, "value", *path[len(pointer):])
                return positions.locate(inside if positions.exists(inside) else (i, "value"), key=False)
            if pointer[:len(path)] == path:
                return positions.locate((i, "path"), key=False)
    return None


def _in_file(text: str, positions: Positions, at: FieldPath, inner: tuple[int, int]) -> tuple[int, int]:
    """A position in a patch's text as a position in the kustomization file: a block scalar's
    text starts on the line after its ``|`` at its indentation; any other scalar is placed at
    its start."""
    line, column = positions.locate(at, key=False)
    lines = text.splitlines()
    if not lines[line - 1][column - 1:].startswith(("|", ">")):
        return line, column
    indent = next((len(row) - len(row.lstrip(" ")) for row in lines[line:] if row.strip()), 0)
    return line + inner[0], indent + inner[1]
